// The end of the current turn of the host's event loop, as a promise: a macrotask, so that every
// callback already queued for this turn (timers, I/O completions, messages: each followed by its
// microtasks) has run when it resolves. setImmediate where it exists (Node); else one
// MessageChannel, whose messages are macrotasks in browsers and workers (a setTimeout(0) would
// be clamped to 4 ms after a few nestings); setTimeout only where neither exists.

function channelTurns() {
  const waiting = [];
  let ch = null;
  return () =>
    new Promise((resolve) => {
      if (!ch) {
        ch = new MessageChannel();
        ch.port1.onmessage = () => waiting.shift()();
      }
      waiting.push(resolve);
      ch.port2.postMessage(0);
    });
}

// Taken when the module loads: fake timers installed later (a test's) must not stall a stage.
const immediate = typeof setImmediate === 'function' ? setImmediate : null;
const timeout = setTimeout;

/** Resolves after the callbacks queued for the event loop's current turn have run. */
export const nextTurn = immediate
  ? () => new Promise((resolve) => immediate(resolve))
  : typeof MessageChannel === 'function'
    ? channelTurns()
    : () => new Promise((resolve) => timeout(resolve, 0));
