// A typed program against weir-runtime's declarations (index.d.ts), compiled, never run, by
// `tsc -p test/types --strict --noEmit` (types.test.mjs). It checks that the item types flow
// through every adapter and consumer, and, with `@ts-expect-error`, that what the runtime
// refuses (map(42), a stream awaited as a promise, a context the function does not get...) is
// refused by the compiler too: an expected error that does not happen fails the compilation.
import {
  createRuntime,
  Runtime,
  Stream,
  WeirStageError,
  WeirTimeoutError,
  type Backend,
  type MappedStream,
  type Metrics,
  type RuntimeOptions,
  type Trace,
  type TraceEvent,
  type SchedulerEvent,
  type PipelineEvent,
  type TraceSubscription,
} from 'weir-runtime';

/** true when A and B are the same type (not merely assignable one way). */
type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
/** Compiles only when the value's type is exactly Expected. */
function exactly<Expected>() {
  return <Actual>(_value: Actual, ..._proof: Equals<Actual, Expected> extends true ? [] : [never]) => {};
}

// ---- createRuntime and the runtime ----

const options: RuntimeOptions = { workers: 2, backend: 'auto', sliceBudgetMs: 8 };
const rt = await createRuntime(options);
exactly<Runtime>()(rt);
exactly<Backend>()(rt.backend);
exactly<number>()(rt.workers);
await createRuntime();
await createRuntime({ backend: 'event-loop' });
// @ts-expect-error an unknown backend
await createRuntime({ backend: 'gpu' });
// @ts-expect-error an unknown option (the runtime throws a TypeError)
await createRuntime({ wrokers: 2 });
// @ts-expect-error workers is a number
await createRuntime({ workers: '2' });
// @ts-expect-error read-only
rt.backend = 'threads';
// @ts-expect-error runtimes are made by createRuntime
new Runtime();

// ---- sources ----

exactly<Stream<number>>()(rt.iter(0, 10));
exactly<Stream<string>>()(rt.iter(['a', 'b']));
exactly<Stream<number>>()(rt.iter(new Float64Array(4)));
exactly<Stream<bigint>>()(rt.iter(new BigInt64Array(4)));
exactly<Stream<number>>()(rt.iter(new Set([1, 2])));
async function* lines(): AsyncGenerator<string> {
  yield 'a';
}
exactly<Stream<string>>()(rt.iter(lines()));
// @ts-expect-error iter(start, end) takes numbers
rt.iter(0, '10');
// @ts-expect-error a number alone is not a sequence of items
rt.iter(5);
// @ts-expect-error streams are made by rt.iter
new Stream<number>();

// ---- stage functions and their item types ----

exactly<MappedStream<string>>()(rt.iter(0, 10).map((x) => String(x)));
exactly<MappedStream<number>>()(rt.iter(['1', '22']).map(async (s) => s.length));
exactly<MappedStream<number>>()(rt.iter(0, 10).map((x) => Promise.resolve(x * 2)));
exactly<MappedStream<number>>()(rt.iter(0, 10).filter((x) => x % 2 === 0));
exactly<MappedStream<string>>()(rt.iter([1, 'a', 2]).filter((x): x is string => typeof x === 'string'));
exactly<MappedStream<number>>()(rt.iter(['1', 'x']).filterMap((s) => (/^\d+$/.test(s) ? Number(s) : undefined)));
exactly<MappedStream<string>>()(rt.iter(0, 3).filterMap(async (x) => (x > 0 ? `#${x}` : undefined)));
exactly<MappedStream<number>>()(rt.iter(1, 4).flatMap((n) => Array.from({ length: n }, (_, i) => i)));
exactly<MappedStream<string>>()(rt.iter(0, 3).flatMap((n) => new Set([String(n)])));
exactly<MappedStream<string>>()(rt.iter(['ab', 'c']).flatMap((s) => s)); // a string's characters
exactly<MappedStream<number>>()(rt.iter(0, 3).flatMap(async (n) => [n, n]));
exactly<MappedStream<number>>()(rt.iter(0, 3).inspect((x) => console.log(x)));
exactly<Stream<number>>()(rt.iter(0, 100).takeWhile((x) => x * x < 50));
exactly<Stream<number>>()(rt.iter(0, 10).skipWhile((x) => x < 7));
exactly<Stream<string>>()(rt.iter(0, 5).scan('', (acc, x) => acc + x));
exactly<Stream<{ n: number }>>()(rt.iter(0, 5).scan({ n: 0 }, (acc, x) => ({ n: acc.n + x })));
// @ts-expect-error flatMap's function returns an iterable
rt.iter(0, 3).flatMap((n) => n);
// @ts-expect-error the accumulator keeps its type
rt.iter(0, 5).scan(0, (acc, x) => `${acc}${x}`);

