// Tests of the playground's server (web/server.mjs): loopback-only bind, the cross-origin
// isolation headers on every response, MIME types, every way out of the root answered 404, no
// directory listing, HEAD, and the command line (URL printed, Ctrl+C stops it cleanly).
// The root is a temporary directory made here, with a secret file beside it and symlinks out of
// it; requests are written on a raw socket so that paths reach the server byte for byte (fetch
// would normalise `..` and backslashes away before sending).
//
//   node --test web/test/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../server.mjs';

const SERVER = fileURLToPath(new URL('../server.mjs', import.meta.url));
const SECRET = 'weir-secret-outside-the-root';

let tmp, root, srv;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-server-test-'));
  root = path.join(tmp, 'dist');
  const files = {
    'index.html': '<!doctype html><title>weir playground</title>',
    'app.js': 'console.log(1);\n',
    'worker.mjs': 'export {};\n',
    'app.css': 'body { margin: 0 }\n',
    'weir-threads.wasm': Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    'codicon.ttf': 'ttf',
    'types.json': '{}',
    'app.js.map': '{}',
    'assets/empty.txt': '',
    'docs/index.html': '<!doctype html><title>docs</title>',
    '.hidden': 'dotfile',
  };
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), body);
  }
  // Outside the root: a secret beside it, and a sibling whose name starts with the root's.
  fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  fs.mkdirSync(path.join(tmp, 'dist-evil'));
  fs.writeFileSync(path.join(tmp, 'dist-evil', 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'file-link.txt'));
  fs.symlinkSync(tmp, path.join(root, 'dir-link'));
  fs.symlinkSync('../dist-evil', path.join(root, 'rel-link'));
  fs.symlinkSync('/etc', path.join(root, 'etc-link'));
  fs.symlinkSync('app.js', path.join(root, 'inside-link.js')); // inside the root: served
  srv = await startServer({ root, port: 0 });
});

after(async () => {
  await srv?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** One request written byte for byte; resolves to { status, headers (lower-case), body }. */
function request(port, rawPath, { method = 'GET', host = '127.0.0.1', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const chunks = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split).toString('latin1').split('\r\n');
      const out = { status: Number(head[0].split(' ')[1]), headers: {}, body: raw.subarray(split + 4).toString() };
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        out.headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve(out);
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`${method} ${rawPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`, 'latin1');
  });
}

/** Resolves to true if a TCP connection to host:port is accepted (5 s without answer: false). */
function connects(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 5000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

function assertIsolationHeaders(res, what) {
  assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', `COOP on ${what}`);
  assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp', `COEP on ${what}`);
  assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin', `CORP on ${what}`);
}

test('server_binds_the_loopback_address_only', async () => {
  assert.equal(srv.server.address().address, '127.0.0.1');
  assert.equal(srv.url, `http://127.0.0.1:${srv.port}/`);
  assert.equal(await connects('127.0.0.1', srv.port), true);
  // Every other address of this machine (IPv4 and IPv6, link-local left out: it needs a scope).
  const others = Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => !a.internal && !a.address.startsWith('fe80:'))
    .map((a) => a.address);
  others.push('::1'); // the IPv6 loopback is another address too
  for (const address of others) {
    assert.equal(await connects(address, srv.port), false, `connected through ${address}`);
  }
});

test('server_refuses_to_bind_a_non_loopback_address', async () => {
  await assert.rejects(startServer({ root, port: 0, host: '0.0.0.0' }), /loopback only/);
  await assert.rejects(startServer({ root, port: 0, host: '::' }), /loopback only/);
});

test('server_refuses_a_root_that_is_not_a_directory', async () => {
  await assert.rejects(startServer({ root: path.join(tmp, 'nowhere'), port: 0 }), /not a directory/);
});

test('every_response_carries_coop_coep_and_corp', async () => {
  for (const [p, status, method] of [
    ['/', 200, 'GET'],
    ['/app.js', 200, 'GET'],
    ['/app.js', 200, 'HEAD'],
    ['/missing.js', 404, 'GET'],
    ['/../secret.txt', 404, 'GET'],
    ['/docs', 301, 'GET'],
    ['/', 405, 'POST'],
  ]) {
    const res = await request(srv.port, p, { method });
    assert.equal(res.status, status, `${method} ${p}`);
    assertIsolationHeaders(res, `${method} ${p} (${status})`);
  }
  const etag = (await request(srv.port, '/app.js')).headers.etag;
  const revalidated = await request(srv.port, '/app.js', { headers: { 'If-None-Match': etag } });
  assert.equal(revalidated.status, 304);
  assertIsolationHeaders(revalidated, '304');
});

test('a_request_nodes_parser_refuses_gets_400_with_the_headers', async () => {
  const res = await request(srv.port, '/index.html\0.txt');
  assert.equal(res.status, 400);
  assertIsolationHeaders(res, '400');
});

test('without_isolation_coop_and_coep_are_left_out_and_corp_stays', async () => {
  const plain = await startServer({ root, port: 0, isolated: false });
  try {
    for (const p of ['/', '/missing']) {
      const res = await request(plain.port, p);
      assert.equal(res.headers['cross-origin-opener-policy'], undefined);
      assert.equal(res.headers['cross-origin-embedder-policy'], undefined);
      assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin');
    }
  } finally {
    await plain.close();
  }
});

