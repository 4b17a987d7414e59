import { chunkedWriter } from './write-chunks.js';

/**
 * Our documents nest a few levels (archives > images > layers > files > record); below this
 * depth a value is written by JSON.stringify in one piece. A bound, not recursion as deep as
 * the input.
 */
const MAX_WALK_DEPTH = 12;

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` followed by a newline would, byte for byte,
 * but in pieces of about 64 KiB: arrays and objects are walked, and only small values (a file
 * record, a history step) are stringified whole. A 300k-entry `inspect --files --json` (100 MB)
 * or a fleet's share report is never one string next to the data it comes from (issue 12; V8
 * also caps strings at about 512 MB).
 */
export function writeJson(write: (text: string) => unknown, value: unknown): void {
  const out = chunkedWriter(write);
  const walk = (item: unknown, indent: string, depth: number): void => {
    const inner = `${indent}  `;
    if (depth < MAX_WALK_DEPTH && Array.isArray(item) && item.length > 0 && !isSmall(item)) {
      out.emit('[\n');
      for (let i = 0; i < item.length; i++) {
        const element: unknown = item[i];
        out.emit(inner);
        walk(isUnset(element) ? null : element, inner, depth + 1);
        out.emit(i < item.length - 1 ? ',\n' : '\n');
      }
      out.emit(`${indent}]`);
      return;
    }
    if (depth < MAX_WALK_DEPTH && isPlainObject(item) && !isSmall(item)) {
      const keys = Object.keys(item).filter((key) => !isUnset(item[key]));
      if (keys.length === 0) {
        out.emit('{}');
        return;
      }
      out.emit('{\n');
      keys.forEach((key, i) => {
        out.emit(`${inner}${JSON.stringify(key)}: `);
        walk(item[key], inner, depth + 1);
        out.emit(i < keys.length - 1 ? ',\n' : '\n');
      });
      out.emit(`${indent}}`);
      return;
    }
    const text = JSON.stringify(item, null, 2);
    out.emit(indent === '' ? text : text.replaceAll('\n', `\n${indent}`));
  };
  walk(value, '', 0);
  out.emit('\n');
  out.flush();
}

/** What JSON.stringify leaves out of an object and writes as null in an array. */
function isUnset(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** An array or object of at most 16 primitives (a file record): cheaper to stringify whole than to walk. */
function isSmall(item: unknown[] | Record<string, unknown>): boolean {
  if (Array.isArray(item)) {
    if (item.length > 16) return false;
    for (const v of item) if (typeof v === 'object' && v !== null) return false;
    return true;
  }
  let count = 0;
  for (const key in item) {
    const v = item[key];
    if (++count > 16 || (typeof v === 'object' && v !== null)) return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if ('toJSON' in value) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
