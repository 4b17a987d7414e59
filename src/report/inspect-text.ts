import { terminalText } from './display-text.js';
import { plural } from '../model/plural.js';
import type { ArchiveReport, ImageLookup, ImageReport, LayerReport } from '../model/image.js';
import { shortDigest } from '../model/digest.js';
import type { FileRecord } from '../layer/file-list.js';
import { describeStep } from '../model/history-step.js';
import { renderTable, type Column } from './table.js';
import { pushAll } from '../model/column.js';
import { DEFAULT_TEXT_WIDTH, wrapLine } from './wrap.js';
import { textBar } from './text-bar.js';
import { formatSize, imageName } from './format.js';
import type { TreeNode } from '../layer/tree-view.js';
import type { Overlay } from '../layer/overlay.js';
import type { ImagePackages } from '../packages/types.js';
import { renderPackagesText } from './packages-text.js';

export interface InspectTextOptions {
  readonly files?: boolean;
  /** Final file trees to print, by image, with the depth to print them to. */
  readonly trees?: ImageLookup<{ readonly tree: TreeNode; readonly overlay: Overlay }>;
  readonly treeDepth?: number;
  /** Terminal width (default 80): the layer table and long lines fit it; 0 means no limit. */
  readonly width?: number;
  /** Size by package, by image (`--packages`), with the size of the final tree it was measured on. */
  readonly packages?: ReadonlyMap<ImageReport, { readonly result: ImagePackages; readonly finalSize: number }>;
}

const bytes = (n: number | null): string => formatSize(n, false, '-');

/** From this width on, the layer table shows every column. */
const WIDE = 120;

/** The text form of `inspect`: one block per archive and image, a layer table each. Pure. */
export function renderInspectText(archive: ArchiveReport, options: InspectTextOptions = {}): string {
  return `${Array.from(inspectTextLines(archive, options)).join('\n')}\n`;
}

/**
 * `renderInspectText` line by line, without the newlines: the CLI writes them as they come, so a
 * 300k-entry file list or tree is never held as one string next to the records (issue 12).
 */
export function* inspectTextLines(archive: ArchiveReport, options: InspectTextOptions = {}): Generator<string> {
  // Prose lines (digests, sizes, problems, long paths) wrap with a hanging indent; the tables
  // were already fitted.
  const width = options.width ?? DEFAULT_TEXT_WIDTH;
  for (const text of unwrappedLines(archive, options)) yield* wrapLine(text, width);
}

function* unwrappedLines(archive: ArchiveReport, options: InspectTextOptions): Generator<string> {
  const out: string[] = [];
  yield `${terminalText(archive.path)}: ${archive.format}, ${archive.compression === 'none' ? 'not compressed' : `${archive.compression}-compressed`}, ${plural(archive.entryCount, 'entry', 'entries')}, ${plural(archive.images.length, 'image')}`;
  for (const image of archive.images) {
    yield '';
    yield* imageBlock(image, options);
  }
  if (archive.artifacts.length > 0) {
    out.push('', `  artifacts and attestations (${archive.artifacts.length}, not counted as images):`);
    pushAll(
      out,
      renderTable(
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
          terminalText(a.artifactType ?? '-'),
          bytes(a.size),
          tagsText(a.tags),
        ]),
        '    ',
      ),
    );
  }
  if (archive.absent.length > 0) {
    out.push('', `  listed but not in this archive (${archive.absent.length}):`);
    pushAll(
      out,
      renderTable(
        // The platform is archive text of any length: capped, or every row is padded to it.
        [{ header: 'KIND' }, { header: 'DIGEST' }, { header: 'PLATFORM', max: 40 }, { header: 'TAGS' }],
        archive.absent.map((a) => [a.kind, shortDigest(a.digest), terminalText(a.platform ?? '-'), tagsText(a.tags)]),
        '    ',
      ),
    );
  }
  if (archive.problems.length > 0) {
    out.push('', `  problems (${archive.problems.length}):`);
    for (const p of archive.problems) out.push(`    ${p.severity} ${p.code}: ${terminalText(p.message)}`);
  }
  yield* out;
}

