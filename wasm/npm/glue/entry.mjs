// The entry of the glue bundled into the npm package's wasm module as --pre-js (esbuild, IIFE:
// scripts/build-npm.sh). What it defines runs in every thread of the module: the job runner,
// reaching the module's memory and allocator through the functions the --pre-js footer gives it
// (wasmMemory, _malloc and _free are the module's own, in scope there).
export { makeRunner } from '../src/engine/job_runner.mjs';
