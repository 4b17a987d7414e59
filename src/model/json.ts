/** Small guards for reading parsed JSON without `any`. */
export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(object: JsonObject, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = object[key];
    if (typeof value === 'string') return value;
  }
  return null;
}

export function arrayField(object: JsonObject, ...keys: string[]): readonly unknown[] | null {
  for (const key of keys) {
    const value = object[key];
    if (Array.isArray(value)) return value as unknown[];
  }
  return null;
}

export function objectField(object: JsonObject, ...keys: string[]): JsonObject | null {
  for (const key of keys) {
    const value = object[key];
    if (isObject(value)) return value;
  }
  return null;
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** JSON from an archive nested deeper than this is not parsed: manifests, configs and package.json nest a few levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Only JSON at least this long is scanned for its depth first: shorter texts parse fast however
 * they nest, and real package.json files (read by the thousand on the main thread while workers
 * hash, issue 9) are a few kilobytes.
 */
const DEPTH_SCAN_FROM = 64 * 1024;

/**
 * Whether JSON `text` from an archive nests deeper than MAX_JSON_DEPTH, told by one linear scan
 * (brackets inside strings do not count). V8 parses deep nesting at a few MB/s: 8 MB of nested
 * arrays took 2.25 s, and seven such package.json files took `audit` 46 s and 1.67 GB (issues 9, 12).
 */
function nestsTooDeep(text: string): boolean {
  if (text.length < DEPTH_SCAN_FROM) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      // A string: to its closing quote, past escapes.
      for (i++; i < text.length; i++) {
        const inside = text.charCodeAt(i);
        if (inside === 0x5c) i++;
        else if (inside === 0x22) break;
      }
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** JSON from an archive or a report: its value, or why it was not read. */
export type UntrustedJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly why: 'too-deep' }
  | { readonly ok: false; readonly why: 'invalid'; readonly error: unknown };

/**
 * The one way JSON that an archive or a report supplies is parsed: turned away unparsed when it
 * nests deeper than MAX_JSON_DEPTH, else JSON.parse, whose error stays with the caller (its
 * message quotes the hostile input).
 */
export function parseUntrustedJson(text: string): UntrustedJson {
  if (nestsTooDeep(text)) return { ok: false, why: 'too-deep' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, why: 'invalid', error };
  }
}
