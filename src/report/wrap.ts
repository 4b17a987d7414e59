import { codePointCount, codePointEnd } from './code-points.js';

/**
 * Fitting text into a terminal width: `wrapLine` breaks prose (findings, problems, long size
 * lines) at spaces with a hanging indent. Linear in the text, no regular expressions.
 */

/** The default text width when neither COLUMNS nor a terminal says otherwise. */
export const DEFAULT_TEXT_WIDTH = 80;

/**
 * Breaks `text` (which may start with an indent) into lines of at most `width` characters;
 * continuation lines get `hang` (the leading indent plus four spaces by default). A word longer
 * than a line is cut. `width` 0 means no limit.
 */
export function wrapLine(text: string, width: number, hang?: string): string[] {
  // Code units are never fewer than characters: most lines end here without counting.
  if (width <= 0 || text.length <= width || codePointCount(text) <= width) return [text];
  let lead = 0;
  while (lead < text.length && text[lead] === ' ') lead++;
  const indent = text.slice(0, lead);
  const next = hang ?? `${indent}    `;
  const nextLength = codePointCount(next);
  const words = keepSizesWhole(text.slice(lead).split(' '));
  const lines: string[] = [];
  let current = indent;
  let currentLength = lead;
  let fresh = true;
  const flush = (): void => {
    lines.push(current.trimEnd());
    current = next;
    currentLength = nextLength;
    fresh = true;
  };
  for (const word of words) {
    // Runs of spaces (aligned fields) are kept while they fit; at a break they go.
    if (word === '') {
      if (!fresh && currentLength < width) {
        current += ' ';
        currentLength++;
      }
      continue;
    }
    // Where the part of the word still to place begins (`at` in code units, `left` characters
    // after it): an index, not a copy of the rest for each piece (a 1 MB path in `inspect
    // --files` took about 190 s that way, issue 12), and no array of its characters.
    let at = 0;
    let left = codePointCount(word);
    if (!fresh && currentLength + 1 + left > width) flush();
    // A word longer than a whole line is cut into line-sized pieces.
    while (left > 0 && currentLength + (fresh ? 0 : 1) + left > width) {
      const room = Math.min(left, Math.max(1, width - currentLength - (fresh ? 0 : 1)));
      const end = codePointEnd(word, at, room);
      current += (fresh ? '' : ' ') + word.slice(at, end);
      at = end;
      left -= room;
      flush();
    }
    if (left === 0) continue;
    current += (fresh ? '' : ' ') + (at === 0 ? word : word.slice(at));
    currentLength += (fresh ? 0 : 1) + left;
    fresh = false;
  }
  if (!fresh || lines.length === 0) lines.push(current.trimEnd());
  return lines;
}

/** The units pretty-bytes prints after a space: `90 kB` must not break between number and unit. */
const UNIT = /^(B|kB|MB|GB|TB|PB|EB|KiB|MiB|GiB|TiB)[,;:.)]*$/;
const NUMBER = /^[~+\-(]*\d+(\.\d+)?$/;

/** Joins a number and the unit word after it into one word, so wrapping keeps `+90 kB` whole. */
function keepSizesWhole(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const word of words) {
    const previous = out[out.length - 1];
    if (previous !== undefined && UNIT.test(word) && NUMBER.test(previous)) out[out.length - 1] = `${previous} ${word}`;
    else out.push(word);
  }
  return out;
}
