// Builds the playground into web/dist (or the directory given as the first argument) with
// esbuild: everything the page needs at run time, so that nothing is fetched from elsewhere.
//
//   dist/index.html            the page
//   dist/app/main.js, .css     the page's bundle: Monaco (editor.api only: the lean recipe of
//                              ../shared/notes/toolchain.md section 4), the toolbar, the view
//   dist/app/*.ttf             Monaco's icon font (imported by its CSS)
//   dist/app/editor.worker.js  Monaco's editor worker
//   dist/app/ts.worker.js      Monaco's TypeScript worker (completion and hover from index.d.ts)
//   dist/app/runner.js         the module worker that runs the user's code on weir-runtime
//   dist/dist/weir-*.mjs/.wasm weir-runtime's two builds, where the bundled runner's
//                              `new URL('../dist/weir-threads.mjs', import.meta.url)` finds them
//
// weir-runtime is bundled from its package (`file:../wasm/npm`) exactly as a user's bundler
// would take it; its wasm modules are copied, not bundled, because the package loads them by
// URL (and the threads build starts its pool workers from its own URL).
//
//   node web/build.mjs [outdir]
import * as esbuild from 'esbuild';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(WEB, '..');
const OUT = path.resolve(process.argv[2] ?? path.join(WEB, 'dist'));
const MONACO = path.join(WEB, 'node_modules/monaco-editor/esm/vs');
const RUNTIME = path.join(WEB, 'node_modules/weir-runtime');

/**
 * `import x from 'text:<path from the repository root>'` gives the file's text: the package's
 * type declarations for the editor, and the seed examples (examples/node/*.mjs) for the menu.
 */
const textFiles = {
  name: 'text-files',
  setup(build) {
    build.onResolve({ filter: /^text:/ }, (args) => ({
      path: path.join(REPO, args.path.slice('text:'.length)),
      namespace: 'text-file',
    }));
    build.onLoad({ filter: /.*/, namespace: 'text-file' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
      watchFiles: [args.path],
    }));
  },
};

async function main() {
  const t0 = performance.now();
  for (const f of ['weir-threads.mjs', 'weir-threads.wasm', 'weir-event-loop.mjs', 'weir-event-loop.wasm']) {
    if (!existsSync(path.join(RUNTIME, 'dist', f))) {
      throw new Error(`weir-runtime's dist/${f} is missing: run scripts/build-npm.sh (and npm ci in web/)`);
    }
  }
  await rm(OUT, { recursive: true, force: true });
  await mkdir(path.join(OUT, 'app'), { recursive: true });

  const common = {
    bundle: true,
    format: 'esm',
    minify: true,
    sourcemap: false,
    target: 'es2022',
    logLevel: 'warning',
    legalComments: 'none',
  };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: { main: path.join(WEB, 'src/main.js') },
      outdir: path.join(OUT, 'app'),
      // Monaco loads the JavaScript tokenizer and the TypeScript language features with
      // import(): as chunks of their own they are fetched after the editor is up.
      splitting: true,
      chunkNames: 'chunk-[hash]',
      loader: { '.ttf': 'file' },
      plugins: [textFiles],
    }),
    esbuild.build({
      ...common,
      entryPoints: {
        'editor.worker': path.join(MONACO, 'editor/editor.worker.js'),
        'ts.worker': path.join(MONACO, 'language/typescript/ts.worker.js'),
      },
      outdir: path.join(OUT, 'app'),
    }),
    esbuild.build({
      ...common,
      entryPoints: { runner: path.join(WEB, 'src/runner/worker.js') },
      outdir: path.join(OUT, 'app'),
      // The package reaches for node:os only when it runs in Node.
      external: ['node:*'],
    }),
  ]);

  await cp(path.join(RUNTIME, 'dist'), path.join(OUT, 'dist'), { recursive: true });
  await writeFile(path.join(OUT, 'index.html'), await readFile(path.join(WEB, 'src/index.html')));

  const files = await readdir(path.join(OUT, 'app'));
  console.log(
    `playground: built ${OUT} in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
      `(app/: ${files.length} files; dist/: weir-runtime's two builds)`,
  );
}

main().catch((e) => {
  console.error(e.message ?? e);
  process.exit(1);
});
