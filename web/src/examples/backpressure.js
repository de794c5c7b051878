// Backpressure: a fast producer and a slow consumer. The source is endless; the 'produce' stage
// squares items on the workers, up to 8 at once (buffered(8)); the consumer, a `for await` loop
// on the host, takes one item every 10 ms and stops after 150. The pipeline pulls: the producer
// runs only as far ahead as its window lets it, so the workers sit parked between short polls,
// the 'produce' box shows its window full (8/8 in flight), and its items in stay within a
// window of the items out however long the loop runs.
let consumed = 0;
let last;
const stream = rt.iter(0, Infinity).stage('produce', (s) => s.map((x) => x * x).buffered(8));
for await (const x of stream) {
  await new Promise((resolve) => setTimeout(resolve, 10)); // the slow consumer
  last = x;
  if (++consumed === 150) break; // leaving the loop stops the pipeline
}
console.log(`consumed ${consumed} items from an endless source; the last was ${last}`);
