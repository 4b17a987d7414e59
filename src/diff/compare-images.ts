import { overlayOfImage, type Overlay } from '../layer/overlay.js';
import { chainIds, type Digest } from '../model/digest.js';
import { textKey } from '../model/text-key.js';
import type { ImageReport, LayerReport } from '../model/image.js';
import { analyzeSharing, type PullCost } from '../sharing/analyze-sharing.js';
import { compareTrees, type FileDiff } from './compare-files.js';
import { comparePackages, type PackageDiff, type PackageLike } from './compare-packages.js';

export interface LayerEntry {
  readonly index: number;
  readonly diffId: Digest | null;
  /** Content bytes. */
  readonly size: number;
  readonly createdBy: string | null;
}

export interface LayerDiff {
  /** Layers of NEW whose diff id OLD also has: the same content, whatever lies below it. */
  readonly shared: number;
  /** Layers of NEW whose ChainID OLD also has: what Docker's store reuses as it is. */
  readonly sharedByChainId: number;
  /**
   * The first layer of NEW whose ChainID OLD lacks although later layers still share content
   * (a rebuilt base): Docker stores that layer and every one above it anew. Null otherwise.
   */
  readonly chainBreak: number | null;
  readonly added: readonly LayerEntry[];
  readonly removed: readonly LayerEntry[];
}

/** A Dockerfile step of NEW (or one OLD had and NEW dropped) and the bytes its layer adds. */
export interface StepGrowth {
  readonly createdBy: string | null;
  /** Layer index in NEW, or null for a step only OLD had. */
  readonly index: number | null;
  readonly fromSize: number;
  readonly toSize: number;
  readonly sizeDelta: number;
}

export interface ImageDiff {
  readonly from: ImageReport;
  readonly to: ImageReport;
  /** Content bytes: `to.contentSize - from.contentSize`. */
  readonly sizeDelta: number;
  /** Percent of `from.contentSize`; null when OLD is empty. */
  readonly percent: number | null;
  readonly layers: LayerDiff;
  /** Steps whose layers differ, largest absolute delta first. */
  readonly steps: readonly StepGrowth[];
  /** Null when either side carries no file lists. */
  readonly files: FileDiff | null;
  /** Null when packages were not read for both sides. */
  readonly packages: PackageDiff | null;
  /** What a node that runs OLD downloads and stores to run NEW (`share NEW --have OLD`). */
  readonly pull: PullCost;
}

export interface CompareOptions {
  readonly packages?: { readonly from: readonly PackageLike[]; readonly to: readonly PackageLike[] } | null;
  /** Final trees, when the caller already built them. */
  readonly overlays?: { readonly from: Overlay; readonly to: Overlay };
}

/** Whether an image carries the file lists a tree comparison needs. */
export function hasFileLists(image: ImageReport): boolean {
  return image.layers.every((l) => l.files.length > 0 || l.fileCount === 0 || !l.present);
}

const entryOf = (layer: LayerReport): LayerEntry => ({
  index: layer.index,
  diffId: layer.diffId,
  size: layer.contentSize ?? 0,
  createdBy: layer.createdBy,
});

/**
 * What changed from OLD to NEW, in content bytes: layers (by diff id and ChainID), growth by
 * step, the final trees path by path, packages, and the pull cost. Pure.
 */
export function compareImages(from: ImageReport, to: ImageReport, options: CompareOptions = {}): ImageDiff {
  const sizeDelta = to.contentSize - from.contentSize;
  const filesKnown = hasFileLists(from) && hasFileLists(to);
  const overlays = options.overlays ?? (filesKnown ? { from: overlayOfImage(from), to: overlayOfImage(to) } : null);
  const pull = analyzeSharing([{ image: to, sources: [] }], { have: [{ image: from, sources: [] }] }).transfer
    .images[0] ?? { id: '', pullSize: null, pullLayers: 0, diskSize: 0, estimated: false };
  return {
    from,
    to,
    sizeDelta,
    percent: from.contentSize === 0 ? null : (sizeDelta / from.contentSize) * 100,
    layers: compareLayers(from, to),
    steps: stepGrowth(from, to),
    files: overlays ? compareTrees(overlays.from, overlays.to) : null,
    packages: options.packages ? comparePackages(options.packages.from, options.packages.to) : null,
    pull,
  };
}

function knownChainIds(image: ImageReport): (Digest | null)[] {
  const diffIds = image.layers.map((l) => l.diffId);
  return diffIds.every((d): d is Digest => d !== null) ? chainIds(diffIds) : diffIds.map(() => null);
}

