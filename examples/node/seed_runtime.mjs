// Seed example 2 in JavaScript (examples/seed/seed_runtime.cpp): the runtime. 1000 calls are
// spawned onto the worker pool, each a task that returns i * 2; Promise.all (join_all) waits for
// all of them and gives their values in spawn order.
//
// The C++ task yields once (weir::yield_now) before it returns, so that the others get to run. A
// synchronous JavaScript function runs to its end once a worker has started it (it cannot
// yield); the tasks still interleave, each being scheduled, stolen and run on its own.
import { createRuntime } from 'weir-runtime';

const rt = await createRuntime();
const handles = [];
for (let i = 0; i < 1000; i++) handles.push(rt.spawn((i) => i * 2, i));
const values = await Promise.all(handles);
await rt.close();

const sum = values.reduce((s, v) => s + v, 0);
console.log('spawned 1000 tasks; each yielded once, then returned i * 2');
console.log(`join_all sum: ${sum}`);
