import { describe, expect, it } from 'vitest';
import { textKey } from '../../src/model/text-key.js';

describe('textKey', () => {
  const long = 'a'.repeat(16_384);

  it('is the text itself up to 16,383 characters, and a NUL and a sha256 past them', () => {
    expect(textKey('')).toBe('');
    expect(textKey('RUN make')).toBe('RUN make');
    expect(textKey(long.slice(1))).toBe(long.slice(1));
    expect(textKey(long).charCodeAt(0)).toBe(0);
    expect(textKey(long).slice(1)).toMatch(/^[0-9a-f]{64}$/);
    expect(textKey(`${long}b`)).not.toBe(textKey(`${long}c`));
  });

  it('gives each text its own key, whatever the text', () => {
    // A short text that looks like a long text's key, or starts with a NUL, keeps its own.
    expect(textKey(textKey(long))).not.toBe(textKey(long));
    expect(textKey('\u0000')).toBe('\u0000\u0000');
    // and is still hashed by V8 over all of it.
    expect(textKey(`\u0000${long.slice(3)}`)).toHaveLength(16_383);
    // One character longer, it would not be: its digest stands for it.
    const key = textKey(`\u0000${long.slice(2)}`);
    expect(key.charCodeAt(0)).toBe(0);
    expect(key.slice(1)).toMatch(/^[0-9a-f]{64}$/);
    // Lone surrogates are hashed as they are, not as U+FFFD.
    expect(textKey(`${long}\ud800`)).not.toBe(textKey(`${long}\udc00`));
  });
});
