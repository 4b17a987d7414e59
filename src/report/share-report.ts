import { terminalText } from './display-text.js';
import { plural } from '../model/plural.js';
import { shortDigest } from '../model/digest.js';
import type { SharingReport } from '../sharing/analyze-sharing.js';
import { describeStep } from '../model/history-step.js';
import { clip } from './table.js';
import { formatSize, imageName } from './format.js';
import { textBar } from './text-bar.js';
import { line, table, type Block, type Section } from './sections.js';

export const SHARE_SCHEMA_VERSION = 1;
/** The JSON Schema of `share --json`, shipped as `schemas/share.schema.json` (its `$id`). */
export const SHARE_SCHEMA_ID = 'layerlens/schemas/share.schema.json';
const MATRIX_TEXT_IMAGES = 6;
const TOP_LAYERS = 10;
const MAX_BARS = 40;
const MAX_BASES = 20;

const percent = (ratio: number): string => `${Math.round(ratio * 100)}%`;

/** The `share --json` document (schemaVersion 1, documented in the README). Pure. */
export function buildShareJson(report: SharingReport): object {
  const byId = new Map(report.images.map((i) => [i.id, i]));
  return {
    $schema: SHARE_SCHEMA_ID,
    schemaVersion: SHARE_SCHEMA_VERSION,
    key: report.key,
    images: report.images.map((i) => ({
      id: i.id,
      configDigest: i.image.configDigest,
      platform: i.image.platform,
      tags: i.image.tags,
      sources: i.sources,
      size: i.size,
      sharedSize: i.sharedSize,
      uniqueSize: i.uniqueSize,
      uncompressedSize: i.uncompressedSize,
      sharedUncompressedSize: i.sharedUncompressedSize,
      layerCount: i.layerCount,
      distinctLayerCount: i.distinctLayerCount,
      sharedLayerCount: i.sharedLayerCount,
      compressedSize: i.compressedSize,
      compressedSizeEstimated: i.compressedSizeEstimated,
    })),
    layers: report.layers.map((l) => ({
      key: l.key,
      diffId: l.diffId,
      chainId: l.chainId,
      size: l.size,
      uncompressedSize: l.uncompressedSize,
      images: l.images,
      digests: l.digests,
      createdBy: l.createdBy,
    })),
    bases: report.bases,
    matrix: report.matrix === null ? null : { images: report.images.map((i) => i.id), sharedSize: report.matrix },
    pairs: report.pairs,
    pairsExact: report.pairsExact,
    transfer: {
      ...report.transfer,
      images: report.transfer.images.map((cost) => ({ ...cost, tags: byId.get(cost.id)?.image.tags ?? [] })),
    },
    totals: report.totals,
  };
}

