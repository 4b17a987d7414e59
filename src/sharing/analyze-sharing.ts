import { chainIds, type Digest } from '../model/digest.js';
import { textDigest, textKey } from '../model/text-key.js';
import { firstPast } from '../model/search.js';
import type { ImageReport, LayerReport } from '../model/image.js';
import { ID_PART_MAX, MATRIX_MAX_IMAGES } from '../model/limits.js';

/** What makes two layers "the same": the diff id (content), or the ChainID (content and everything below, Docker's store). */
export type ShareKey = 'diffId' | 'chainId';

/** An image as the sharing index sees it: one per config digest and platform, with every tag it was seen under. */
export interface ShareInputImage {
  readonly image: ImageReport;
  /** Inputs it was read from. */
  readonly sources: readonly string[];
}

export interface SharedLayer {
  /** The key the index uses (a diff id or a ChainID). */
  readonly key: string;
  readonly diffId: Digest | null;
  readonly chainId: Digest | null;
  /** Content bytes (regular files plus symlink targets). */
  readonly size: number;
  readonly uncompressedSize: number;
  /** Compressed blobs seen for this layer: the wire shares by these, not by diff id. */
  readonly digests: readonly { readonly digest: Digest; readonly compressedSize: number | null }[];
  /** Image ids (`<configDigest>|<platform>`) that contain it. */
  readonly images: readonly string[];
  readonly createdBy: string | null;
}

export interface ImageShare {
  readonly id: string;
  readonly image: ImageReport;
  readonly sources: readonly string[];
  /** Content bytes of its distinct layers: the unit `docker image ls` uses. */
  readonly size: number;
  readonly sharedSize: number;
  readonly uniqueSize: number;
  readonly uncompressedSize: number;
  readonly sharedUncompressedSize: number;
  readonly layerCount: number;
  readonly distinctLayerCount: number;
  readonly sharedLayerCount: number;
  /** Compressed bytes of its distinct layers; null when a layer's is unknown. */
  readonly compressedSize: number | null;
  readonly compressedSizeEstimated: boolean;
  /** The index key (diff id or ChainID) of each of its layers, in order. */
  readonly layerKeys: readonly string[];
}

export interface SharedBase {
  /** The image whose whole layer list is the prefix, or the history step of its top layer. */
  readonly name: string;
  readonly baseImage: string | null;
  readonly layerCount: number;
  readonly size: number;
  readonly images: readonly string[];
}

export interface PullCost {
  readonly id: string;
  /** Compressed bytes to download given what the node already has; null when unknown. */
  readonly pullSize: number | null;
  readonly pullLayers: number;
  /** Content bytes it adds on disk. */
  readonly diskSize: number;
  readonly estimated: boolean;
}

export interface SharingTotals {
  readonly images: number;
  readonly layers: number;
  readonly sharedLayers: number;
  readonly size: number;
  readonly dedupedSize: number;
  readonly savedSize: number;
  readonly savedRatio: number;
  readonly uncompressedSize: number;
  readonly dedupedUncompressedSize: number;
  readonly compressedSize: number | null;
  readonly dedupedCompressedSize: number | null;
  readonly savedCompressedSize: number | null;
  readonly compressedSizeEstimated: boolean;
}

/** Two images and the content bytes of the layers both have. */
export interface SharedPair {
  readonly images: readonly [string, string];
  readonly sharedSize: number;
}

// 20,000 images would make a 400-million-number matrix: above the limit, pairs only.
export { MATRIX_MAX_IMAGES };
/** How many most-shared pairs the report keeps. */
export const TOP_PAIRS = 20;
/**
 * Pair updates allowed when images with different shared layers are compared through the layer
 * index; past it `pairsExact` is false (only a fleet where thousands of distinct layer mixes
 * share the same layers gets there).
 */
const PAIR_WORK_LIMIT = 20_000_000;

