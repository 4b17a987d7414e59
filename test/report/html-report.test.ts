import { describe, expect, it } from 'vitest';
import type { ImageReport, LayerReport } from '../../src/index.js';
import { renderHtmlReport } from '../../src/report/html-report.js';
import { textBar } from '../../src/report/text-bar.js';
import { analyzeSharing, mergeImages } from '../../src/sharing/analyze-sharing.js';
import { imageReport, layerReport } from '../helpers/reports.js';

const layer = (index: number, diffId: string, size: number, createdBy: string): LayerReport =>
  layerReport(index, [], createdBy, {
    diffId: diffId as LayerReport['diffId'],
    storedSize: size,
    uncompressedSize: size,
    contentSize: size,
    fileCount: 1,
  });
const image = (tag: string, layers: LayerReport[]): ImageReport =>
  imageReport(layers, {
    tags: [tag],
    configDigest: `sha256:${tag.length.toString(16).padStart(64, '0')}` as ImageReport['configDigest'],
  });

describe('renderHtmlReport', () => {
  const hostile = image('<script>alert(1)</script>:1', [
    layer(0, `sha256:${'a'.repeat(64)}`, 100, 'RUN echo "<img src=x onerror=alert(1)>"'),
  ]);
  const other = image('other:1', [
    layer(0, `sha256:${'a'.repeat(64)}`, 100, 'base'),
    layer(1, `sha256:${'b'.repeat(64)}`, 50, 'x'),
  ]);
  const html = renderHtmlReport({
    title: 'test',
    sharing: analyzeSharing(mergeImages([hostile, other].map((i) => ({ image: i, source: 't' })))),
  });

  it('escapes every name and step from the archive', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;:1');
  });

  it('is self-contained: no script, no external resource', () => {
    expect(html).not.toMatch(/<script|<link|src="http|url\(http|@import/i);
  });

  it('has one focusable, labelled segment per distinct layer', () => {
    expect(html.match(/<button type="button" class="seg/g)).toHaveLength(3);
    expect(html).toMatch(/aria-label="layer 1 of other:1: 50 B, x"/);
  });
});

describe('textBar', () => {
  it.each([
    [[{ value: 50, char: '#' }], 100, 10, '#####'],
    [[{ value: 1, char: '#' }], 1000, 10, '#'],
    [
      [
        { value: 30, char: '#' },
        { value: 70, char: '.' },
      ],
      100,
      10,
      '###.......',
    ],
    [[{ value: 0, char: '#' }], 0, 10, ''],
  ])('%j of %i in %i cells', (parts, total, width, want) => {
    expect(textBar(parts, total, width)).toBe(want);
  });
});

describe('renderHtmlReport for a fleet', () => {
  it('draws the 200 largest images and lists the most-shared pairs instead of the matrix', () => {
    const base = layer(0, `sha256:${'f'.repeat(64)}`, 1000, 'base');
    const images = Array.from({ length: 600 }, (_, i) => {
      const own = layer(1, `sha256:${i.toString(16).padStart(64, '0')}`, i + 1, `own ${i}`);
      return { ...image(`app-${i}:1`, [base, own]), configDigest: own.diffId };
    });
    const sharing = analyzeSharing(mergeImages(images.map((i) => ({ image: i, source: 't' }))));
    const html = renderHtmlReport({ title: 'fleet', sharing });
    expect(sharing.matrix).toBeNull();
    expect(html).toContain('data-omitted="400"');
    expect(html.match(/class="row"/g)).toHaveLength(200);
    expect(html).not.toContain('class="matrix"');
    expect(html.match(/<tr><td class="num" data-shared="1000">/g)).toHaveLength(20);
    // The largest image is drawn, the smallest is not.
    expect(html).toContain('<span class="name">app-599:1</span>');
    expect(html).not.toContain('<span class="name">app-0:1</span>');
  });
});
