/**
 * TypeScript source for a plain value (objects, arrays, strings, numbers, booleans), laid out to
 * be read: short values on one line, longer ones one entry per line. The value it evaluates to
 * is the value given, exactly (numbers in their shortest round-trip form, -0 and Infinity
 * included), which the playground's scenario files rely on. A function is written by `custom`
 * (by its key), or refused.
 */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const WIDTH = 100;

export interface LiteralOptions {
  /** Source for values that are not plain data, by the key they are under (e.g. `lock`). */
  readonly custom?: (key: string, value: unknown) => string | undefined;
}

function numberSource(n: number): string {
  if (Object.is(n, -0)) return '-0';
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  // Digits grouped as the catalog writes them (10_000), when the value is a whole number.
  return Number.isInteger(n) && Math.abs(n) >= 10_000 && Math.abs(n) < 1e21 ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '_') : String(n);
}

function keySource(key: string): string {
  return IDENTIFIER.test(key) ? key : `'${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function stringSource(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`;
}

/** A long text as the catalog writes one: pieces of about {@link WIDTH} characters joined with `+`, broken after spaces. */
function longStringSource(s: string, indent: string): string {
  if (s.length + indent.length <= WIDTH) return stringSource(s);
  const pieces: string[] = [];
  let rest = s;
  while (rest.length > WIDTH - 10) {
    const cut = rest.lastIndexOf(' ', WIDTH - 10);
    if (cut <= 0) break;
    pieces.push(rest.slice(0, cut + 1));
    rest = rest.slice(cut + 1);
  }
  pieces.push(rest);
  return pieces.map(stringSource).join(` +\n${indent}  `);
}

export function literal(value: unknown, options: LiteralOptions = {}, indent = '', key = ''): string {
  const custom = options.custom?.(key, value);
  if (custom !== undefined) return custom;
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return numberSource(value);
    case 'string':
      return longStringSource(value, indent);
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      throw new Error(`cannot write a ${typeof value} as a literal${key === '' ? '' : ` (under '${key}')`}`);
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((v) => literal(v, options, inner, key));
    const flat = `[${items.join(', ')}]`;
    return flat.length + indent.length <= WIDTH && !flat.includes('\n') ? flat : `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const parts = entries.map(([k, v]) => `${keySource(k)}: ${literal(v, options, inner, k)}`);
  const flat = `{ ${parts.join(', ')} }`;
  return flat.length + indent.length <= WIDTH && !flat.includes('\n') ? flat : `{\n${parts.map((p) => `${inner}${p},`).join('\n')}\n${indent}}`;
}