export interface SharingReport {
  readonly key: ShareKey;
  readonly images: readonly ImageShare[];
  readonly layers: readonly SharedLayer[];
  readonly bases: readonly SharedBase[];
  /**
   * Shared content bytes between image i and image j (diagonal: the image's size); null above
   * `MATRIX_MAX_IMAGES` images unless `matrix: true` was asked for.
   */
  readonly matrix: readonly (readonly number[])[] | null;
  /** The most-shared pairs of images, largest first, computed from the layer index. */
  readonly pairs: readonly SharedPair[];
  /** False when the pair search hit its work limit: the pairs are then a lower bound. */
  readonly pairsExact: boolean;
  readonly transfer: {
    readonly have: readonly string[];
    readonly images: readonly PullCost[];
    readonly pullSize: number | null;
    readonly diskSize: number;
    readonly estimated: boolean;
  };
  readonly totals: SharingTotals;
}

const idPart = (text: string): string => (text.length > ID_PART_MAX ? `sha256:${textDigest(text)}` : text);

/** `<configDigest>|<platform>`: one image, whatever tags or archives it came in. */
export function imageId(image: ImageReport): string {
  return `${image.configDigest ?? `untagged:${idPart(image.tags[0] ?? '?')}`}|${idPart(image.platform ?? 'unknown')}`;
}

/**
 * Merges images seen in several inputs (same config digest and platform) into one with all its
 * tags and sources, keeping first-seen order.
 */
export function mergeImages(inputs: Iterable<{ image: ImageReport; source: string }>): ShareInputImage[] {
  // Sets, not arrays searched in a loop: a fleet sees one image under thousands of tags or inputs.
  // Tags are archive text of any length: seen by textKey (3 inputs of 1,000 tags of 18,000
  // characters took 18.5 s in a Set of the tags themselves).
  interface Merged {
    image: ImageReport;
    tags: { list: string[]; seen: Set<string> } | null;
    sources: Set<string>;
  }
  const byId = new Map<string, Merged>();
  const add = (tags: NonNullable<Merged['tags']>, tag: string): void => {
    const key = textKey(tag);
    if (tags.seen.has(key)) return;
    tags.seen.add(key);
    tags.list.push(tag);
  };
  for (const { image, source } of inputs) {
    const id = imageId(image);
    const known = byId.get(id);
    if (!known) {
      byId.set(id, { image, tags: null, sources: new Set([source]) });
      continue;
    }
    if (known.tags === null) {
      known.tags = { list: [], seen: new Set() };
      for (const tag of known.image.tags) add(known.tags, tag);
    }
    for (const tag of image.tags) add(known.tags, tag);
    known.sources.add(source);
  }
  const merged: ShareInputImage[] = [];
  for (const { image, tags, sources } of byId.values()) {
    merged.push({ image: tags === null ? image : { ...image, tags: tags.list }, sources: [...sources] });
  }
  return merged;
}

/** An input with its id, made once. */
interface IdentifiedImage extends ShareInputImage {
  readonly id: string;
}

const withIds = (inputs: readonly ShareInputImage[]): IdentifiedImage[] =>
  inputs.map((input) => ({ ...input, id: imageId(input.image) }));

interface LayerRow {
  key: string;
  layer: LayerReport;
  diffId: Digest | null;
  chainId: Digest | null;
}

function layerRows(image: ImageReport, id: string, key: ShareKey): LayerRow[] {
  const diffIds = image.layers.map((l) => l.diffId);
  const known = diffIds.every((d): d is Digest => d !== null);
  const chains = known ? chainIds(diffIds) : [];
  return image.layers.map((layer, i) => {
    const chainId = chains[i] ?? null;
    const fallback = layer.digest ?? `unknown:${id}:${i}`;
    return {
      key: key === 'chainId' ? (chainId ?? fallback) : (layer.diffId ?? fallback),
      layer,
      diffId: layer.diffId,
      chainId,
    };
  });
}

/** The wire identity of a layer: its compressed blob digest, or (stored uncompressed) its diff id. */
function wireKey(layer: LayerReport): string {
  return layer.compression !== 'none' && layer.digest !== null
    ? layer.digest
    : `tar:${layer.diffId ?? layer.digest ?? '?'}`;
}

/**
 * The sharing index across images: per layer who has it, per image its shared and unique bytes,
 * the deduplicated totals on disk and on the wire, shared bases, and the cost of pulling the
 * images in order onto a node that already has `have`. Pure.
 */
