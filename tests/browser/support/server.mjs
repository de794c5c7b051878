// The browser suite's static file server: serves the two WebAssembly builds, the test pages and
// the seed examples' expected output on 127.0.0.1 (a free port), with or without the headers that
// make a page cross-origin isolated (COOP + COEP, and CORP on every response so that an isolated
// page may load it). The threads build needs isolation (SharedArrayBuffer); the event-loop build
// is meant for pages that do not have it, so each is tested on the kind of page it is for.
// Written for the tests (Node's http module only), nothing is cached: the builds change under it.
//
//   node tests/browser/support/server.mjs [--isolated]   # serve by hand, to open a page yourself
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** URL prefix -> directory. A request outside every prefix, or escaping its root, is refused. */
export const ROUTES = {
  '/mt/': path.join(REPO, 'build/wasm'), // threads build (em++ 3.1.6, pthreads)
  '/el/': path.join(REPO, 'build/wasm-event-loop'), // event-loop build (em++ 3.1.69, no threads)
  '/pages/': path.join(REPO, 'tests/browser/pages'),
  '/expected/': path.join(REPO, 'examples/seed/expected'),
  '/npm/': path.join(REPO, 'wasm/npm'), // the npm package weir-runtime (src/ and dist/)
};

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The file a URL path names, or null when no route holds it or it escapes its route's root. */
export function resolvePath(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  for (const [prefix, root] of Object.entries(ROUTES)) {
    if (!decoded.startsWith(prefix)) continue;
    const file = path.resolve(root, '.' + path.posix.sep + decoded.slice(prefix.length));
    if (file !== root && !file.startsWith(root + path.sep)) return null;
    return file;
  }
  return null;
}

function handle(req, res, isolated) {
  const headers = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) };
  const send = (status, body) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
  const url = new URL(req.url, 'http://127.0.0.1');
  const file = resolvePath(url.pathname);
  if (!file) return send(403, 'forbidden\n');
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) return send(404, `not found: ${url.pathname}\n`);
    const type = MIME[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': st.size });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
}

/** Starts a server on 127.0.0.1 at a free port; resolves to { origin, close() }. */
export function startServer({ isolated }) {
  const server = http.createServer((req, res) => handle(req, res, isolated));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        origin: `http://127.0.0.1:${port}`,
        isolated,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const isolated = process.argv.includes('--isolated');
  const s = await startServer({ isolated });
  console.log(`serving ${isolated ? 'with' : 'without'} COOP/COEP on ${s.origin}`);
  for (const [prefix, root] of Object.entries(ROUTES)) console.log(`  ${prefix} -> ${root}`);
}
