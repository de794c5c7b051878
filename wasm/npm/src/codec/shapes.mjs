// Object shapes on the encoding side: which key lists the encoder has seen, and where in the data
// it saw them, so that the next object is matched against one key list without building a lookup
// key.
//
// A Shape is one key list (in Object.keys order). Shapes live across chunks, in a trie keyed by
// the key strings (bounded: it starts over after MAX_CACHED_SHAPES). A chunk numbers the shapes it
// uses in the order it first writes them (OBJECT_NEW, with the keys); `epoch` says which chunk
// numbered a shape last, so a shape from an older chunk is written out again before its number
// is used. A number is only meaningful within its chunk, so this sharing is invisible in the
// bytes: a chunk decodes alone.
//
// A Site is a place in the data: the items of a chunk, the value of key 3 of shape S, the
// elements of an array found at a site. It remembers the shape of the object last found there,
// which is nearly always the shape of the next one: items of a chunk look alike, and so do the
// values of one key. (Sites are hints only: every object is checked against the shape's keys.)

/** Key lists kept before the trie starts over (sites keep their shapes; they stay valid). */
const MAX_CACHED_SHAPES = 2048;

export class Site {
  constructor() {
    this.shape = null; // of the object last written here
    this.inner = null; // the Site of the elements of an array (or entries of a Map, Set) here
  }
}

/** The Site inside `site` (for the elements of a container found there). */
export function innerSite(site) {
  return site.inner ?? (site.inner = new Site());
}

export class Shape {
  constructor(keys) {
    this.keys = keys;
    this.sites = keys.map(() => new Site()); // one per key: where its values are
    this.epoch = -1; // the encode that numbered this shape last
    this.id = -1; //    its number in that encode
  }
}

let root = { shape: null, next: null };
let cached = 0;

/** The Shape of this key list (keys: a fresh array the Shape may keep). */
export function shapeOf(keys) {
  let node = root;
  for (let j = 0; j < keys.length; j++) {
    const k = keys[j];
    let next = node.next === null ? undefined : node.next.get(k);
    if (next === undefined) {
      next = { shape: null, next: null };
      (node.next ?? (node.next = new Map())).set(k, next);
    }
    node = next;
  }
  if (node.shape === null) {
    if (cached === MAX_CACHED_SHAPES) {
      root = { shape: null, next: null };
      cached = 0;
      return shapeOf(keys);
    }
    node.shape = new Shape(keys);
    cached++;
  }
  return node.shape;
}

let lastEpoch = 0;

/** A number no other encode has had: an encode's shape numbers belong to it. */
export function nextEpoch() {
  lastEpoch = (lastEpoch + 1) % Number.MAX_SAFE_INTEGER;
  return lastEpoch;
}
