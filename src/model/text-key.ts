import { createHash } from 'node:crypto';

/**
 * The longest string V8 hashes by its characters: a longer one is hashed by its length alone, so
 * thousands of texts of one such length collide in a Map or Set, and each lookup compares the
 * text with all of them (issue 12).
 */
export const V8_HASHED_LENGTH = 16_383;

/**
 * The sha256 (hex) of a text's UTF-16 code units: what stands for a text too long to key or show.
 * UTF-8 would turn every lone surrogate into U+FFFD, and so make two texts one.
 */
export function textDigest(text: string): string {
  return createHash('sha256').update(text, 'utf16le').digest('hex');
}

/**
 * The key that stands for `text` from an archive or a report in a Map or Set: `text` itself,
 * else (past V8_HASHED_LENGTH characters) a NUL and its textDigest, so that V8 hashes what tells
 * texts apart. One text, one key: a short text that starts with a NUL gets another one in front,
 * which no long text's key has (a hex digit follows its NUL), when the key stays one V8 hashes.
 */
export function textKey(text: string): string {
  const nul = text.charCodeAt(0) === 0;
  if (text.length + (nul ? 1 : 0) <= V8_HASHED_LENGTH) return nul ? `\u0000${text}` : text;
  return `\u0000${textDigest(text)}`;
}