export function analyzeSharing(
  inputs: readonly ShareInputImage[],
  options: { key?: ShareKey; have?: readonly ShareInputImage[]; matrix?: boolean } = {},
): SharingReport {
  const key = options.key ?? 'diffId';
  // Each id made once: a long tag or platform in one is hashed.
  const identified = withIds(inputs);
  const rowsById = new Map<string, LayerRow[]>();
  const layers = new Map<string, { row: LayerRow; images: string[]; digests: Map<Digest, number | null> }>();
  for (const { image, id } of identified) {
    const rows = layerRows(image, id, key);
    rowsById.set(id, rows);
    for (const row of rows) {
      let entry = layers.get(row.key);
      if (!entry) {
        entry = { row, images: [], digests: new Map() };
        layers.set(row.key, entry);
      }
      // One image's rows come together, so a repeat within it is the last id pushed.
      if (entry.images[entry.images.length - 1] !== id) entry.images.push(id);
      if (row.layer.digest !== null && row.layer.compression !== 'none') {
        entry.digests.set(row.layer.digest, row.layer.compressedSize);
      }
    }
  }

  const images: ImageShare[] = identified.map(({ image, sources, id }) => {
    const rows = rowsById.get(id) ?? [];
    const distinct = distinctRows(rows);
    let size = 0;
    let sharedSize = 0;
    let uncompressedSize = 0;
    let sharedUncompressedSize = 0;
    let sharedLayerCount = 0;
    let compressedSize: number | null = 0;
    let estimated = false;
    for (const row of distinct) {
      const shared = (layers.get(row.key)?.images.length ?? 0) > 1;
      const content = row.layer.contentSize ?? 0;
      const tar = row.layer.uncompressedSize ?? 0;
      size += content;
      uncompressedSize += tar;
      if (shared) {
        sharedSize += content;
        sharedUncompressedSize += tar;
        sharedLayerCount++;
      }
      compressedSize =
        compressedSize === null || row.layer.compressedSize === null ? null : compressedSize + row.layer.compressedSize;
      estimated ||= row.layer.compressedSizeEstimated;
    }
    return {
      id,
      image,
      sources,
      size,
      sharedSize,
      uniqueSize: size - sharedSize,
      uncompressedSize,
      sharedUncompressedSize,
      layerCount: image.layers.length,
      distinctLayerCount: distinct.length,
      sharedLayerCount,
      compressedSize: distinct.length === 0 ? null : compressedSize,
      compressedSizeEstimated: estimated,
      layerKeys: rows.map((row) => row.key),
    };
  });

  const sharedLayers: SharedLayer[] = [...layers.values()].map(({ row, images: ids, digests }) => ({
    key: row.key,
    diffId: row.diffId,
    chainId: row.chainId,
    size: row.layer.contentSize ?? 0,
    uncompressedSize: row.layer.uncompressedSize ?? 0,
    digests: [...digests].map(([digest, compressedSize]) => ({ digest, compressedSize })),
    images: ids,
    createdBy: row.layer.createdBy,
  }));

  const withMatrix = options.matrix ?? images.length <= MATRIX_MAX_IMAGES;
  const { pairs, exact } = mostSharedPairs(images, layers);
  return {
    key,
    images,
    layers: sharedLayers,
    bases: findBases(identified, rowsById),
    matrix: withMatrix ? sharedMatrix(images, rowsById) : null,
    pairs,
    pairsExact: exact,
    transfer: pullCosts(identified, withIds(options.have ?? [])),
    totals: totalsOf(images, sharedLayers, inputs),
  };
}

function distinctRows(rows: readonly LayerRow[]): LayerRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    if (seen.has(row.key)) return false;
    seen.add(row.key);
    return true;
  });
}

/**
 * Content bytes each pair of images has in common: row a, column b sums a's own sizes of the
 * layers b has too. Summed through an index of who has each layer, so the work is the pairs that
 * really share a layer, not every pair times every row (issue 12: a set of one image's rows built
 * per cell took 8.7 s for 500 images each listing one layer 1,000 times; now 0.76 s).
 */
