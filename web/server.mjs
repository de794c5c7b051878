// The playground's HTTP server: serves the built playground (web/dist, or --root DIR) on
// 127.0.0.1 only, with the headers that make the page cross-origin isolated (COOP + COEP, and CORP
// on every response so that an isolated page may load it), which weir-runtime's threads build
// needs for SharedArrayBuffer. scripts/run.sh ends by running it in the foreground.
//
//   node web/server.mjs                 # http://127.0.0.1:8317/ (WEIR_PORT or --port N; 0 = free)
//   node web/server.mjs --root DIR      # another built directory
//   node web/server.mjs --no-isolation  # without COOP/COEP: the page falls back to the event loop
//   node web/server.mjs --check         # start on a free port, fetch /, check it, stop
//   import { startServer } from './server.mjs'  // tests: await startServer({ root, port: 0 })
//
// Why file serving is written here and not taken from a package: the issue asks for a well-kept
// static-file package if one fits. Three were tried against the same tree and requests (raw
// HTTP, every traversal case of web/test/server.test.mjs plus symlinks inside the root that point
// out of it), with npm's sirv 3.0.2, serve-handler 6.1.8 and serve-static 2.2.1:
// - serve-static (send 1.2.1, 20 packages): every `..`/encoded/backslash/absolute case is a 404
//   and its MIME types are right, but it follows symlinks wherever they lead (a link in the root
//   to /etc served /etc/passwd) and has no option against it.
// - sirv: in its default mode it walks the whole tree at start-up (so files built later are not
//   served) following symlinks (a link to /etc made it throw at start-up); in dev mode it serves
//   through symlinks out of the root like serve-static.
// - serve-handler (vercel, 14 packages pinned to 2018 versions): traversal is a 400, a %00 a 500,
//   `/` does not serve index.html, .js goes out as application/javascript, and a symlinked
//   directory leads out of the root even with `symlinks: false`.
// None meets "only the built playground is served", and a guard around one of them would have to
// redo its path resolution. The rule here fits in a few lines: decode the path once, refuse any
// segment that is empty or starts with '.' (so `..`, `.`, `//` and dotfiles) and any backslash or
// NUL, then serve the file only if its realpath (symlinks resolved) is inside the root's realpath.
// The root is resolved again on each request, so a rebuilt web/dist is served at once.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist');
export const DEFAULT_PORT = 8317;
export const DEFAULT_HOST = '127.0.0.1';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8', // .d.ts files fed to Monaco's TypeScript worker
  '.txt': 'text/plain; charset=utf-8',
  '.ttf': 'font/ttf', // Monaco's codicon font
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The headers every response carries (200, 304, 404, 405, 400). */
function baseHeaders(isolated) {
  return {
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache', // revalidate: a rebuilt playground shows at once
    ...(isolated ? ISOLATION_HEADERS : {}),
  };
}

/**
 * The path segments of a request's raw path, or null when it is refused: not starting with a
 * single '/', undecodable, a backslash or NUL (raw or encoded), or a segment that is empty (`//`)
 * or starts with '.' (`..`, `.`, dotfiles). Decoded once: `%252e` stays the literal name `%2e`.
 * A trailing '/' gives a last segment '' (a directory's index.html).
 */
export function pathSegments(rawPath) {
  if (!rawPath.startsWith('/') || rawPath.includes('\\')) return null;
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\\') || decoded.includes('\0')) return null;
  const segments = decoded.slice(1).split('/');
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    if ((segments[i] === '' && i !== last) || segments[i].startsWith('.')) return null;
  }
  return segments;
}

function isInside(realRoot, real) {
  const rel = path.relative(realRoot, real);
  return rel === '' || (rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel));
}

/** A real path and its stat if it is inside realRoot, else null. */
async function realInside(realRoot, file) {
  try {
    const real = await fs.promises.realpath(file);
    if (!isInside(realRoot, real)) return null;
    return { real, stat: await fs.promises.stat(real) };
  } catch {
    return null;
  }
}

/**
 * What a request path names under root: { file, stat } for a file to send, { redirect } for a
 * directory named without its trailing '/' that has an index.html, or null (a 404).
 */
export async function lookup(root, rawPath) {
  const segments = pathSegments(rawPath);
  if (!segments) return null;
  let realRoot;
  try {
    realRoot = await fs.promises.realpath(root);
  } catch {
    return null;
  }
  const named = await realInside(realRoot, path.join(realRoot, ...segments));
  if (!named) return null;
  if (named.stat.isFile()) return segments.at(-1) === '' ? null : { file: named.real, stat: named.stat };
  if (!named.stat.isDirectory()) return null;
  const index = await realInside(realRoot, path.join(named.real, 'index.html'));
  if (!index || !index.stat.isFile()) return null; // no directory listings
  if (segments.at(-1) !== '') return { redirect: rawPath + '/' };
  return { file: index.real, stat: index.stat };
}

