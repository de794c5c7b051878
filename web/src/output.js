// The output panel: the user's console lines, the run's result, its errors, and the page's own
// notes (which backend ran, how long it took, that a run was stopped), one line each, coloured
// by kind. The panel keeps its last MAX_LINES lines; it follows the end unless scrolled up.

const MAX_LINES = 6000;

export class OutputPanel {
  constructor(pre) {
    this.pre = pre;
    this.count = 0;
  }

  clear() {
    this.pre.textContent = '';
    this.count = 0;
  }

  /** Adds a line; kind: 'log', 'warn', 'error', 'result' or 'info'. */
  line(text, kind = 'log') {
    const pre = this.pre;
    const follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    const div = document.createElement('div');
    div.className = kind;
    div.textContent = text;
    pre.appendChild(div);
    if (++this.count > MAX_LINES) {
      pre.firstChild.remove();
      this.count--;
    }
    if (follow) pre.scrollTop = pre.scrollHeight;
  }

  /** The panel's text, a line per line (the tests read it). */
  text() {
    return Array.from(this.pre.children, (d) => d.textContent).join('\n');
  }
}
