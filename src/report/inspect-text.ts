import { escapeControl } from '../archive/entry-path.js';
import type { ArchiveReport, ImageReport, LayerReport } from '../model/image.js';
import { shortDigest } from '../model/digest.js';
import type { FileRecord } from '../layer/layer-contents.js';
import { describeStep } from '../model/history-step.js';
import { renderTable } from './table.js';
import { textBar } from './text-bar.js';
import { formatSize, imageName } from './format.js';
import type { TreeNode } from '../layer/tree-view.js';
import type { Overlay } from '../layer/overlay.js';
import type { ImagePackages } from '../packages/types.js';
import { renderPackagesText } from './packages-text.js';

export interface InspectTextOptions {
  readonly files?: boolean;
  /** Final file trees to print, by image, with the depth to print them to. */
  readonly trees?: ReadonlyMap<ImageReport, { readonly tree: TreeNode; readonly overlay: Overlay }>;
  readonly treeDepth?: number;
  /** Terminal width for the history column; 0 means no limit. */
  readonly width?: number;
  /** Size by package, by image (`--packages`), with the overlay it was measured on. */
  readonly packages?: ReadonlyMap<ImageReport, { readonly result: ImagePackages; readonly overlay: Overlay }>;
}

const bytes = (n: number | null): string => formatSize(n, false, '-');

/** The text form of `inspect`: one block per archive and image, a layer table each. Pure. */
export function renderInspectText(archive: ArchiveReport, options: InspectTextOptions = {}): string {
  const out: string[] = [];
  out.push(
    `${escapeControl(archive.path)}: ${archive.format}, ${archive.compression === 'none' ? 'not compressed' : `${archive.compression}-compressed`}, ${archive.entryCount} entries, ${plural(archive.images.length, 'image')}`,
  );
  for (const image of archive.images) out.push('', ...imageBlock(image, options));
  if (archive.artifacts.length > 0) {
    out.push('', `  artifacts and attestations (${archive.artifacts.length}, not counted as images):`);
    out.push(
      ...renderTable(
        [
          { header: 'KIND' },
          { header: 'MANIFEST' },
          { header: 'TYPE', max: 40 },
          { header: 'SIZE', align: 'right' },
          { header: 'TAGS' },
        ],
        archive.artifacts.map((a) => [
          a.kind,
          shortDigest(a.manifestDigest),
          a.artifactType ?? '-',
          bytes(a.size),
          tagsText(a.tags),
        ]),
        '    ',
      ),
    );
  }
  if (archive.absent.length > 0) {
    out.push('', `  listed but not in this archive (${archive.absent.length}):`);
    out.push(
      ...renderTable(
        [{ header: 'KIND' }, { header: 'DIGEST' }, { header: 'PLATFORM' }, { header: 'TAGS' }],
        archive.absent.map((a) => [a.kind, shortDigest(a.digest), a.platform ?? '-', tagsText(a.tags)]),
        '    ',
      ),
    );
  }
  if (archive.problems.length > 0) {
    out.push('', `  problems (${archive.problems.length}):`);
    for (const p of archive.problems) out.push(`    ${p.severity} ${p.code}: ${p.message}`);
  }
  return `${out.join('\n')}\n`;
}