async function handle(req, res, root, isolated) {
  const headers = baseHeaders(isolated);
  const send = (status, text, extra = {}) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
  }
  const q = req.url.search(/[?#]/);
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const found = await lookup(root, rawPath);
  if (!found) return send(404, 'not found\n');
  if (found.redirect) return send(301, 'moved\n', { Location: found.redirect });
  const { file, stat } = found;
  const etag = `W/"${stat.size}-${Math.floor(stat.mtimeMs)}"`;
  const fileHeaders = {
    ...headers,
    'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    ETag: etag,
    'Last-Modified': stat.mtime.toUTCString(),
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, fileHeaders);
    return res.end();
  }
  res.writeHead(200, { ...fileHeaders, 'Content-Length': stat.size });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

function isLoopback(host) {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}

/**
 * Starts the server; resolves to { url, port, close() } once it listens. root must be a
 * directory (default web/dist); port 0 takes a free one; host must be a loopback address;
 * isolated: false leaves out COOP/COEP (CORP stays), to test the page's event-loop fallback.
 */
export async function startServer({
  root = DEFAULT_ROOT,
  port = DEFAULT_PORT,
  host = DEFAULT_HOST,
  isolated = true,
} = {}) {
  if (!isLoopback(host)) throw new Error(`weir playground: refusing to bind ${host}: loopback only`);
  root = path.resolve(root);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`weir playground: ${root} is not a directory: build the playground first (node web/build.mjs)`);
  }
  const server = http.createServer((req, res) => {
    handle(req, res, root, isolated).catch(() => res.destroy());
  });
  // Requests Node's parser refuses (a raw NUL in the path, ...) get a 400 with the same headers.
  server.on('clientError', (err, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
    const lines = Object.entries(baseHeaders(isolated)).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.end(`HTTP/1.1 400 Bad Request\r\n${lines.join('')}Content-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = server.address().port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}/`,
    port: actual,
    root,
    isolated,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---- command line ----

function parseArgs(argv) {
  const opts = { port: process.env.WEIR_PORT ?? String(DEFAULT_PORT), root: DEFAULT_ROOT, isolated: true, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') opts.port = argv[++i];
    else if (a.startsWith('--port=')) opts.port = a.slice(7);
    else if (a === '--root') opts.root = argv[++i];
    else if (a.startsWith('--root=')) opts.root = a.slice(7);
    else if (a === '--no-isolation') opts.isolated = false;
    else if (a === '--check') opts.check = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown argument ${a} (see --help)`);
  }
  if (opts.check) opts.port = '0';
  if (opts.root === undefined) throw new Error('--root needs a directory');
  if (!/^\d+$/.test(opts.port ?? '') || Number(opts.port) > 65535) {
    throw new Error(`port must be 0 to 65535, not ${JSON.stringify(opts.port)} (WEIR_PORT or --port)`);
  }
  opts.port = Number(opts.port);
  return opts;
}

/** --check: the page, its headers and its type, as a browser would get them. */
async function check(s) {
  const res = await fetch(s.url);
  const problems = [];
  if (res.status !== 200) problems.push(`GET / answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/html')) problems.push('/ is not text/html');
  if (res.headers.get('cross-origin-opener-policy') !== 'same-origin') problems.push('no COOP');
  if (res.headers.get('cross-origin-embedder-policy') !== 'require-corp') problems.push('no COEP');
  await res.arrayBuffer();
  return problems;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`weir playground: ${e.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(5, 10).join('\n').replace(/^\/\/ ?/gm, ''));
    return;
  }
  let s;
  try {
    s = await startServer(opts);
  } catch (e) {
    const msg =
      e.code === 'EADDRINUSE'
        ? `port ${opts.port} is in use (another scripts/run.sh?): set WEIR_PORT to another port, or 0 for a free one`
        : e.message.replace(/^weir playground: /, '');
    console.error(`weir playground: ${msg}`);
    process.exit(1);
  }
  if (!fs.existsSync(path.join(s.root, 'index.html'))) {
    console.error(`weir playground: warning: ${s.root} has no index.html`);
  }
  if (opts.check) {
    const problems = await check(s).catch((e) => [e.message]);
    await s.close();
    console.log(`weir playground: check ${problems.length ? 'FAILED: ' + problems.join(', ') : 'ok'} (${s.root})`);
    process.exit(problems.length ? 1 : 0);
  }
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) process.exit(130); // a second Ctrl+C does not wait
    stopping = true;
    await s.close();
    console.log(`weir playground: stopped (${signal})`);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Printed once Ctrl+C is handled: whoever reads the URL may stop the server at once.
  const how = opts.isolated ? 'cross-origin isolated' : 'WITHOUT COOP/COEP';
  console.log(`weir playground: serving ${path.relative(process.cwd(), s.root) || '.'} at ${s.url} (${how}; Ctrl+C stops)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
