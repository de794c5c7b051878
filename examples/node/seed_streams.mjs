// Seed example 1 in JavaScript (examples/seed/seed_streams.cpp): a stream pipeline. The integers
// 0..999 are squared on the workers, up to 100 calls at once (map + buffered keeps input order),
// the even squares are kept, and collect() gathers them into an array.
import { createRuntime } from 'weir-runtime';

const rt = await createRuntime();
const v = await rt
  .iter(0, 1000)
  .map((x) => x * x)
  .buffered(100)
  .filter((x) => x % 2 === 0)
  .collect();
await rt.close();

const sum = v.reduce((s, x) => s + x, 0);
console.log('pipeline: iter(0, 1000).map(square).buffered(100).filter(even).collect()');
console.log(`items: ${v.length}`);
console.log(`first five: ${v.slice(0, 5).join(' ')}`);
if (v.length) console.log(`last: ${v[v.length - 1]}`);
console.log(`sum: ${sum}`);
