import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditImages } from '../../src/audit/audit-images.js';
import { parseBudget, type Budget } from '../../src/audit/config.js';
import { compareImages } from '../../src/diff/compare-images.js';
import type { ImageReport } from '../../src/model/image.js';
import { buildAuditSections } from '../../src/report/audit-report.js';
import { renderDiffMarkdown, type DiffResult } from '../../src/report/diff-report.js';
import { DEFAULT_MARKDOWN_LIMIT, fitMarkdown, MarkdownParts } from '../../src/report/markdown-limit.js';
import { renderSectionsMarkdown } from '../../src/report/sections.js';
import { buildShareSections } from '../../src/report/share-report.js';
import { analyzeSharing } from '../../src/sharing/analyze-sharing.js';
import { runCli } from '../helpers/cli.js';
import { decodeHtml, HAS_CMARK_GFM, renderGfm } from '../helpers/cmark.js';
import { fileRecord, imageReport, layerReport } from '../helpers/reports.js';

/** Text that escapes to much longer Markdown: `&quot;`, `\u{202e}` as `\\u\{202e\}`, `@&#8203;`. */
const SWELLING = ['"', '\u202e', '@a', '<', '|', '😀'];
const hostileTag = (i: number, length = 300): string =>
  `${Array.from({ length }, (_, j) => SWELLING[(i + j) % SWELLING.length]).join('')}:${i}`;

const CUT_NOTE = /^_Cut to fit the [\d,]+-character limit of a pull-request comment: [\d,]+ of [\d,]+ lines/;

/**
 * A cut report is the whole report's lines, some left out (none cut), and a closing line; it is
 * under the limit, and GitHub renders it whole: every table row a row, every `<details>` closed.
 */
function expectValidCut(cut: string, whole: string, limit: number): void {
  expect(cut.length).toBeLessThanOrEqual(limit);
  const lines = cut.trimEnd().split('\n');
  const note = lines.pop() ?? '';
  expect(note).toMatch(CUT_NOTE);
  expect(lines.at(-1)).toBe('');
  // A subsequence of the whole report's lines, in order.
  const wholeLines = whole.split('\n');
  let at = 0;
  for (const line of lines) {
    while (at < wholeLines.length && wholeLines[at] !== line) at++;
    expect(at, `not a line of the whole report: ${line.slice(0, 80)}`).toBeLessThan(wholeLines.length);
    at++;
  }
  if (!HAS_CMARK_GFM) return;
  const html = renderGfm(cut);
  const opened = (html.match(/<details>/g) ?? []).length;
  expect((html.match(/<\/details>/g) ?? []).length).toBe(opened);
  expect(opened).toBe(lines.filter((l) => l.startsWith('<details>')).length);
  const rows = lines.filter((l) => l.startsWith('| ') && !/^\| (?:---:?(?: \| |\s))+/.test(l));
  expect((html.match(/<tr>/g) ?? []).length).toBe(rows.length);
  expect(decodeHtml(html.trimEnd().split('\n').at(-1) ?? '')).toMatch(/^Cut to fit/);
}

/** A budget of the given rules, read as the config file's. */
function budget(rules: Record<string, unknown>): Budget {
  const errors: string[] = [];
  const parsed = parseBudget({ images: '*', ...rules }, 'test', errors);
  if (parsed === null || errors.length > 0) throw new Error(errors.join('; '));
  return parsed;
}

/** `count` images, each a file overwritten by the next layer (waste, a finding), hostile tags. */
function images(count: number): ImageReport[] {
  return Array.from({ length: count }, (_, i) =>
    imageReport(
      [
        layerReport(0, [fileRecord(`srv/${hostileTag(i, 40)}`, { size: 5000 + i })], `RUN ${hostileTag(i, 60)}`),
        layerReport(1, [fileRecord(`srv/${hostileTag(i, 40)}`, { size: 10 })], 'RUN chmod -R a+r /srv'),
      ],
      { tags: [hostileTag(i, 40)], configDigest: null },
    ),
  );
}

