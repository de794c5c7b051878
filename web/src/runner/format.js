// How the output panel shows a value: console.log's arguments and the run's result, formatted
// in the runner (where the values are) into text, close to what Node's console prints:
// strings as they are at the top level and quoted inside, arrays and objects on one line,
// long ones cut, errors by their name and message.

const MAX_ITEMS = 100;
const MAX_DEPTH = 4;
const MAX_CHARS = 10_000;

function inner(v, depth, seen) {
  if (typeof v === 'string') return JSON.stringify(v).replace(/^"|"$/g, "'");
  return show(v, depth, seen);
}

function list(items, n, depth, seen) {
  const parts = [];
  for (let i = 0; i < Math.min(items.length, MAX_ITEMS); i++) parts.push(inner(items[i], depth + 1, seen));
  if (n > MAX_ITEMS) parts.push(`... ${n - MAX_ITEMS} more items`);
  return parts.join(', ');
}

function show(v, depth, seen) {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return `${v}n`;
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(v);
    case 'symbol':
      return v.toString();
    case 'function':
      return `[Function${v.name ? `: ${v.name}` : ' (anonymous)'}]`;
    default:
      break;
  }
  if (v === null) return 'null';
  if (seen.has(v)) return '[Circular]';
  if (v instanceof Error) return v.stack && depth === 0 ? `${v.name}: ${v.message}` : `[${v.name}: ${v.message}]`;
  if (depth > MAX_DEPTH) return Array.isArray(v) ? '[Array]' : '[Object]';
  seen.add(v);
  try {
    if (Array.isArray(v)) return `[ ${list(v, v.length, depth, seen)} ]`.replace('[  ]', '[]');
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return `${v.constructor.name}(${v.length}) [ ${list(Array.from(v.slice(0, MAX_ITEMS)), v.length, depth, seen)} ]`;
    }
    if (v instanceof Map) {
      const parts = [...v].slice(0, MAX_ITEMS).map(([k, x]) => `${inner(k, depth + 1, seen)} => ${inner(x, depth + 1, seen)}`);
      return `Map(${v.size}) { ${parts.join(', ')} }`;
    }
    if (v instanceof Set) return `Set(${v.size}) { ${list([...v], v.size, depth, seen)} }`;
    if (v instanceof Date) return v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (typeof v.then === 'function') return 'Promise { <pending> }';
    const keys = Object.keys(v);
    const parts = keys.slice(0, MAX_ITEMS).map((k) => {
      const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
      return `${key}: ${inner(v[k], depth + 1, seen)}`;
    });
    if (keys.length > MAX_ITEMS) parts.push(`... ${keys.length - MAX_ITEMS} more`);
    const name = v.constructor && v.constructor !== Object ? `${v.constructor.name} ` : '';
    return parts.length ? `${name}{ ${parts.join(', ')} }` : `${name}{}`;
  } finally {
    seen.delete(v);
  }
}

/** One value as the output panel shows it. */
export function formatValue(v) {
  const s = show(v, 0, new Set());
  return s.length > MAX_CHARS ? `${s.slice(0, MAX_CHARS)}… (${s.length} characters)` : s;
}

/** console.log's arguments as one line (a leading format string's %s, %d, %o are filled). */
export function formatArgs(args) {
  let rest = args;
  let head = '';
  if (typeof args[0] === 'string' && /%[sdifoOj%]/.test(args[0])) {
    let i = 1;
    head = args[0].replace(/%([sdifoOj%])/g, (m, c) => {
      if (c === '%') return '%';
      if (i >= args.length) return m;
      const v = args[i++];
      if (c === 'd' || c === 'i') return String(Math.trunc(Number(v)));
      if (c === 'f') return String(Number(v));
      return c === 's' ? String(v) : formatValue(v);
    });
    rest = args.slice(i);
    return [head, ...rest.map(formatValue)].join(' ');
  }
  return rest.map(formatValue).join(' ');
}