test('files_are_served_with_their_mime_types', async () => {
  for (const [p, type] of [
    ['/weir-threads.wasm', 'application/wasm'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/worker.mjs', 'text/javascript; charset=utf-8'],
    ['/app.css', 'text/css; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/codicon.ttf', 'font/ttf'],
    ['/types.json', 'application/json; charset=utf-8'],
    ['/app.js.map', 'application/json; charset=utf-8'],
    ['/assets/empty.txt', 'text/plain; charset=utf-8'],
  ]) {
    const res = await request(srv.port, p);
    assert.equal(res.status, 200, p);
    assert.equal(res.headers['content-type'], type, p);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', p);
  }
  const wasm = await request(srv.port, '/weir-threads.wasm');
  assert.equal(wasm.headers['content-length'], '8');
});

test('slash_serves_index_html_and_query_strings_are_ignored', async () => {
  for (const p of ['/', '/?code=abc', '/index.html#x']) {
    const res = await request(srv.port, p);
    assert.equal(res.status, 200, p);
    assert.match(res.body, /<title>weir playground<\/title>/, p);
  }
});

test('every_path_out_of_the_root_is_404', async () => {
  const attempts = [
    '/../secret.txt',
    '/../../../../etc/passwd',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/%252e%252e/secret.txt', // double-encoded: decoded once, it is the literal name '%2e%2e'
    '/%252e%252e%252fsecret.txt',
    '/%c0%ae%c0%ae/secret.txt', // overlong UTF-8 for '.'
    '//etc/passwd',
    '///etc/passwd',
    '/web/../../etc/passwd',
    '/docs/../../secret.txt',
    '/..\\secret.txt',
    '/\\..\\secret.txt',
    '/docs\\..\\..\\secret.txt',
    '/%5c..%5csecret.txt',
    '/..%5csecret.txt',
    '/index.html%00.txt',
    '/%00',
    '/../dist-evil/secret.txt', // a sibling whose name starts with the root's
    '/%2e%2e/dist-evil/secret.txt',
    '/file-link.txt', // symlinks out of the root
    '/dir-link/secret.txt',
    '/rel-link/secret.txt',
    '/etc-link/passwd',
    '/.hidden', // dotfiles
    '/./index.html',
    '/docs/./index.html',
    `${tmp}/secret.txt`, // an absolute file system path in place of the URL's path
    `/${tmp}/secret.txt`,
    'http://127.0.0.1/../secret.txt', // absolute-form request target
    '*',
    '/C:/Windows/win.ini',
  ];
  for (const p of attempts) {
    const res = await request(srv.port, p);
    assert.equal(res.status, 404, `${p} answered ${res.status}`);
    assert.doesNotMatch(res.body, new RegExp(SECRET), p);
    assert.doesNotMatch(res.body, /root:/, p);
  }
  // A symlink that stays inside the root is followed.
  assert.equal((await request(srv.port, '/inside-link.js')).status, 200);
});

test('a_directory_is_never_listed', async () => {
  for (const p of ['/assets', '/assets/', '/dir-link/']) {
    const res = await request(srv.port, p);
    assert.equal(res.status, 404, p);
    assert.doesNotMatch(res.body, /empty\.txt/, p);
  }
  // A directory with an index.html: its index, after a redirect to the trailing '/'.
  const bare = await request(srv.port, '/docs');
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.location, '/docs/');
  const index = await request(srv.port, '/docs/');
  assert.equal(index.status, 200);
  assert.match(index.body, /<title>docs<\/title>/);
  assert.equal((await request(srv.port, '/index.html/')).status, 404);
});

test('head_answers_headers_without_a_body', async () => {
  const res = await request(srv.port, '/app.js', { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(res.headers['content-length'], String('console.log(1);\n'.length));
  assert.equal(res.body, '');
  const missing = await request(srv.port, '/missing.js', { method: 'HEAD' });
  assert.equal(missing.status, 404);
  assert.equal(missing.body, '');
});

test('a_missing_file_is_404_and_other_methods_405', async () => {
  assert.equal((await request(srv.port, '/missing.js')).status, 404);
  assert.equal((await request(srv.port, '/no/such/dir/x.wasm')).status, 404);
  const post = await request(srv.port, '/app.js', { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('a_file_built_after_start_is_served', async () => {
  fs.writeFileSync(path.join(root, 'later.js'), 'later();\n');
  const res = await request(srv.port, '/later.js');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'later();\n');
});

/** Starts the command line; resolves to { child, url, output() } once it printed its URL. The
 * child is killed when the test ends, whatever happened (a failed assertion must not leave it). */
function startCli(t, args, env = {}) {
  const child = spawn(process.execPath, [SERVER, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve({ child, url: m[0], output: () => out });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before its URL: ${out}${err}`)));
  });
}

function exitOf(child) {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

test('the_command_line_prints_its_url_and_stops_cleanly_on_ctrl_c', async (t) => {
  // WEIR_PORT=0: a free port; the URL printed is the one served.
  const { child, url, output } = await startCli(t, ['--root', root], { WEIR_PORT: '0' });
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
  await res.text();
  const exited = exitOf(child);
  child.kill('SIGINT');
  assert.deepEqual(await exited, { code: 0, signal: null });
  assert.match(output(), /stopped \(SIGINT\)/);
});

test('the_command_line_port_flag_wins_over_weir_port', async (t) => {
  const { child, url } = await startCli(t, ['--root', root, '--port', '0'], { WEIR_PORT: '1' });
  assert.notEqual(new URL(url).port, '1');
  const exited = exitOf(child);
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
});

test('the_command_line_check_passes_on_a_playground_root', async (t) => {
  const child = spawn(process.execPath, [SERVER, '--root', root, '--check'], { stdio: 'pipe' });
  t.after(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const { code } = await exitOf(child);
  assert.equal(code, 0, out);
  assert.match(out, /check ok/);
});
