import { describe, expect, it } from 'vitest';
import { wrapLine } from '../../src/report/wrap.js';

describe('wrapLine', () => {
  it.each([
    ['fits', 'short text', 20, ['short text']],
    [
      'breaks at spaces with a hanging indent',
      '  warning CODE: one two three four five',
      20,
      ['  warning CODE: one', '      two three four', '      five'],
    ],
    [
      'cuts a word longer than a line',
      'x ' + 'a'.repeat(25),
      10,
      ['x', '    aaaaaa', '    aaaaaa', '    aaaaaa', '    aaaaaa', '    a'],
    ],
    ['does nothing at width 0', 'a b c', 0, ['a b c']],
    [
      'never parts a size from its unit',
      'top causes: step RUN npm ci +90 kB, step',
      31,
      ['top causes: step RUN npm ci', '    +90 kB, step'],
    ],
  ])('%s', (_name, text, width, lines) => {
    expect(wrapLine(text, width)).toEqual(lines);
    for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(width || Infinity);
  });
});

describe('wrapLine on hostile text', () => {
  // A 1 MB path in `inspect --files` took about 190 s: each cut piece copied the rest of the word.
  it('cuts a word of 2,000,000 characters (astral ones among them) in linear time', { timeout: 10_000 }, () => {
    const word = `${'a'.repeat(999_999)}\u{1F600}${'b'.repeat(1_000_000)}`;
    const lines = wrapLine(`  ${word}`, 80);
    expect(lines).toHaveLength(1 + Math.ceil((2_000_000 - 78) / 74));
    expect(lines.map((line) => line.trimStart()).join('')).toBe(word);
    for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(80);
  });
});

describe('wrapLine keeps aligned fields', () => {
  it('keeps double spaces that fit and drops them at a break', () => {
    expect(wrapLine('  name  linux/arm/v7  created 2024-01-01', 30)).toEqual([
      '  name  linux/arm/v7  created',
      '      2024-01-01',
    ]);
  });
});
