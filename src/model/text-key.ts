import { createHash } from 'node:crypto';

/**
 * V8 hashes a string of more than 16,383 characters by its length alone, so thousands of texts of
 * one such length collide in a Map or Set, and each lookup compares the text with all of them.
 */
const HASHED_LENGTH = 16_383;

/**
 * The key that stands for `text` from an archive or a report in a Map or Set: `text` itself,
 * else (from 16,383 characters on) a NUL and the sha256 of its UTF-16 code units, so that V8 hashes
 * what tells texts apart. One text, one key: a short text that starts with a NUL gets another one
 * in front, which no long text's key has (a hex digit follows its NUL).
 */
export function textKey(text: string): string {
  if (text.length < HASHED_LENGTH) return text.charCodeAt(0) === 0 ? `\u0000${text}` : text;
  return `\u0000${createHash('sha256').update(text, 'utf16le').digest('hex')}`;
}