// The context: typed, and given as the last argument.
exactly<MappedStream<number>>()(rt.iter(0, 5).map((x, ctx) => x * ctx.k, { context: { k: 3 } }));
exactly<MappedStream<number>>()(rt.iter(0, 5).filter((x, ctx) => ctx.has(x), { context: new Set([1, 3]) }));
exactly<Stream<number[]>>()(rt.iter(0, 5).scan([] as number[], (acc, x, ctx) => [...acc, x + ctx], { context: 1 }));
// @ts-expect-error without { context } the last argument is undefined
rt.iter(0, 5).map((x, ctx) => x * ctx.k);
// @ts-expect-error the context's type is what was given
rt.iter(0, 5).map((x, ctx) => x * ctx.j, { context: { k: 3 } });
// @ts-expect-error the only stage option is context
rt.iter(0, 5).map((x) => x, { contxt: 1 });

// Bad stage functions (the runtime throws a TypeError where they are given).
// @ts-expect-error map takes a function
rt.iter(0, 10).map(42);
// @ts-expect-error filter takes a function
rt.iter(0, 10).filter('x');
// @ts-expect-error the item is a number, not a string
rt.iter(0, 10).map((x: string) => x);

// ---- buffered and bufferUnordered follow a stage function ----

exactly<Stream<number>>()(rt.iter(0, 10).map((x) => x * x).buffered(4));
exactly<Stream<number>>()(rt.iter(0, 10).filter((x) => x > 2).bufferUnordered(4));
exactly<Stream<string>>()(rt.iter(['u']).map(async (u) => `${u}!`).buffered(8));
// @ts-expect-error buffered(n) follows map, filter, filterMap, flatMap or inspect
rt.iter(0, 10).buffered(4);
// @ts-expect-error once: it runs the previous stage function's calls
rt.iter(0, 10).map((x) => x).buffered(4).buffered(4);
// @ts-expect-error not after take
rt.iter(0, 10).map((x) => x).take(3).bufferUnordered(2);

// ---- reshaping ----

exactly<Stream<number>>()(rt.iter(0, 10).take(3).skip(1));
exactly<Stream<number[]>>()(rt.iter(0, 10).chunks(4));
exactly<Stream<[number, string]>>()(rt.iter(['a', 'b']).enumerate());
exactly<Stream<[number, string]>>()(rt.iter(0, 3).zip(rt.iter(['a', 'b'])));
exactly<Stream<number | string>>()(rt.iter(0, 3).chain(rt.iter(['a'])));
exactly<Stream<number | string>>()(rt.iter(0, 3).merge(rt.iter(['a'])).merge(rt.iter([1])));
exactly<Stream<number>>()(rt.iter(0, 3).timeout(100));
exactly<Stream<string>>()(rt.iter(0, 3).stage('fmt', (s) => s.map((x) => x.toFixed(1)).buffered(2)));
exactly<Stream<number>>()(rt.iter(0, 3).stage('id', (s) => s));
// A pair destructured in the next stage.
exactly<MappedStream<string>>()(rt.iter(0, 2).zip(rt.iter(['a', 'b'])).map(([n, s]) => s.repeat(n + 1)));
// @ts-expect-error zip takes a stream
rt.iter(0, 3).zip([1, 2, 3]);
// @ts-expect-error stage's build returns a stream
rt.iter(0, 3).stage('x', (s) => 5);

// ---- consumers ----