function* imageBlock(image: ImageReport, options: InspectTextOptions): Generator<string> {
  const name = image.tags.length > 0 ? image.tags.map(terminalText).join(', ') : imageName(image);
  const lines = [
    `  ${name}  ${terminalText(image.platform ?? 'unknown platform')}${image.created ? `  created ${terminalText(image.created)}` : ''}`,
    ...digestLines(image, options.width ?? DEFAULT_TEXT_WIDTH),
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
      rows.push(['', '', '', '', '', '', '', '', terminalText(describeStep(step.createdBy))]);
    }
  }
  for (const layer of image.layers) if (!shown.has(layer.index)) rows.push(layerRow(layer));
  const width = options.width ?? DEFAULT_TEXT_WIDTH;
  // Below WIDE columns the stored digest and the uncompressed tar size give way to the step
  // (both are in --json); the step is cut with an ellipsis to what is left.
  const narrow = width > 0 && width < WIDE;
  const columns: (Column & { drop?: boolean })[] = [
    { header: '#', align: 'right' },
    { header: 'DIFF ID' },
    { header: 'DIGEST', drop: narrow },
    { header: 'COMP' },
    { header: 'STORED', align: 'right' },
    { header: 'UNCOMP', align: 'right', drop: narrow },
    { header: 'CONTENT', align: 'right' },
    { header: 'FILES', align: 'right' },
    { header: 'CREATED BY', flex: true },
  ];
  const keep = columns.map((c) => c.drop !== true);
  pushAll(
    lines,
    renderTable(
      columns.filter((_, i) => keep[i]),
      rows.map((row) => row.filter((_, i) => keep[i])),
      '    ',
      width,
    ),
  );
  let largest = 0;
  for (const l of image.layers) largest = Math.max(largest, l.contentSize ?? 0);
  if (largest > 0 && image.layers.length > 1) {
    lines.push('', '    content by layer:');
    for (const layer of image.layers) {
      const bar = textBar([{ value: layer.contentSize ?? 0, char: '█' }], largest, 40);
      lines.push(`    ${String(layer.index).padStart(3)} ${bar.padEnd(40)} ${bytes(layer.contentSize).padStart(9)}`);
    }
  }
  yield* lines;
  if (options.files) {
    for (const layer of image.layers) {
      yield '';
      yield `    layer ${layer.index} files:`;
      for (let i = 0; i < layer.files.length; i++) yield fileLine(layer.files.record(i));
    }
  }
  const view = options.trees?.get(image);
  if (view) {
    yield '';
    yield `    final tree: ${bytes(view.tree.size)} visible, ${bytes(view.overlay.wastedSize)} hidden by later layers (efficiency ${(view.overlay.efficiency * 100).toFixed(1)}%)`;
    yield* treeLines(view.tree, options.treeDepth ?? 3);
  }
  const packages = options.packages?.get(image);
  if (packages)
    yield* renderPackagesText(image, packages.result, packages.finalSize, options.width ?? DEFAULT_TEXT_WIDTH);
}

/**
 * The config and manifest digests, whole (they are copied into other tools). Under 84 columns
 * `sha256:` is left out, as `docker images --no-trunc` cannot fit either: the hex is the digest.
 */
function digestLines(image: ImageReport, width: number): string[] {
  const narrow = width > 0 && width < 84;
  const show = (digest: string | null): string =>
    digest === null ? '-' : narrow ? digest.replace(/^sha256:/, '') : digest;
  return narrow
    ? [`    config   ${show(image.configDigest)}`, `    manifest ${show(image.manifestDigest)}`]
    : [`    config ${show(image.configDigest)}`, `    manifest ${show(image.manifestDigest)}`];
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
    terminalText(describeStep(layer.createdBy)),
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
  const link = file.linkTarget !== null ? ` -> ${terminalText(file.linkTarget)}` : '';
  const whiteout =
    file.whiteout === 'opaque' ? '  [opaque whiteout]' : file.whiteout === 'delete' ? '  [whiteout]' : '';
  return `      ${TYPE_LETTER[file.type]} ${String(file.size).padStart(10)}  ${terminalText(file.path)}${link}${whiteout}`;
}

/** Deeper levels print at this indent: 32,767 levels would make each line 64 KB of spaces. */
const MAX_INDENT = 64;

/** The tree biggest first, to `depth` levels; each line: size, indented name, the layer it comes from. */
function* treeLines(root: TreeNode, depth: number): Generator<string> {
  // An explicit stack, not recursion: a path can be 32,767 folders deep (issue 12).
  const stack: { node: TreeNode; level: number }[] = [];
  const pushChildren = (node: TreeNode, level: number): void => {
    for (let i = node.children.length - 1; i >= 0; i--) {
      const child = node.children[i];
      if (child) stack.push({ node: child, level });
    }
  };
  pushChildren(root, 0);
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node: child, level } = item;
    const folder = child.type === 'directory';
    const link = child.linkTarget !== null ? ` -> ${terminalText(child.linkTarget)}` : '';
    const layer = child.layerIndex === null || folder ? '' : `  (layer ${child.layerIndex})`;
    const more =
      folder && level + 1 >= depth && child.children.length > 0
        ? `  [${plural(child.children.length, 'entry', 'entries')}]`
        : '';
    yield `    ${bytes(child.size).padStart(9)}  ${'  '.repeat(Math.min(level, MAX_INDENT))}${terminalText(child.name)}${folder ? '/' : ''}${link}${layer}${more}`;
    if (folder && level + 1 < depth) pushChildren(child, level + 1);
  }
}

function tagsText(tags: readonly string[]): string {
  return tags.length === 0 ? '-' : tags.map(terminalText).join(', ');
}
