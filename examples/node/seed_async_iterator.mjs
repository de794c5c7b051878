// Seed example 5 in JavaScript (examples/seed/seed_async_iterator.cpp): an async iterator. An
// async stage function awaits one call per item (each sleeps 1 ms and gives x * x; without
// buffered, one at a time, as C++'s then()), chunks(10) groups the squares into arrays of ten,
// map + buffered(5) sums up to five chunks at once on the workers (results in input order), and
// `for await` takes the ten sums as they come.
import { createRuntime } from 'weir-runtime';

const rt = await createRuntime();
const pipeline = rt
  .iter(0, 100)
  .map(async (x) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return x * x;
  })
  .chunks(10)
  .map((c) => c.reduce((s, x) => s + x, 0))
  .buffered(5);
const sums = [];
for await (const s of pipeline) sums.push(s);
await rt.close();

console.log('pipeline: iter(0, 100).then(sleep 1 ms, square).chunks(10).map(sum).buffered(5).collect()');
console.log(`${sums.length} chunk sums: ${sums.join(' ')}`);
