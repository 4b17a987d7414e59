import { describe, expect, it } from 'vitest';
import { writeJson } from '../../src/cli/write-json.js';

function nested(depth: number): unknown {
  let value: unknown = { leaf: [1, { two: 2 }] };
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { [`level${i}`]: value, other: [i] } : [value, { i }];
  return value;
}

describe('writeJson', () => {
  it.each([
    ['a share-like document', { a: 1, list: [{ x: [1, 2], y: { z: 'q' } }, null], empty: [], none: {}, n: null }],
    ['a bare array', [1, 'two', { three: [3] }]],
    ['a scalar', 'text with "quotes"\n'],
    ['undefined fields', { a: undefined, b: [undefined, 1], c: { d: undefined } }],
    ['functions and symbols', { f: () => 1, s: Symbol('x'), list: [() => 1, Symbol('y'), { g: () => 2 }, [{}]] }],
    ['dates and toJSON', { when: new Date(0), custom: { toJSON: () => ({ z: [1] }) }, list: [new Date(1)] }],
    [
      'records of 16 and 17 fields',
      {
        a: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])),
        b: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])),
      },
    ],
    ['non-finite numbers and empty strings', { n: [NaN, Infinity, -0, ''], o: { x: '' } }],
    ['a document nested deeper than the walk goes', nested(40)],
    [
      'an inspect --files-like document',
      {
        archives: [
          {
            images: [
              {
                layers: [
                  {
                    files: [
                      { path: 'a', size: 1, linkTarget: null },
                      { path: 'b\n"c"', size: 2, linkTarget: 'a' },
                    ],
                  },
                ],
                history: [{ created_by: 'RUN x', empty_layer: true }],
              },
            ],
          },
        ],
      },
    ],
  ])('writes %s exactly as JSON.stringify(value, null, 2)', (_name, value) => {
    let out = '';
    writeJson((text) => (out += text), value);
    expect(out).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('writes a deep file list in pieces too (inspect --files --json)', () => {
    const pieces: string[] = [];
    const files = Array.from({ length: 30_000 }, (_, i) => ({
      path: `d/f${i}`,
      type: 'file',
      size: i,
      linkTarget: null,
    }));
    const value = { archives: [{ images: [{ layers: [{ index: 0, files }] }] }] };
    writeJson((text) => pieces.push(text), value);
    expect(pieces.length).toBeGreaterThan(10);
    expect(pieces.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('writes a large document in pieces, never as one string', () => {
    const pieces: string[] = [];
    const value = { images: Array.from({ length: 20_000 }, (_, i) => ({ id: `image-${i}`, size: i * 1000 })) };
    writeJson((text) => pieces.push(text), value);
    expect(pieces.length).toBeGreaterThan(1);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(128 * 1024);
    expect(pieces.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });
});