function imageBlock(image: ImageReport, options: InspectTextOptions): string[] {
  const name = image.tags.length > 0 ? image.tags.map(escapeControl).join(', ') : imageName(image);
  const lines = [
    `  ${name}  ${image.platform ?? 'unknown platform'}${image.created ? `  created ${image.created}` : ''}`,
    `    config ${image.configDigest ?? '-'}`,
    `    manifest ${image.manifestDigest ?? '-'}`,
    `    size ${bytes(image.contentSize)} content, ${bytes(image.uncompressedSize)} uncompressed tar, ${image.compressedSize === null ? 'compressed size not known (layers stored uncompressed)' : `${bytes(image.compressedSize)} compressed`}`,
  ];
  // Rows in history order, so `empty_layer` steps (ENV, LABEL...) sit where the Dockerfile has them.
  const rows: string[][] = [];
  const shown = new Set<number>();
  for (const step of image.history) {
    const layer = step.layerIndex === null ? undefined : image.layers[step.layerIndex];
    if (layer) {
      rows.push(layerRow(layer));
      shown.add(layer.index);
    } else if (step.layerIndex === null) {
      rows.push(['', '', '', '', '', '', '', '', describeStep(step.createdBy)]);
    }
  }
  for (const layer of image.layers) if (!shown.has(layer.index)) rows.push(layerRow(layer));
  const width = options.width ?? 0;
  lines.push(
    ...renderTable(
      [
        { header: '#', align: 'right' },
        { header: 'DIFF ID' },
        { header: 'DIGEST' },
        { header: 'COMP' },
        { header: 'STORED', align: 'right' },
        { header: 'UNCOMP', align: 'right' },
        { header: 'CONTENT', align: 'right' },
        { header: 'FILES', align: 'right' },
        { header: 'CREATED BY', ...(width > 0 ? { max: Math.max(20, width - 90) } : {}) },
      ],
      rows,
      '    ',
    ),
  );
  const largest = Math.max(0, ...image.layers.map((l) => l.contentSize ?? 0));
  if (largest > 0 && image.layers.length > 1) {
    lines.push('', '    content by layer:');
    for (const layer of image.layers) {
      const bar = textBar([{ value: layer.contentSize ?? 0, char: '█' }], largest, 40);
      lines.push(`    ${String(layer.index).padStart(3)} ${bar.padEnd(40)} ${bytes(layer.contentSize).padStart(9)}`);
    }
  }
  if (options.files) {
    for (const layer of image.layers) lines.push('', `    layer ${layer.index} files:`, ...layer.files.map(fileLine));
  }
  const view = options.trees?.get(image);
  if (view) {
    lines.push(
      '',
      `    final tree: ${bytes(view.tree.size)} visible, ${bytes(view.overlay.wastedSize)} hidden by later layers (efficiency ${(view.overlay.efficiency * 100).toFixed(1)}%)`,
      ...treeLines(view.tree, options.treeDepth ?? 3),
    );
  }
  const packages = options.packages?.get(image);
  if (packages) lines.push(...renderPackagesText(image, packages.result, packages.overlay));
  return lines;
}

function layerRow(layer: LayerReport): string[] {
  const status = layer.present ? (layer.compression ?? '-') : layer.external ? 'foreign' : 'absent';
  return [
    String(layer.index),
    shortDigest(layer.diffId),
    shortDigest(layer.digest),
    layer.estargz ? 'estargz' : status,
    bytes(layer.storedSize),
    bytes(layer.uncompressedSize),
    bytes(layer.contentSize),
    layer.fileCount === null ? '-' : String(layer.fileCount),
    describeStep(layer.createdBy),
  ];
}

const TYPE_LETTER: Record<FileRecord['type'], string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  hardlink: 'h',
  char: 'c',
  block: 'b',
  fifo: 'p',
  other: '?',
};

function fileLine(file: FileRecord): string {
  const link = file.linkTarget !== null ? ` -> ${escapeControl(file.linkTarget)}` : '';
  const whiteout =
    file.whiteout === 'opaque' ? '  [opaque whiteout]' : file.whiteout === 'delete' ? '  [whiteout]' : '';
  return `      ${TYPE_LETTER[file.type]} ${String(file.size).padStart(10)}  ${escapeControl(file.path)}${link}${whiteout}`;
}

/** The tree biggest first, to `depth` levels; each line: size, indented name, the layer it comes from. */
function treeLines(root: TreeNode, depth: number): string[] {
  const out: string[] = [];
  const walk = (node: TreeNode, level: number): void => {
    for (const child of node.children) {
      const folder = child.type === 'directory';
      const link = child.linkTarget !== null ? ` -> ${escapeControl(child.linkTarget)}` : '';
      const layer = child.layerIndex === null || folder ? '' : `  (layer ${child.layerIndex})`;
      const more =
        folder && level + 1 >= depth && child.children.length > 0 ? `  [${child.children.length} entries]` : '';
      out.push(
        `    ${bytes(child.size).padStart(9)}  ${'  '.repeat(level)}${escapeControl(child.name)}${folder ? '/' : ''}${link}${layer}${more}`,
      );
      if (folder && level + 1 < depth) walk(child, level + 1);
    }
  };
  walk(root, 0);
  return out;
}

function tagsText(tags: readonly string[]): string {
  return tags.length === 0 ? '-' : tags.map(escapeControl).join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
