import { plural } from '../model/plural.js';
import { terminalText } from './display-text.js';
import type { ImageDiff } from '../diff/compare-images.js';
import { shortDigest } from '../model/digest.js';
import { describeStep } from '../model/history-step.js';
import type { ImageReport } from '../model/image.js';
import { formatGrowth, formatSize, imageName } from './format.js';
import { clip, wrapText } from './table.js';
import { DEFAULT_TEXT_WIDTH } from './wrap.js';
import {
  escapeMarkdown,
  line,
  markdownTable,
  pushMarkdownTable,
  renderSectionsText,
  table,
  type MarkdownOptions,
  type Section,
} from './sections.js';
import { DEFAULT_MARKDOWN_LIMIT, fitMarkdown, MarkdownParts } from './markdown-limit.js';

export const DIFF_SCHEMA_VERSION = 1;
/** The JSON Schema of `diff --json`, shipped as `schemas/diff.schema.json` (its `$id`). */
export const DIFF_SCHEMA_ID = 'layerlens/schemas/diff.schema.json';
/** Rows per list in text and Markdown; JSON and HTML carry everything. */
const TOP_ROWS = 10;

/** An image that is on one side only (multi-platform inputs), for the "not compared" list. */
export interface UnpairedImage {
  readonly side: 'from' | 'to';
  readonly image: ImageReport;
}

export interface DiffResult {
  readonly comparisons: readonly ImageDiff[];
  readonly unpaired: readonly UnpairedImage[];
}

const sideJson = (image: ImageReport): object => ({
  tags: image.tags,
  configDigest: image.configDigest,
  platform: image.platform,
  size: image.contentSize,
  layerCount: image.layers.length,
});

/** One comparison as the JSON contract of issue 10 (documented in docs/diff.md). Pure. */
export function diffJson(diff: ImageDiff): object {
  const { layers, files, packages, pull } = diff;
  return {
    from: sideJson(diff.from),
    to: sideJson(diff.to),
    sizeDelta: diff.sizeDelta,
    percent: diff.percent,
    layers: {
      shared: layers.shared,
      sharedByChainId: layers.sharedByChainId,
      chainBreak: layers.chainBreak,
      added: layers.added,
      removed: layers.removed,
    },
    steps: diff.steps,
    files: files && {
      comparedBy: files.comparedBy,
      sizeDelta: files.sizeDelta,
      added: files.added,
      removed: files.removed,
      changed: files.changed,
      folders: files.folders,
    },
    packages,
    pull: {
      pullSize: pull.pullSize,
      pullLayers: pull.pullLayers,
      diskSize: pull.diskSize,
      estimated: pull.estimated,
    },
  };
}

/**
 * The `diff --json` document: one comparison's fields at the top level with `$schema` and
 * `schemaVersion`; several platforms give `{ $schema, schemaVersion, comparisons: [...], unpaired: [...] }`.
 */
export function buildDiffJson(result: DiffResult): object {
  const [only] = result.comparisons;
  if (result.comparisons.length === 1 && only && result.unpaired.length === 0)
    return { $schema: DIFF_SCHEMA_ID, schemaVersion: DIFF_SCHEMA_VERSION, ...diffJson(only) };
  return {
    $schema: DIFF_SCHEMA_ID,
    schemaVersion: DIFF_SCHEMA_VERSION,
    comparisons: result.comparisons.map(diffJson),
    unpaired: result.unpaired.map((u) => ({ side: u.side, ...sideJson(u.image) })),
  };
}

const percentText = (p: number | null): string => (p === null ? '' : ` (${p >= 0 ? '+' : ''}${p.toFixed(1)}%)`);
const step = (createdBy: string | null): string => terminalText(describeStep(createdBy)) || '(no history step)';
const more = (total: number): Section['blocks'] =>
  total > TOP_ROWS ? [line(`… and ${total - TOP_ROWS} more (see --json)`)] : [];

/** The headline figures: one row per measure, for the text summary and the Markdown table. */
export function summaryRows(diff: ImageDiff): string[][] {
  const { layers, files, packages, pull } = diff;
  const rows: string[][] = [
    [
      'size',
      `${formatSize(diff.from.contentSize)} → ${formatSize(diff.to.contentSize)}`,
      `${formatGrowth(diff.sizeDelta)}${percentText(diff.percent)}`,
    ],
    [
      'layers',
      `${layers.shared} of ${diff.to.layers.length} reused, ${layers.sharedByChainId} by ChainID`,
      `${layers.added.length} added, ${layers.removed.length} removed`,
    ],
  ];
  if (files) {
    rows.push([
      'files',
      `${files.added.length} added, ${files.removed.length} removed, ${files.changed.length} changed`,
      formatGrowth(files.sizeDelta),
    ]);
  }
  rows.push([
    'packages',
    packages
      ? `${packages.added.length} added, ${packages.removed.length} removed, ${packages.changed.length} changed`
      : 'not read',
    packages ? formatGrowth(packages.sizeDelta) : '',
  ]);
  rows.push([
    'pull',
    `${plural(pull.pullLayers, 'layer')}, ${formatSize(pull.pullSize, pull.estimated, 'size unknown')} to download`,
    `+${formatSize(pull.diskSize)} on disk`,
  ]);
  return rows;
}

