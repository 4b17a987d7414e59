/**
 * Characters as terminals and `Array.from` count them: code points, a surrogate pair one, a lone
 * surrogate one too. Counted along the string, never by building an array of its characters (a
 * 2,000,000-character word: 310 ms that way, 56 ms this way).
 */

const isHighSurrogate = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff;
};
const isLowSurrogate = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff;
};

/** Characters in `text` from `start` to `end` (code-unit indexes; all of it by default). */
export function codePointCount(text: string, start = 0, end = text.length): number {
  let count = 0;
  for (let i = start; i < end; i++, count++)
    if (isHighSurrogate(text, i) && i + 1 < end && isLowSurrogate(text, i + 1)) i++;
  return count;
}

/** The code-unit index `count` characters after `start` (at most the text's length). */
export function codePointEnd(text: string, start: number, count: number): number {
  let i = start;
  for (let n = 0; n < count && i < text.length; n++, i++)
    if (isHighSurrogate(text, i) && i + 1 < text.length && isLowSurrogate(text, i + 1)) i++;
  return i;
}