const ac = new AbortController();
exactly<number[]>()(await rt.iter(0, 10).collect());
exactly<string[]>()(await rt.iter(0, 10).map((x) => String(x)).collect({ signal: ac.signal }));
exactly<number>()(await rt.iter(0, 10).count());
exactly<number>()(await rt.iter(0, 10).sum({ signal: ac.signal }));
exactly<number | undefined>()(await rt.iter(0, 10).first());
exactly<number>()(await rt.iter(1, 5).fold(1, (a, x) => a * x));
exactly<string>()(await rt.iter(1, 5).fold('', (a, x, ctx) => a + ctx + x, { context: ',', signal: ac.signal }));
exactly<void>()(await rt.iter(0, 3).forEach((x) => console.log(x)));
await rt.iter(0, 3).forEach((x, ctx) => console.log(ctx.prefix, x), { context: { prefix: '>' } });
for await (const v of rt.iter(0, 10).map((x) => ({ v: x }))) {
  exactly<{ v: number }>()(v);
}
const asIterable: AsyncIterable<number> = rt.iter(0, 3);
void asIterable;
// @ts-expect-error sum is for streams of numbers
await rt.iter(['a']).sum();
// @ts-expect-error the signal is an AbortSignal
await rt.iter(0, 3).collect({ signal: 5 });
// @ts-expect-error consumers take an options object
await rt.iter(0, 3).count(ac.signal);

// A stream is not a promise: it has no `then`, so it cannot be awaited into its items.
// @ts-expect-error no then
rt.iter(0, 10).then((xs: number[]) => xs);
// @ts-expect-error awaiting a stream gives the stream, not an array
const notAnArray: number[] = await rt.iter(0, 10);
void notAnArray;
// @ts-expect-error not a PromiseLike either
const notAPromise: PromiseLike<number[]> = rt.iter(0, 10);
void notAPromise;

// ---- spawn, sleep ----

exactly<number>()(await rt.spawn((a, b) => a + b, 2, 3));
exactly<string>()(await rt.spawn(async (s: string) => s.toUpperCase(), 'x'));
exactly<number[]>()(await rt.spawn(() => [1, 2]));
// @ts-expect-error the arguments are fn's
await rt.spawn((a: number, b: number) => a + b, 2, 'three');
// @ts-expect-error spawn takes a function
await rt.spawn(5);
exactly<void>()(await rt.sleep(10));
await rt.sleep(10, { signal: AbortSignal.timeout(5) }).catch(() => {});
// @ts-expect-error sleep takes milliseconds
await rt.sleep('10');

// ---- errors ----

try {
  await rt.iter(0, 10).stage('parse', (s) => s.map((x) => (x === 5 ? JSON.parse('{') : x))).collect();
} catch (e) {
  if (e instanceof WeirStageError) {
    exactly<string>()(e.stage);
    exactly<number>()(e.item);
    exactly<unknown>()(e.cause);
    exactly<'WeirStageError'>()(e.name);
  } else if (e instanceof WeirTimeoutError) {
    exactly<'TimeoutError'>()(e.name);
  }
}

// ---- tracing and metrics ----

rt.trace.start({ eventsPerWorker: 1 << 16 });
await rt.iter(0, 100).stage('sq', (s) => s.map((x) => x * x).buffered(8)).collect();
const trace: Trace = rt.trace.stop();
const json: string = trace.toPerfetto();
void json;
exactly<number>()(trace.dropped);
for (const e of trace.events) {
  exactly<TraceEvent>()(e);
  exactly<number>()(e.ts);
  if (e.kind === 'pipeline') {
    exactly<PipelineEvent>()(e);
    for (const st of e.stages) {
      exactly<string>()(st.name);
      exactly<number | null>()(st.window);
    }
    continue;
  }
  exactly<SchedulerEvent>()(e);
  exactly<number>()(e.worker);
  exactly<number>()(e.task);
  exactly<string | undefined>()(e.stage);
  if (e.kind === 'stage_in') exactly<number | undefined>()(e.count);
  // @ts-expect-error not a kind
  if (e.kind === 'poll') break;
}
const sub: TraceSubscription = rt.trace.subscribe((batch) => exactly<TraceEvent[]>()(batch), { intervalMs: 16 });
sub.close();
// @ts-expect-error the callback takes a batch
rt.trace.subscribe((batch: number) => batch);

const m: Metrics = rt.metrics();
exactly<number>()(m.workers);
exactly<number>()(m.perWorker[0]?.busyMs ?? 0);
// @ts-expect-error the counters are numbers
const bad: string = m.liveTasks;
void bad;

await rt.close();
