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

describe('wrapLine keeps aligned fields', () => {
  it('keeps double spaces that fit and drops them at a break', () => {
    expect(wrapLine('  name  linux/arm/v7  created 2024-01-01', 30)).toEqual([
      '  name  linux/arm/v7  created',
      '      2024-01-01',
    ]);
  });
});