function sharedMatrix(images: readonly ImageShare[], rowsById: ReadonlyMap<string, LayerRow[]>): number[][] {
  // Ids are counted once: a caller may pass one image twice, and both then read its last rows.
  const ids = [...rowsById.keys()];
  const column = new Map<string, number>(ids.map((id, i) => [id, i]));
  const distinct = ids.map((id) => distinctRows(rowsById.get(id) ?? []));
  const holders = new Map<string, number[]>();
  distinct.forEach((rows, i) => {
    for (const { key } of rows) {
      const list = holders.get(key);
      if (list) list.push(i);
      else holders.set(key, [i]);
    }
  });
  const byId = distinct.map((rows) => {
    const row = new Array<number>(ids.length).fill(0);
    for (const { key, layer } of rows) {
      const size = layer.contentSize ?? 0;
      for (const j of holders.get(key) ?? []) row[j] = (row[j] ?? 0) + size;
    }
    return row;
  });
  // Each image once (as mergeImages gives them): the rows are the matrix, not copied (--matrix of
  // 20,000 images is 400 million numbers).
  if (ids.length === images.length) return byId;
  const at = images.map((image) => column.get(image.id) ?? -1);
  return at.map((i) => {
    const row = byId[i];
    return at.map((j) => row?.[j] ?? 0);
  });
}

function totalsOf(
  images: readonly ImageShare[],
  layers: readonly SharedLayer[],
  inputs: readonly ShareInputImage[],
): SharingTotals {
  const size = images.reduce((sum, i) => sum + i.size, 0);
  const dedupedSize = layers.reduce((sum, l) => sum + l.size, 0);
  const compressedSize = images.some((i) => i.compressedSize === null)
    ? null
    : images.reduce((sum, i) => sum + (i.compressedSize ?? 0), 0);
  // The wire deduplicates by blob digest: the same diff id compressed two ways is two downloads.
  const wire = new Map<string, number | null>();
  let estimated = false;
  for (const { image } of inputs) {
    for (const layer of image.layers) {
      // First seen wins, as everywhere in the index (and in the SQL of docs/sql/).
      const wireId = wireKey(layer);
      if (!wire.has(wireId)) wire.set(wireId, layer.compressedSize);
      estimated ||= layer.compressedSizeEstimated;
    }
  }
  const wireSizes = [...wire.values()];
  const dedupedCompressedSize = wireSizes.some((s) => s === null)
    ? null
    : wireSizes.reduce<number>((sum, s) => sum + (s ?? 0), 0);
  return {
    images: images.length,
    layers: layers.length,
    sharedLayers: layers.filter((l) => l.images.length > 1).length,
    size,
    dedupedSize,
    savedSize: size - dedupedSize,
    savedRatio: size === 0 ? 0 : (size - dedupedSize) / size,
    uncompressedSize: images.reduce((sum, i) => sum + i.uncompressedSize, 0),
    dedupedUncompressedSize: layers.reduce((sum, l) => sum + l.uncompressedSize, 0),
    compressedSize,
    dedupedCompressedSize: compressedSize === null ? null : dedupedCompressedSize,
    savedCompressedSize:
      compressedSize === null || dedupedCompressedSize === null ? null : compressedSize - dedupedCompressedSize,
    compressedSizeEstimated: estimated,
  };
}

/**
 * Shared bases: the longest layer prefixes that two or more images have in common. A prefix is
 * reported where its group of images stops growing together (some end there, or they split).
 */
