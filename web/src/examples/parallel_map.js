// A CPU-bound parallel map. Each item is a block of 2,000 numbers; the 'primes' stage counts the
// primes in its block by trial division, up to 16 blocks at once across the workers
// (buffered(16)); sum() adds the counts. Watch the worker lanes fill with the stage's colour,
// and an idle worker steal jobs from a busy one. Try 1, 2 and 4 workers.
//
// Stage functions travel to the workers by their source: they see only their arguments and
// globals, so the block size comes in through { context } (ctx).
const t0 = performance.now();
const primes = await rt
  .iter(0, 600)
  .stage('primes', (s) =>
    s
      .map(
        (block, ctx) => {
          let count = 0;
          for (let n = Math.max(2, block * ctx.size); n < (block + 1) * ctx.size; n++) {
            let prime = true;
            for (let d = 2; d * d <= n; d++) {
              if (n % d === 0) {
                prime = false;
                break;
              }
            }
            if (prime) count++;
          }
          return count;
        },
        { context: { size: 2000 } },
      )
      .buffered(16),
  )
  .sum();
console.log(`primes below 1,200,000: ${primes}`);
console.log(`on ${rt.workers} worker(s), ${rt.backend} backend, in ${Math.round(performance.now() - t0)} ms`);
return primes;
