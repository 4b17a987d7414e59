import { describe, expect, it } from 'vitest';
import {
  htmlText,
  jsonErrorText,
  logLine,
  markdownText,
  terminalText,
  terminalLines,
} from '../../src/report/display-text.js';

describe('terminalText', () => {
  it.each([
    ['plain', 'plain'],
    ['a\u001b[2Jb', 'a\\x1b[2Jb'],
    ['bell\u0007', 'bell\\x07'],
    ['c1\u009b31m', 'c1\\x9b31m'],
    ['del\u007f', 'del\\x7f'],
    ['two\nlines\ttab\r', 'two\\nlines\\ttab\\r'],
    ['rlo\u202etxt', 'rlo\\u{202e}txt'],
    ['iso\u2066x\u2069', 'iso\\u{2066}x\\u{2069}'],
    ['zw\u200bj\u200dm\u200f', 'zw\\u{200b}j\\u{200d}m\\u{200f}'],
    ['alm\u061c bom\ufeff', 'alm\\u{61c} bom\\u{feff}'],
    ['ls\u2028ps\u2029', 'ls\\u{2028}ps\\u{2029}'],
    ['naïve 日本 🐳', 'naïve 日本 🐳'],
    ['a ##[error]b', 'a \\x23#[error]b'],
    ['###[x', '#\\x23#[x'],
    ['##VSO[task.setvariable', '\\x23#VSO[task.setvariable'],
    ['# [x] ## [y] #[z]', '# [x] ## [y] #[z]'],
  ])('%j shows as %j', (raw, shown) => {
    expect(terminalText(raw)).toBe(shown);
    expect(terminalText(terminalText(raw))).toBe(shown);
  });

  it('terminalLines keeps the newlines a renderer wrote and escapes the rest', () => {
    expect(terminalLines('a\u001b\nb\u202e\n')).toBe('a\\x1b\nb\\u{202e}\n');
  });

  it('logLine keeps a line from starting a GitHub workflow command, past the spaces the runner trims', () => {
    expect(logLine('::error::x')).toBe('\\x3a:error::x');
    expect(logLine('  \u00a0\u3000::add-mask::x')).toBe('  \u00a0\u3000\\x3a:add-mask::x');
    expect(logLine('a ::error::x')).toBe('a ::error::x');
    expect(logLine(logLine('::x::'))).toBe('\\x3a:x::');
    expect(terminalLines('bad:\n  ::error::key: unknown')).toBe('bad:\n  \\x3a:error::key: unknown');
  });
});

describe('markdownText', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['</style><script>x</script>', '&lt;/style&gt;&lt;script&gt;x&lt;/script&gt;'],
    ['a|b', 'a\\|b'],
    ['`code`', '\\`code\\`'],
    ['[x](http://e)', '\\[x\\](http://e)'],
    ['*bold* _it_ ~s~ !', '\\*bold\\* \\_it\\_ \\~s\\~ \\!'],
    ['# heading', '\\# heading'],
    ['- item', '\\- item'],
    ['a & b', 'a &amp; b'],
    ['esc\u001b', 'esc\\\\x1b'],
  ])('%j becomes %j', (raw, safe) => {
    expect(markdownText(raw)).toBe(safe);
  });
});

describe('htmlText', () => {
  it('escapes markup and quotes, and shows control characters', () => {
    expect(htmlText(`<a href="x" title='y'>&\u202e`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;\\u{202e}',
    );
  });
});

describe('jsonErrorText', () => {
  const errorOf = (text: string): unknown => {
    try {
      JSON.parse(text);
    } catch (error) {
      return error;
    }
    throw new Error('parsed');
  };

  it.each(['{"a":\u001b}', 'abc\n\u001b[31mdef', '{"a"', '[1,2', `{"x": ${'y'.repeat(100_000)}`])(
    'never echoes the input of %j',
    (input) => {
      const text = jsonErrorText(errorOf(input));
      // eslint-disable-next-line no-control-regex
      expect(text).not.toMatch(/[\u0000-\u001f]/);
      expect(text).not.toContain('def');
      expect(text).not.toContain('yyyy');
      expect(text.length).toBeLessThan(130);
    },
  );

  it('keeps the position', () => {
    expect(jsonErrorText(errorOf('{"a"'))).toMatch(/at character 4$/);
  });
});
