// The runner's console, while a run is on, goes to the page's output panel: each call is one
// line, formatted here (format.js) where the values are. A run that prints without end would
// flood the page with messages, so a run's lines are capped; what is cut is counted and said.
import { formatArgs } from './format.js';

const LEVELS = ['log', 'info', 'warn', 'error', 'debug'];
export const MAX_LINES = 5000;

/**
 * Points console.log and friends at post(level, text) until the returned function is called
 * (it restores them and gives the number of lines that were cut).
 */
export function captureConsole(post) {
  const saved = {};
  let lines = 0;
  let cut = 0;
  for (const level of LEVELS) {
    saved[level] = console[level];
    console[level] = (...args) => {
      if (lines >= MAX_LINES) {
        cut++;
        return;
      }
      lines++;
      let text;
      try {
        text = formatArgs(args);
      } catch (e) {
        text = `(a value that could not be shown: ${e?.message ?? e})`;
      }
      post(level === 'info' || level === 'debug' ? 'log' : level, text);
    };
  }
  return () => {
    for (const level of LEVELS) console[level] = saved[level];
    return cut;
  };
}