/** Plain sentences a reader needs beside the numbers: ChainID breaks, size-only comparisons. */
export function diffNotes(diff: ImageDiff): string[] {
  const notes: string[] = [];
  const { layers } = diff;
  if (layers.chainBreak !== null) {
    notes.push(
      `Layer ${layers.chainBreak} changed below layers that are still the same: the base was rebuilt, so every ChainID from layer ${layers.chainBreak} up is new and Docker stores those layers again.`,
    );
  }
  if (diff.files?.comparedBy === 'size') {
    notes.push(
      'Files were compared by type, size and link target only (an input has no file hashes: save reports with inspect --json --files --hash); a same-size edit is not seen.',
    );
  }
  // Size is what the layers ship, files what the final tree holds: a file a layer adds and a later
  // one removes is in the first and not the second. Said when that part is a tenth of the change.
  if (diff.files) {
    const hidden = diff.sizeDelta - diff.files.sizeDelta;
    if (Math.abs(hidden) >= Math.max(1000, Math.abs(diff.sizeDelta) / 10)) {
      notes.push(
        `Of the ${formatGrowth(diff.sizeDelta)}, ${formatGrowth(diff.files.sizeDelta)} is in the final tree and ${formatGrowth(hidden)} in copies that later layers hide (removed or overwritten, still shipped in the layers below: audit names them).`,
      );
    }
  }
  if (diff.pull.pullSize === null) notes.push('Download size unknown: some layers are stored uncompressed.');
  return notes;
}

export const describeFolder = (f: { folder: string; status: string }): string =>
  `${terminalText(f.folder)}${f.status === 'added' ? ' (new)' : f.status === 'removed' ? ' (gone)' : ''}`;

export const describePackage = (p: { ecosystem: string; name: string }): string =>
  `${terminalText(p.ecosystem)} ${terminalText(p.name)}`;

const version = (v: string | null): string => (v === null ? '?' : terminalText(v));

/** Titled detail sections (steps, folders, packages, layers), shared by text and Markdown. */
export function diffDetailSections(diff: ImageDiff, width = 80): Section[] {
  const sections: Section[] = [];
  const wide = Math.max(24, width - 24);
  // Package names and versions: 30 and 18 at 80 columns; a wider terminal shares its room between them.
  const packageWidth = Math.max(30, Math.floor((width - 20) / 2));
  if (diff.steps.length > 0) {
    sections.push({
      title: `Growth by step of ${clip(imageName(diff.to), 60)}`,
      blocks: [
        table(
          [
            { header: 'DELTA', align: 'right' },
            { header: 'LAYER', align: 'right' },
            { header: 'STEP', max: wide },
          ],
          diff.steps
            .slice(0, TOP_ROWS)
            .map((s) => [formatGrowth(s.sizeDelta), s.index === null ? 'gone' : String(s.index), step(s.createdBy)]),
        ),
        ...more(diff.steps.length),
      ],
    });
  }
  const files = diff.files;
  if (files && files.folders.length > 0) {
    sections.push({
      title: 'Files by folder',
      blocks: [
        table(
          [
            { header: 'DELTA', align: 'right' },
            { header: 'ADDED', align: 'right' },
            { header: 'REMOVED', align: 'right' },
            { header: 'CHANGED', align: 'right' },
            { header: 'FOLDER', max: Math.max(20, width - 42) },
          ],
          files.folders
            .slice(0, TOP_ROWS)
            .map((f) => [
              formatGrowth(f.sizeDelta),
              String(f.added),
              String(f.removed),
              String(f.changed),
              describeFolder(f),
            ]),
        ),
        ...more(files.folders.length),
      ],
    });
  }
  const packages = diff.packages;
  if (packages) {
    const rows = [
      ...packages.changed.map((p) => ({
        delta: p.toSize - p.fromSize,
        row: [
          formatGrowth(p.toSize - p.fromSize),
          'changed',
          describePackage(p),
          p.fromVersion === p.toVersion ? version(p.toVersion) : `${version(p.fromVersion)} → ${version(p.toVersion)}`,
        ],
      })),
      ...packages.added.map((p) => ({
        delta: p.size,
        row: [formatGrowth(p.size), 'added', describePackage(p), version(p.version)],
      })),
      ...packages.removed.map((p) => ({
        delta: -p.size,
        row: [formatGrowth(-p.size), 'removed', describePackage(p), version(p.version)],
      })),
    ].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
    if (rows.length > 0) {
      sections.push({
        title: 'Packages',
        blocks: [
          table(
            [
              { header: 'DELTA', align: 'right' },
              { header: 'CHANGE' },
              { header: 'PACKAGE', max: packageWidth },
              { header: 'VERSION', max: Math.max(16, width - 32 - packageWidth) },
            ],
            rows.slice(0, TOP_ROWS).map((r) => r.row),
          ),
          ...more(rows.length),
        ],
      });
    }
  }
  const layerRows = [
    ...diff.layers.added.map((l) => [
      'added',
      String(l.index),
      formatSize(l.size),
      shortDigest(l.diffId),
      step(l.createdBy),
    ]),
    ...diff.layers.removed.map((l) => [
      'removed',
      String(l.index),
      formatSize(l.size),
      shortDigest(l.diffId),
      step(l.createdBy),
    ]),
  ];
  if (layerRows.length > 0) {
    sections.push({
      title: 'Layers added and removed',
      blocks: [
        table(
          [
            { header: 'CHANGE' },
            { header: '#', align: 'right' },
            { header: 'SIZE', align: 'right' },
            { header: 'DIFF ID' },
            { header: 'STEP', max: Math.max(16, width - 46) },
          ],
          layerRows.slice(0, TOP_ROWS * 2),
        ),
        ...more(layerRows.length > TOP_ROWS * 2 ? layerRows.length - TOP_ROWS : 0),
      ],
    });
  }
  return sections;
}