describe('Markdown reports fit a pull-request comment', () => {
  it('audit of 10,000 images with hostile tags: under the limit, the headline and failing rows first', () => {
    const all = images(10_000);
    // Every third image fails maxSize; all of them fail minEfficiency's warning.
    const result = auditImages(all, {
      config: { budgets: [budget({ maxSize: 5003, minEfficiency: { warn: '100%' } })], ignore: [] },
      baseline: [],
      bases: new Map(),
    });
    const sections = buildAuditSections(result, { markdown: true });
    const whole = renderSectionsMarkdown('layerlens audit', sections, { limit: 0 });
    expect(whole.length).toBeGreaterThan(10 * DEFAULT_MARKDOWN_LIMIT);
    for (const limit of [DEFAULT_MARKDOWN_LIMIT, 1024]) {
      // The default is GitHub's limit.
      const cut = renderSectionsMarkdown(
        'layerlens audit',
        sections,
        limit === DEFAULT_MARKDOWN_LIMIT ? {} : { limit },
      );
      expectValidCut(cut, whole, limit);
      expect(cut).toContain('FAILED: ');
      if (limit < DEFAULT_MARKDOWN_LIMIT) continue;
      // The rows kept are failing ones: passing and warning rows come after every failing row.
      const statuses = cut
        .split('\n')
        .filter((l) => /^\| max|^\| min/.test(l))
        .map((l) => l.slice(l.lastIndexOf('| ', l.length - 3) + 2, -2));
      expect(statuses.length).toBeGreaterThan(10);
      expect(new Set(statuses)).toEqual(new Set(['FAIL']));
    }
  });

  it('share of 10,000 images: the totals and savings stay, the image table is cut', () => {
    const report = analyzeSharing(images(10_000).map((image) => ({ image, sources: ['a.tar'] })));
    const sections = buildShareSections(report, { width: 80 });
    const whole = renderSectionsMarkdown('layerlens share', sections, { limit: 0 });
    const cut = renderSectionsMarkdown('layerlens share', sections);
    expectValidCut(cut, whole, DEFAULT_MARKDOWN_LIMIT);
    expect(cut).toMatch(/^10,?000 images, /m);
    expect(cut).toContain('**Savings**');
    expect(cut).toContain('| storage (content) |');
  });

  it('diff of 300 platforms and 10,000 unpaired images: summaries kept, <details> closed, cut from the end', () => {
    const from = images(300);
    const to = images(300).map((image, i) =>
      imageReport([...image.layers, layerReport(2, [fileRecord(`new/${hostileTag(i, 50)}`)], `RUN ${hostileTag(i)}`)], {
        tags: image.tags,
      }),
    );
    const result: DiffResult = {
      comparisons: from.map((image, i) => compareImages(image, to[i] ?? image)),
      unpaired: images(10_000).map((image) => ({ side: 'to' as const, image })),
    };
    const whole = renderDiffMarkdown(result, { limit: 0 });
    expect(whole.length).toBeGreaterThan(10 * DEFAULT_MARKDOWN_LIMIT);
    for (const limit of [DEFAULT_MARKDOWN_LIMIT, 4096]) {
      const cut = renderDiffMarkdown(result, { limit });
      expectValidCut(cut, whole, limit);
      expect(cut).toContain('| size |');
    }
  });

  it('leaves a report within the limit byte for byte as it was, and --markdown-limit 0 lifts it', async () => {
    const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
    const v1 = join(fixtures, 'app-v1.docker-save.tar');
    const v2 = join(fixtures, 'app-v2.oci.tar');
    const commands = [
      ['audit', '--format', 'markdown', v2, '--baseline', v1, '--max-growth', '10%', '--max-wasted-size', '50kB'],
      ['diff', '--image', 'example/app', '--format', 'markdown', v1, v2],
      ['share', '--format', 'markdown', v1, v2],
    ];
    for (const argv of commands) {
      const plain = await runCli([...argv, '--quiet']);
      const unlimited = await runCli([...argv, '--quiet', '--markdown-limit', '0']);
      expect(plain.stdout).toBe(unlimited.stdout);
      expect(plain.stdout).not.toMatch(CUT_NOTE);
      const cut = await runCli([...argv, '--quiet', '--markdown-limit', '1024']);
      expectValidCut(cut.stdout, plain.stdout, 1024);
    }
    const bad = await runCli(['diff', '--markdown-limit', '10', v1, v2]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--markdown-limit takes 0 (no limit) or a whole number of at least 1024');
  });

  it.skipIf(!HAS_CMARK_GFM)(
    'diff Markdown shows "… and N more" under a cut list as a paragraph, not a table row',
    () => {
      const from = imageReport([layerReport(0, [fileRecord('a')], 'RUN base')], { tags: ['app:1'] });
      const layers = Array.from({ length: 14 }, (_, i) => layerReport(i, [fileRecord(`f${i}`)], `RUN step ${i}`));
      const markdown = renderDiffMarkdown({
        comparisons: [compareImages(from, imageReport(layers, { tags: ['app:2'] }))],
        unpaired: [],
      });
      expect(markdown).toContain('… and 5 more (see --json)');
      const html = renderGfm(markdown);
      expect(html).toContain('<p>… and 5 more (see --json)</p>');
      expect(html).not.toMatch(/<td>… and/);
    },
  );

  it('keeps a part with the parts it belongs to, never alone, and stops at the first part that does not fit', () => {
    const doc = new MarkdownParts();
    doc.push(doc.part(0), '# head');
    const details = doc.part(2);
    doc.push(details, '<details>');
    const rows = doc.part(2, details);
    doc.push(rows, 'x'.repeat(600));
    doc.push(details, '</details>');
    doc.push(doc.part(2), 'y'.repeat(300));
    doc.push(doc.part(1), 'z'.repeat(100));
    const finish = (lines: readonly string[]): string => `${lines.join('\n')}\n`;
    const whole = finish(doc.lines);
    const cut = fitMarkdown(doc, 1024, finish);
    // Rank 1 first; then the <details> with its row and closing tag (620 characters) fit, the
    // later 300 do not.
    expect(cut.split('\n').slice(0, 5)).toEqual([
      '# head',
      '<details>',
      'x'.repeat(600),
      '</details>',
      'z'.repeat(100),
    ]);
    expectValidCut(cut, whole, 1024);
    const tight = fitMarkdown(doc, 700, finish);
    expect(tight.split('\n').slice(0, 3)).toEqual(['# head', 'z'.repeat(100), '']);
  });
});