function findBases(inputs: readonly IdentifiedImage[], rowsById: ReadonlyMap<string, LayerRow[]>): SharedBase[] {
  // A fleet's trie has a node per layer of every image (a million for 100,000 images), most of
  // them on one image's own tail: children maps and image lists are made only when needed.
  interface Node {
    children: Map<string, Node> | null;
    images: string[] | string;
    depth: number;
    row: LayerRow | null;
    parent: Node | null;
  }
  const root: Node = { children: null, images: [], depth: 0, row: null, parent: null };
  const fullLength = new Map<string, number>();
  const tagsById = new Map<string, readonly string[]>();
  for (const { image, id } of inputs) {
    tagsById.set(id, image.tags);
    const rows = rowsById.get(id) ?? [];
    fullLength.set(id, rows.length);
    let node = root;
    for (const row of rows) {
      // Prefixes compare by diff id: the same content in the same order is the same base.
      const step = row.diffId ?? row.key;
      node.children ??= new Map();
      let child = node.children.get(step);
      if (!child) {
        child = { children: null, images: id, depth: node.depth + 1, row, parent: node };
        node.children.set(step, child);
      } else if (typeof child.images === 'string') {
        child.images = [child.images, id];
      } else {
        child.images.push(id);
      }
      node = child;
    }
  }
  const countOf = (node: Node): number => (typeof node.images === 'string' ? 1 : node.images.length);
  const bases: SharedBase[] = [];
  const report = (node: Node): void => {
    if (node.depth === 0 || typeof node.images === 'string' || node.images.length < 2) return;
    const count = node.images.length;
    for (const c of node.children?.values() ?? []) if (countOf(c) === count) return;
    const path: LayerRow[] = [];
    for (let n: Node | null = node; n?.row; n = n.parent) path.push(n.row);
    path.reverse();
    const seen = new Set<string>();
    let size = 0;
    for (const row of path) {
      if (seen.has(row.key)) continue;
      seen.add(row.key);
      size += row.layer.contentSize ?? 0;
    }
    const baseImage = node.images.find((id) => fullLength.get(id) === node.depth) ?? null;
    const baseTags = baseImage ? tagsById.get(baseImage) : undefined;
    bases.push({
      name:
        baseTags?.[0] ??
        (baseImage ? baseImage.slice(7, 19) : (path.at(-1)?.layer.createdBy ?? path.at(-1)?.key ?? '?')),
      baseImage,
      layerCount: node.depth,
      size,
      images: node.images,
    });
  };
  // Post-order with an explicit stack: an image may have 100,000 layers, deeper than the call stack.
  const none: Node[] = [];
  const childrenOf = (node: Node): Iterator<Node> => (node.children ?? none).values();
  const stack: { node: Node; children: Iterator<Node> }[] = [{ node: root, children: childrenOf(root) }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (!top) break;
    const next = top.children.next();
    if (next.done) {
      stack.pop();
      report(top.node);
    } else {
      stack.push({ node: next.value, children: childrenOf(next.value) });
    }
  }
  return bases.sort((a, b) => b.images.length - a.images.length || b.size - a.size);
}

/**
 * The most-shared pairs without visiting all pairs. Images whose shared layers are the same set
 * form one class: every pair inside it shares exactly that set's bytes. Pairs across classes are
 * summed through the layer index over classes, not images (a fleet of 20,000 images on 30 bases
 * has about 30 classes). Then the largest class pairs are expanded into image pairs.
 */
function mostSharedPairs(
  images: readonly ImageShare[],
  layers: ReadonlyMap<string, { row: LayerRow; images: string[] }>,
): { pairs: SharedPair[]; exact: boolean } {
  const sizeOf = (key: string): number => layers.get(key)?.row.layer.contentSize ?? 0;
  const classes: { images: string[]; keys: string[]; size: number }[] = [];
  // 228 shared keys or more make a signature V8 hashes by its length alone: 2,000 classes of one
  // length took 13 s in a Map (issue 12).
  const classBySignature = new Map<string, number>();
  const classOfImage = new Map<string, number>();
  for (const share of images) {
    const keys = [...new Set(share.layerKeys)].filter((k) => (layers.get(k)?.images.length ?? 0) > 1).sort();
    if (keys.length === 0) continue;
    const signature = textKey(keys.join(' '));
    let index = classBySignature.get(signature);
    if (index === undefined) {
      index = classes.length;
      classBySignature.set(signature, index);
      classes.push({ images: [], keys, size: keys.reduce((sum, k) => sum + sizeOf(k), 0) });
    }
    classes[index]?.images.push(share.id);
    classOfImage.set(share.id, index);
  }
  // Only the first TOP_PAIRS candidates in this order are ever expanded: each gives a pair at least.
  const best: ClassPair[] = [];
  const offer = (a: number, b: number, size: number): void => {
    let at = best.length;
    while (at > 0 && precedes(a, b, size, best[at - 1] as ClassPair)) at--;
    if (at >= TOP_PAIRS) return;
    best.splice(at, 0, { a, b, size });
    if (best.length > TOP_PAIRS) best.pop();
  };
  classes.forEach((c, i) => {
    if (c.images.length > 1) offer(i, i, c.size);
  });
  // The layers that hold two classes or more, in index order, until the work limit.
  const held: { classes: number[]; size: number }[] = [];
  const layersOfClass: number[][] = classes.map(() => []);
  const lastLayer = new Int32Array(classes.length).fill(-1);
  let visited = 0;
  let work = 0;
  let exact = true;
  for (const [key, entry] of layers) {
    if (entry.images.length < 2) continue;
    visited++;
    const inClasses: number[] = [];
    for (const id of entry.images) {
      const c = classOfImage.get(id);
      if (c !== undefined && lastLayer[c] !== visited) {
        lastLayer[c] = visited;
        inClasses.push(c);
      }
    }
    if (inClasses.length < 2) continue;
    work += (inClasses.length * (inClasses.length - 1)) / 2;
    if (work > PAIR_WORK_LIMIT) {
      exact = false;
      break;
    }
    inClasses.sort((x, y) => x - y);
    for (const c of inClasses) layersOfClass[c]?.push(held.length);
    held.push({ classes: inClasses, size: sizeOf(key) });
  }
  // Pairs across classes, summed one class at a time into an array, each in layer order: a Map of
  // every pair overflowed at 16.7 million (6,000 classes holding one layer: exit 70 after 15 s).
  const sums = new Float64Array(classes.length);
  const lastClass = new Int32Array(classes.length).fill(-1);
  const touched: number[] = [];
  layersOfClass.forEach((own, a) => {
    for (const index of own) {
      const layer = held[index];
      if (!layer) continue;
      for (let j = above(layer.classes, a); j < layer.classes.length; j++) {
        const b = layer.classes[j] ?? 0;
        if (lastClass[b] !== a) {
          lastClass[b] = a;
          sums[b] = 0;
          touched.push(b);
        }
        sums[b] = (sums[b] ?? 0) + layer.size;
      }
    }
    for (const b of touched) offer(a, b, sums[b] ?? 0);
    touched.length = 0;
  });
  const pairs: SharedPair[] = [];
  for (const { a, b, size } of best) {
    const left = classes[a]?.images ?? [];
    const right = classes[b]?.images ?? [];
    for (let i = 0; i < left.length && pairs.length < TOP_PAIRS; i++) {
      for (let j = a === b ? i + 1 : 0; j < right.length && pairs.length < TOP_PAIRS; j++) {
        pairs.push({ images: [left[i] ?? '', right[j] ?? ''], sharedSize: size });
      }
    }
    if (pairs.length >= TOP_PAIRS) break;
  }
  return { pairs, exact };
}

