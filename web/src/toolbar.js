// The toolbar: the Examples menu, Run and Stop, the workers (1 to 8) and the backend, Share and
// Download trace, and a status line. It only holds the controls' state and calls back; main.js
// decides what the buttons do.
//
// The backend: 'threads' needs a cross-origin isolated page (COOP/COEP headers: shared memory
// for the pool's workers). On a page that is not, 'threads' is disabled, 'event-loop' chosen,
// and the note beside the menu says why. The event-loop backend has one worker (the runner's
// own thread), so the workers menu is disabled with it.

const $ = (id) => document.getElementById(id);

export class Toolbar {
  constructor({ examples, isolated, workers, onRun, onStop, onExample, onShare, onDownload }) {
    this.el = {
      examples: $('examples'),
      run: $('run'),
      stop: $('stop'),
      workers: $('workers'),
      backend: $('backend'),
      note: $('backend-note'),
      share: $('share'),
      download: $('download'),
      status: $('status'),
    };
    const el = this.el;
    const pick = document.createElement('option');
    pick.textContent = 'Choose an example…';
    pick.value = '';
    el.examples.append(pick);
    for (const ex of examples) {
      const o = document.createElement('option');
      o.value = ex.id;
      o.textContent = ex.title;
      el.examples.append(o);
    }
    for (let n = 1; n <= 8; n++) {
      const o = document.createElement('option');
      o.value = String(n);
      o.textContent = String(n);
      el.workers.append(o);
    }
    el.workers.value = String(workers);

    this.isolated = isolated;
    const threads = el.backend.querySelector('option[value="threads"]');
    if (!isolated) {
      threads.disabled = true;
      el.backend.value = 'event-loop';
      el.note.textContent = 'event-loop: page not cross-origin isolated';
      el.note.title = 'The threads backend needs SharedArrayBuffer, which a page has only when its server sends the COOP and COEP headers (scripts/run.sh does).';
    } else {
      el.backend.value = 'threads';
    }
    el.backend.addEventListener('change', () => this.syncWorkers());
    this.syncWorkers();

    el.run.addEventListener('click', () => onRun());
    el.stop.addEventListener('click', () => onStop());
    el.share.addEventListener('click', () => onShare());
    el.download.addEventListener('click', () => onDownload());
    el.examples.addEventListener('change', () => {
      if (el.examples.value) onExample(el.examples.value);
    });
  }

  syncWorkers() {
    const el = this.el;
    const eventLoop = el.backend.value === 'event-loop';
    // The event-loop backend has one worker: show it, and keep the threads choice for later.
    if (eventLoop && !el.workers.disabled) {
      this.threadsWorkers = el.workers.value;
      el.workers.value = '1';
    } else if (!eventLoop && el.workers.disabled) {
      el.workers.value = this.threadsWorkers ?? el.workers.value;
    }
    el.workers.disabled = eventLoop;
    el.workers.title = eventLoop ? 'The event-loop backend has one worker: the thread that runs your code' : 'The runtime\u2019s worker threads';
  }

  get workers() {
    return this.backend === 'event-loop' ? 1 : Number(this.el.workers.value);
  }

  set workers(n) {
    if (this.el.workers.disabled) this.threadsWorkers = String(n);
    else this.el.workers.value = String(n);
  }

  get backend() {
    return this.el.backend.value;
  }

  setExample(id) {
    this.el.examples.value = id;
  }

  setRunning(running) {
    this.el.run.disabled = running;
    this.el.stop.disabled = !running;
  }

  setDownloadable(on) {
    this.el.download.disabled = !on;
  }

  status(text) {
    this.el.status.textContent = text;
  }
}