/** `OLD → NEW (platform)`, each name cut so the line fits 80 columns with its colon. */
const heading = (diff: ImageDiff): string =>
  clip(
    `${clip(imageName(diff.from), 30)} → ${clip(imageName(diff.to), 30)}${diff.to.platform ? ` (${terminalText(diff.to.platform)})` : ''}`,
    79,
  );

function unpairedLines(result: DiffResult): string[] {
  return result.unpaired.map(
    (u) =>
      `only in ${u.side === 'from' ? 'OLD' : 'NEW'}, not compared: ${imageName(u.image)} (${terminalText(u.image.platform ?? 'unknown platform')})`,
  );
}

/**
 * The width the columns' caps assume when the terminal sets no limit (COLUMNS=0): text a real
 * image has fits whole, and hostile text is still cut rather than padded onto every row.
 */
const NO_LIMIT_WIDTH = 1_000;

/** The text report, `width` columns wide (the terminal's; 0: no limit). */
export function renderDiffText(result: DiffResult, width = DEFAULT_TEXT_WIDTH): string {
  const room = width <= 0 ? NO_LIMIT_WIDTH : width;
  const parts = result.comparisons.map((diff) => {
    const sections: Section[] = [
      {
        title: heading(diff),
        blocks: [
          table([{ header: '' }, { header: '' }, { header: '' }], summaryRows(diff)),
          ...diffNotes(diff).flatMap((note) => wrapText(note, room - 2).map((text) => line(text))),
        ],
      },
      ...diffDetailSections(diff, room),
    ];
    // The summary table has no header row: drop renderTable's empty first line.
    return renderSectionsText(sections, width).replace(/^(.*:\n) *\n/, '$1');
  });
  const tail = unpairedLines(result);
  return parts.join('\n') + (tail.length > 0 ? `\n${tail.join('\n')}\n` : '');
}

/**
 * A pull-request comment: the summary table first, every detail folded in `<details>`. Longer
 * than `options.limit` (GitHub's comment limit by default), it keeps the summaries and cuts the
 * details from the end (markdown-limit.ts).
 */
export function renderDiffMarkdown(result: DiffResult, options: MarkdownOptions = {}): string {
  const doc = new MarkdownParts();
  doc.push(doc.part(0), '### layerlens diff');
  for (const diff of result.comparisons) {
    const summary = doc.part(0);
    doc.push(summary, '', `**${escapeMarkdown(heading(diff))}**`, '');
    doc.push(
      summary,
      ...markdownTable(
        [{ header: '' }, { header: 'from → to' }, { header: 'change', align: 'right' }],
        summaryRows(diff),
      ),
    );
    for (const note of diffNotes(diff)) doc.push(doc.part(0), '', escapeMarkdown(note));
    for (const section of diffDetailSections(diff, 200)) {
      // The closing tag is part of the <details> part: kept with any of its content, never apart.
      const details = doc.part(2);
      doc.push(details, '', `<details><summary>${escapeMarkdown(section.title ?? '')}</summary>`, '');
      section.blocks.forEach((block, i) => {
        if (block.kind === 'line') doc.push(doc.part(2, details), escapeMarkdown(block.text), '');
        // A line right under a table is one more row of it in GitHub's Markdown: a blank line
        // between (`… and 5 more` showed as a one-cell row).
        else pushMarkdownTable(doc, details, block, 2, section.blocks[i + 1]?.kind === 'line' ? [''] : []);
      });
      doc.push(details, '', '</details>');
    }
  }
  for (const text of unpairedLines(result)) doc.push(doc.part(2), '', escapeMarkdown(text));
  return fitMarkdown(doc, options.limit ?? DEFAULT_MARKDOWN_LIMIT, (lines) => `${lines.join('\n')}\n`);
}