/** Two classes of images (the same one twice for pairs inside it) and the bytes they share. */
interface ClassPair {
  readonly a: number;
  readonly b: number;
  readonly size: number;
}

/** Whether pair (a, b) of `size` shared bytes comes before `pair`: larger first, then by class. */
function precedes(a: number, b: number, size: number, pair: ClassPair): boolean {
  return size > pair.size || (size === pair.size && (a < pair.a || (a === pair.a && b < pair.b)));
}

/** The index of the first number above `value` in an ascending list. */
const above = (sorted: readonly number[], value: number): number =>
  firstPast(sorted.length, (i) => (sorted[i] ?? 0) > value);

function pullCosts(inputs: readonly IdentifiedImage[], have: readonly IdentifiedImage[]): SharingReport['transfer'] {
  const onWire = new Set<string>();
  const onDisk = new Set<string>();
  for (const { image } of have) {
    for (const layer of image.layers) {
      onWire.add(wireKey(layer));
      onDisk.add(layer.diffId ?? wireKey(layer));
    }
  }
  let total: number | null = 0;
  let diskTotal = 0;
  let anyEstimated = false;
  const images = inputs.map(({ image, id }): PullCost => {
    let pullSize: number | null = 0;
    let pullLayers = 0;
    let diskSize = 0;
    let estimated = false;
    for (const layer of image.layers) {
      const wire = wireKey(layer);
      if (!onWire.has(wire)) {
        onWire.add(wire);
        pullLayers++;
        pullSize = pullSize === null || layer.compressedSize === null ? null : pullSize + layer.compressedSize;
        estimated ||= layer.compressedSizeEstimated;
      }
      const disk = layer.diffId ?? wire;
      if (!onDisk.has(disk)) {
        onDisk.add(disk);
        diskSize += layer.contentSize ?? 0;
      }
    }
    total = total === null || pullSize === null ? null : total + pullSize;
    diskTotal += diskSize;
    anyEstimated ||= estimated;
    return { id, pullSize, pullLayers, diskSize, estimated };
  });
  return {
    have: have.map(({ id }) => id),
    images,
    pullSize: total,
    diskSize: diskTotal,
    estimated: anyEstimated,
  };
}