/** Text and Markdown share the same sections; only the renderer differs. */
export function buildShareSections(report: SharingReport, options: { width?: number } = {}): Section[] {
  const width = options.width ?? 80;
  const { totals } = report;
  // The five other columns take 51 characters with their gaps at most.
  const nameWidth = Math.max(16, width - 52);
  const sections: Section[] = [];
  // A Markdown report cut to fit keeps the totals and savings, then the images (markdown-limit.ts).
  sections.push({
    title: null,
    rank: 1,
    blocks: [
      line(
        `${plural(totals.images, 'image')}, ${plural(totals.layers, 'distinct layer')} (${totals.sharedLayers} shared), keyed by ${report.key === 'diffId' ? 'diff id' : 'chain id'}`,
        0,
      ),
      table(
        [
          { header: 'IMAGE', max: nameWidth, flex: true },
          { header: 'PLATFORM', max: 14 },
          { header: 'SIZE', align: 'right' },
          { header: 'SHARED', align: 'right' },
          { header: 'UNIQUE', align: 'right' },
          { header: 'LAYERS', align: 'right' },
        ],
        report.images.map((i) => [
          imageName(i.image),
          terminalText(i.image.platform ?? '-'),
          formatSize(i.size),
          formatSize(i.sharedSize),
          formatSize(i.uniqueSize),
          `${i.sharedLayerCount}/${i.distinctLayerCount}`,
        ]),
      ),
      line('SIZE is content bytes (as docker image ls); LAYERS is shared/distinct.'),
    ],
  });
  const largest = report.images.reduce((max, i) => Math.max(max, i.size), 0);
  if (largest > 0) {
    // A fleet gets the largest images drawn; the table above has every one.
    const drawn =
      report.images.length <= MAX_BARS
        ? report.images
        : [...report.images].sort((a, b) => b.size - a.size).slice(0, MAX_BARS);
    sections.push({
      title:
        drawn.length < report.images.length
          ? `Size to scale, the ${MAX_BARS} largest (█ shared, ░ unique)`
          : 'Size to scale (█ shared, ░ unique)',
      blocks: drawn.map((i) =>
        line(
          `${clip(imageName(i.image), 24).padEnd(24)} ${textBar(
            [
              { value: i.sharedSize, char: '█' },
              { value: i.uniqueSize, char: '░' },
            ],
            largest,
            40,
          ).padEnd(40)} ${formatSize(i.size).padStart(9)}`,
        ),
      ),
    });
  }
  const est = totals.compressedSizeEstimated;
  const savedRatio = (saved: number | null, of: number | null): string =>
    saved === null || of === null || of === 0 ? '' : ` (${percent(saved / of)})`;
  const savings: Block[] = [
    table(
      [
        { header: '' },
        { header: 'SEPARATELY', align: 'right' },
        { header: 'DEDUPLICATED', align: 'right' },
        { header: 'SAVED', align: 'right' },
      ],
      [
        [
          'storage (content)',
          formatSize(totals.size),
          formatSize(totals.dedupedSize),
          `${formatSize(totals.savedSize)}${savedRatio(totals.savedSize, totals.size)}`,
        ],
        [
          'transfer (compressed)',
          formatSize(totals.compressedSize, est),
          formatSize(totals.dedupedCompressedSize, est),
          `${formatSize(totals.savedCompressedSize, est)}${savedRatio(totals.savedCompressedSize, totals.compressedSize)}`,
        ],
      ],
    ),
  ];
  if (totals.compressedSize === null) {
    savings.push(line('n/a: some layers are stored uncompressed (try --estimate-compressed).'));
  } else if (est) {
    savings.push(line('~ = estimate: gzip -6 of uncompressed layers, as docker push sends them.'));
  }
  savings.push(line('The wire dedupes by blob digest: a diff id compressed two ways is sent twice.'));
  sections.push({ title: 'Savings', rank: 0, blocks: savings });

  if (report.bases.length > 0) {
    const blocks = report.bases
      .slice(0, MAX_BASES)
      .map((base) =>
        line(
          `${plural(base.images.length, 'image')} share base ${clip(terminalText(describeStep(base.name)), 40)}: ${plural(base.layerCount, 'layer')}, ${formatSize(base.size)}, stored once`,
        ),
      );
    if (report.bases.length > MAX_BASES) blocks.push(line(`and ${report.bases.length - MAX_BASES} more (see --json)`));
    sections.push({ title: 'Shared bases', blocks });
  }

  const byId = new Map(report.images.map((i) => [i.id, i]));
  const t = report.transfer;
  sections.push({
    title: `Pull cost in input order${t.have.length > 0 ? ` (the node has ${t.have.length} image${t.have.length === 1 ? '' : 's'})` : ''}`,
    blocks: [
      table(
        [
          { header: 'IMAGE', max: nameWidth, flex: true },
          { header: 'DOWNLOAD', align: 'right' },
          { header: 'BLOBS', align: 'right' },
          { header: 'NEW ON DISK', align: 'right' },
        ],
        [
          ...t.images.map((cost) => {
            const image = byId.get(cost.id);
            return [
              image ? imageName(image.image) : cost.id,
              formatSize(cost.pullSize, cost.estimated),
              String(cost.pullLayers),
              formatSize(cost.diskSize),
            ];
          }),
          ['total', formatSize(t.pullSize, t.estimated), '', formatSize(t.diskSize)],
        ],
      ),
    ],
  });

  if (report.images.length >= 2) sections.push(matrixSection(report));

  const shared = report.layers
    .filter((l) => l.images.length > 1)
    .sort((a, b) => b.size - a.size)
    .slice(0, TOP_LAYERS);
  if (shared.length > 0) {
    sections.push({
      title: 'Largest shared layers',
      blocks: [
        table(
          [
            { header: 'SIZE', align: 'right' },
            { header: 'IMAGES', align: 'right' },
            { header: 'DIFF ID' },
            { header: 'CREATED BY', max: Math.max(20, width - 38) },
          ],
          shared.map((l) => [
            formatSize(l.size),
            String(l.images.length),
            shortDigest(l.diffId),
            terminalText(describeStep(l.createdBy)),
          ]),
        ),
      ],
    });
  }
  return sections;
}

function matrixSection(report: SharingReport): Section {
  const images = report.images;
  const matrix = report.matrix;
  if (matrix !== null && images.length <= MATRIX_TEXT_IMAGES) {
    return {
      title: 'Shared bytes between images',
      blocks: [
        table(
          [{ header: '' }, ...images.map((_, j) => ({ header: String(j + 1), align: 'right' as const }))],
          images.map((_, i) => [String(i + 1), ...images.map((__, j) => formatSize(matrix[i]?.[j] ?? 0))]),
        ),
        ...images.map((image, i) => line(`${i + 1} = ${imageName(image.image)}`)),
      ],
    };
  }
  const byId = new Map(images.map((i) => [i.id, i]));
  const nameOf = (id: string): string => {
    const share = byId.get(id);
    return share ? imageName(share.image) : id;
  };
  return {
    title: `Most shared pairs${matrix === null ? '' : ' (the full matrix is in --json)'}`,
    blocks: [
      table(
        [
          { header: 'SHARED', align: 'right' },
          { header: 'IMAGE', max: 28 },
          { header: 'IMAGE', max: 28 },
        ],
        report.pairs.slice(0, 10).map((p) => [formatSize(p.sharedSize), nameOf(p.images[0]), nameOf(p.images[1])]),
      ),
      ...(report.pairsExact ? [] : [line('(lower bounds: the pair search stopped at its work limit)')]),
    ],
  };
}
