// Download trace: the last run's trace, as weir-runtime gives it (rt.trace.stop().toPerfetto():
// Chrome trace-event JSON, which ui.perfetto.dev and chrome://tracing open), saved as a file.

/** Saves json as weir-trace-<date>.json through a temporary link. */
export function downloadTrace(json) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `weir-trace-${stamp}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