function compareLayers(from: ImageReport, to: ImageReport): LayerDiff {
  const fromDiffIds = new Set(from.layers.map((l) => l.diffId).filter((d) => d !== null));
  const toDiffIds = new Set(to.layers.map((l) => l.diffId).filter((d) => d !== null));
  const fromChains = new Set(knownChainIds(from).filter((c) => c !== null));
  const toChains = knownChainIds(to);
  let shared = 0;
  let sharedByChainId = 0;
  let firstChainMiss: number | null = null;
  for (const [i, layer] of to.layers.entries()) {
    const chain = toChains[i] ?? null;
    if (chain !== null && fromChains.has(chain)) sharedByChainId++;
    else firstChainMiss ??= i;
    if (layer.diffId !== null && fromDiffIds.has(layer.diffId)) shared++;
  }
  // A break matters only when content above it is still shared: Docker re-stores it all the same.
  const miss: number | null = firstChainMiss;
  const chainBreak =
    miss !== null && to.layers.some((l, i) => i > miss && l.diffId !== null && fromDiffIds.has(l.diffId)) ? miss : null;
  return {
    shared,
    sharedByChainId,
    chainBreak,
    added: to.layers.filter((l) => l.diffId === null || !fromDiffIds.has(l.diffId)).map(entryOf),
    removed: from.layers.filter((l) => l.diffId === null || !toDiffIds.has(l.diffId)).map(entryOf),
  };
}

/**
 * Pairs each layer of NEW with OLD's layer of the same diff id, else the first unpaired OLD layer
 * made by the same step text; the bytes each step adds are the differences. Steps of OLD left
 * unpaired count as removed. The deltas sum to the difference of the layers' content bytes.
 */
function stepGrowth(from: ImageReport, to: ImageReport): StepGrowth[] {
  const unpaired = new Set(from.layers.map((_, i) => i));
  const byDiffId = new Map<string, number>();
  // Each step's layers in order, and how many of them from the start are known to be paired:
  // the first unpaired one is found without searching the list again (100,000 layers made by
  // one step took minutes). Keyed by textKey: 2,000 steps of 16,411 characters took 8.4 s.
  const byStep = new Map<string, { layers: number[]; paired: number }>();
  from.layers.forEach((layer, i) => {
    if (layer.diffId !== null && !byDiffId.has(layer.diffId)) byDiffId.set(layer.diffId, i);
    const step = textKey(layer.createdBy ?? '');
    const slot = byStep.get(step);
    if (slot) slot.layers.push(i);
    else byStep.set(step, { layers: [i], paired: 0 });
  });
  const firstUnpaired = (step: string): number | undefined => {
    const slot = byStep.get(step);
    if (!slot) return undefined;
    while (slot.paired < slot.layers.length && !unpaired.has(slot.layers[slot.paired] ?? -1)) slot.paired++;
    return slot.layers[slot.paired];
  };
  const take = (i: number | undefined): LayerReport | null => {
    if (i === undefined || !unpaired.has(i)) return null;
    unpaired.delete(i);
    return from.layers[i] ?? null;
  };
  const steps: StepGrowth[] = [];
  const pendingByStep: LayerReport[] = [];
  // Same content first, so a step whose text repeats does not steal an unchanged layer's pair.
  const pairs = new Map<number, LayerReport | null>();
  to.layers.forEach((layer, i) => {
    if (layer.diffId !== null) {
      const match = take(byDiffId.get(layer.diffId));
      if (match) {
        pairs.set(i, match);
        return;
      }
    }
    pendingByStep.push(layer);
  });
  for (const layer of pendingByStep) pairs.set(layer.index, take(firstUnpaired(textKey(layer.createdBy ?? ''))));
  to.layers.forEach((layer, i) => {
    const before = pairs.get(i) ?? null;
    if (before !== null && before.diffId !== null && before.diffId === layer.diffId) return;
    const fromSize = before?.contentSize ?? 0;
    const toSize = layer.contentSize ?? 0;
    steps.push({ createdBy: layer.createdBy, index: i, fromSize, toSize, sizeDelta: toSize - fromSize });
  });
  for (const i of unpaired) {
    const layer = from.layers[i];
    if (!layer) continue;
    const fromSize = layer.contentSize ?? 0;
    steps.push({ createdBy: layer.createdBy, index: null, fromSize, toSize: 0, sizeDelta: -fromSize });
  }
  return steps.sort((a, b) => Math.abs(b.sizeDelta) - Math.abs(a.sizeDelta) || (a.index ?? 1e9) - (b.index ?? 1e9));
}
