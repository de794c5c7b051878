// Share: the code (and the workers chosen) in the page's address, after the '#', so that the
// link opens the page with that code. The code is compressed (deflate, CompressionStream) and
// written in base64url; nothing is sent anywhere: the hash never leaves the browser.

const te = new TextEncoder();
const td = new TextDecoder();

function toBase64Url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

async function through(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/** The hash (without '#') that holds code and workers. */
export async function encodeShare({ code, workers }) {
  const packed = await through(te.encode(code), new CompressionStream('deflate-raw'));
  return `w=${workers}&code=${toBase64Url(packed)}`;
}

/** { code, workers } from a hash made by encodeShare, or null if it holds none. */
export async function decodeShare(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const packed = params.get('code');
  if (!packed) return null;
  try {
    const code = td.decode(await through(fromBase64Url(packed), new DecompressionStream('deflate-raw')));
    const w = Number(params.get('w'));
    return { code, workers: Number.isInteger(w) && w >= 1 && w <= 8 ? w : undefined };
  } catch {
    return null;
  }
}
