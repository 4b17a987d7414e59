import { describe, expect, it } from 'vitest';
import { writeJson } from '../../src/cli/write-json.js';

describe('writeJson', () => {
  it.each([
    ['a share-like document', { a: 1, list: [{ x: [1, 2], y: { z: 'q' } }, null], empty: [], none: {}, n: null }],
    ['a bare array', [1, 'two', { three: [3] }]],
    ['a scalar', 'text with "quotes"\n'],
    ['undefined fields', { a: undefined, b: [undefined, 1], c: { d: undefined } }],
  ])('writes %s exactly as JSON.stringify(value, null, 2)', (_name, value) => {
    let out = '';
    writeJson((text) => (out += text), value);
    expect(out).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('writes a large document in pieces, never as one string', () => {
    const pieces: string[] = [];
    const value = { images: Array.from({ length: 20_000 }, (_, i) => ({ id: `image-${i}`, size: i * 1000 })) };
    writeJson((text) => pieces.push(text), value);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });
});
