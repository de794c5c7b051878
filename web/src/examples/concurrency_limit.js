// Async calls with a concurrency limit. An async stage function runs on the host thread and is
// awaited without holding a worker; buffered(4) keeps at most 4 calls in flight (the 'request'
// box shows 4/4), and hands the results on in input order. Each "request" waits 20 to 80 ms.
// Async stage functions also travel by their source, and run in the host's global scope: the
// counters of calls in flight live on globalThis.
globalThis.active = 0;
globalThis.peak = 0;
const t0 = performance.now();
const responses = await rt
  .iter(0, 40)
  .stage('request', (s) =>
    s
      .map(async (id) => {
        globalThis.active++;
        globalThis.peak = Math.max(globalThis.peak, globalThis.active);
        const ms = 20 + ((id * 37) % 61);
        await new Promise((resolve) => setTimeout(resolve, ms));
        globalThis.active--;
        return { id, ms };
      })
      .buffered(4),
  )
  .collect();
const inOrder = responses.every((r, i) => r.id === i);
const serial = responses.reduce((s, r) => s + r.ms, 0);
console.log(`${responses.length} responses, in input order: ${inOrder}`);
console.log(`at most ${globalThis.peak} calls in flight at once`);
console.log(`took ${Math.round(performance.now() - t0)} ms; one at a time would take ${serial} ms`);
