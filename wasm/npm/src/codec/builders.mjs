// Object builders on the decoding side: a function per common key list that makes its objects
// with an object literal, `{ "id": read(r, d), "name": read(r, d), ... }`.
//
// Why: an object built key by key (o[key] = value, the key a variable) goes through V8's
// megamorphic keyed store for every property, about a fifth of the time of decoding a small
// object. A literal site creates the object with its final hidden class in one step. So once a
// key list has built COMPILE_AFTER objects, its builder is compiled with new Function and kept
// (bounded) for later chunks too. The keys enter the source as JSON string literals, so no key
// can change the code. Where new Function is not allowed (a Content-Security-Policy without
// 'unsafe-eval') the first attempt fails and objects stay built key by key. Key lists with an
// own "__proto__" key get no builder: in a literal that key would set the prototype.

/** Objects a key list builds key by key before it gets a builder. */
const COMPILE_AFTER = 16;
/** Key lists remembered before the cache starts over. */
const MAX_ENTRIES = 1024;

let entries = new Map(); // JSON of the key list -> { keys, uses, build }
let codegen = true;

/** The entry for a key list: its use count and, once compiled, its builder. */
export function builderEntry(keys) {
  const signature = JSON.stringify(keys);
  let entry = entries.get(signature);
  if (entry === undefined) {
    if (entries.size >= MAX_ENTRIES) entries = new Map();
    entry = { keys, uses: 0, build: null };
    entries.set(signature, entry);
  }
  return entry;
}

/** Counts one object built key by key; returns true when the entry now has a builder. */
export function countUse(entry, read) {
  if (++entry.uses !== COMPILE_AFTER || !codegen) return false;
  try {
    const fields = entry.keys.map((k) => `${JSON.stringify(k)}: read(r, d)`).join(',\n');
    // eslint-disable-next-line no-new-func
    entry.build = new Function('read', `return function build(r, d) {\nreturn {\n${fields}\n};\n};`)(read);
    return true;
  } catch {
    codegen = false; // not allowed here: never try again
    return false;
  }
}
