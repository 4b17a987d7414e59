import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderAhead, writeJson } from '../../src/cli/write-json.js';
import { jsonLogText } from '../../src/report/display-text.js';
import { buildInspectJson, PACKAGE_LIST_INDENT } from '../../src/report/inspect-json.js';
import type { ArchiveReport, ImageReport } from '../../src/model/image.js';
import type { PackageRecord } from '../../src/packages/types.js';

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

  it('writes any JSON value exactly as JSON.stringify(value, null, 2), the [ of ##[ escaped (jsonLogText)', () => {
    // Random keys and strings hold `##[` now and then (fast-check found one in CI): the one
    // difference writeJson makes, which test/hostile/ci-json.test.ts checks on its own.
    const record = fc.dictionary(
      fc.string({ maxLength: 6 }),
      fc.oneof(fc.string(), fc.constant('a ##[group] b'), fc.integer(), fc.boolean(), fc.constant(null)),
      {
        maxKeys: 18,
      },
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue(),
        fc.array(record, { maxLength: 300 }),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie('node'), { maxKeys: 5 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (item) => {
        let out = '';
        writeJson((text) => (out += text), item);
        expect(out).toBe(`${jsonLogText(JSON.stringify(item, null, 2))}\n`);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a list of records with long strings in pieces, not in one run', () => {
    const pieces: string[] = [];
    const value = { packages: Array.from({ length: 200 }, (_, i) => ({ name: `${i}`.padEnd(20_000, 'x'), size: i })) };
    writeJson((text) => pieces.push(text), value);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(200 * 1024);
    expect(pieces.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('writes a list rendered ahead exactly as JSON.stringify(value, null, 2), at any depth', () => {
    const record = fc.dictionary(
      fc.string({ maxLength: 6 }),
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
      { maxKeys: 18 },
    );
    const nestedValue = fc.jsonValue({ maxDepth: 4 });
    const list = fc.array(fc.oneof(record, nestedValue, fc.string(), fc.integer(), fc.constant(null)), {
      maxLength: 600,
    });
    fc.assert(
      fc.property(list, fc.integer({ min: 0, max: 14 }), (items, depth) => {
        renderAhead(items, ' '.repeat(2 * depth));
        let value: unknown = items;
        for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { packages: value, n: i } : [value];
        let out = '';
        writeJson((text) => (out += text), value);
        expect(out).toBe(`${JSON.stringify(value, null, 2)}\n`);
      }),
      { numRuns: 300 },
    );
  });

  it('writes what was rendered ahead, in runs; a list with a run too long to hold is written as usual', () => {
    const packages = Array.from({ length: 2_000 }, (_, i) => ({ name: `p${i}`, version: '1.0', size: i }));
    // Where { images: [{ packages }] } has it: its own line three levels in.
    renderAhead(packages, '      ');
    const expected = `${JSON.stringify({ images: [{ packages }] }, null, 2)}\n`;
    // The list must not change once rendered; changed anyway, it shows that the text comes from then.
    packages[0] = { name: 'changed', version: '2.0', size: -1 };
    const pieces: string[] = [];
    writeJson((text) => pieces.push(text), { images: [{ packages }] });
    expect(pieces.join('')).toBe(expected);
    expect(pieces.length).toBeGreaterThan(1);
    // Elements the walk would go into are rendered too, as JSON.stringify writes them.
    const nestedList: unknown[] = [{ a: 1 }, { nested: { b: [2, { c: 3 }] } }, [[]], 'x'];
    renderAhead(nestedList);
    const before = `${JSON.stringify(nestedList, null, 2)}\n`;
    nestedList[0] = { a: 2 };
    let out = '';
    writeJson((text) => (out += text), nestedList);
    expect(out).toBe(before);
    // A run of more than a million characters is not held: the list is written as it is now.
    const long: unknown[] = [{ text: 'x'.repeat(1 << 20) }, { a: 1 }];
    renderAhead(long);
    long[1] = { a: 2 };
    out = '';
    writeJson((text) => (out += text), long);
    expect(out).toBe(`${JSON.stringify(long, null, 2)}\n`);
  });

  it('writes a list rendered ahead at its indent as it was rendered, and one rendered for another indent as usual', () => {
    const list = () => Array.from({ length: 600 }, (_, i) => ({ name: `p${i}`, size: i }));
    for (const indent of ['', '  ', '      ']) {
      const items = list();
      renderAhead(items, indent);
      const expected = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
      // Written where it was rendered for (nested so that its own line is at `indent`): the text
      // from then, although the list changed since.
      let value: unknown = items;
      for (let level = 0; level < indent.length / 2; level++) value = [value];
      const before = expected(value);
      items[0] = { name: 'changed', size: -1 };
      let out = '';
      writeJson((text) => (out += text), value);
      expect(out).toBe(before);
      // Anywhere else: written as it is now.
      out = '';
      writeJson((text) => (out += text), { deeper: [value] });
      expect(out).toBe(expected({ deeper: [value] }));
    }
  });

  it("renders an image's package list ahead where the inspect document has it", () => {
    const packages: PackageRecord[] = Array.from({ length: 300 }, (_, i) => ({
      ecosystem: 'npm',
      name: `p${i}`,
      version: '1.0.0',
      size: 300 - i,
      fileCount: 1,
      layerIndex: 0,
    }));
    renderAhead(packages, PACKAGE_LIST_INDENT);
    const image = { tags: [], layers: [], history: [] } as unknown as ImageReport;
    const archive = {
      path: 'a.tar',
      images: [image],
      artifacts: [],
      absent: [],
      problems: [],
    } as unknown as ArchiveReport;
    const document = () =>
      buildInspectJson([archive], {
        packages: new Map([[image, { packages, unownedSize: 0, unownedByFolder: [], problems: [] }]]),
      });
    const before = `${JSON.stringify(document(), null, 2)}\n`;
    // Changed after it was rendered: the text written shows that the rendering was used.
    packages[0] = { ecosystem: 'npm', name: 'changed', version: '1.0.0', size: 300, fileCount: 1, layerIndex: 0 };
    let out = '';
    writeJson((text) => (out += text), document());
    expect(out).toBe(before);
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
