import {
  namingImage,
  overlayOfImage,
  OverlayBuilder,
  SharedOverlays,
  type AboveChain,
  type Overlay,
  type OverlayTree,
} from '../layer/overlay.js';
import type { ImageReport, LayerReport } from '../model/image.js';
import type { ProvisionalReport } from '../read-archive.js';
import { PackageAttribution, packagesOfImage } from './packages-of-image.js';
import type { ImagePackages, PackageRecord } from './types.js';

/** Archives with more images than this get no head start: finding each image's guess stays cheap. */
const MAX_IMAGES = 64;

/**
 * The lower layers of an image, applied and attributed while the upper ones were being read; not
 * attributed yet (null) while more than one of its layers was (see onProvisional).
 */
interface Guess {
  readonly layers: readonly LayerReport[];
  readonly builder: OverlayBuilder;
  readonly attribution: PackageAttribution | null;
}

/**
 * `inspect --packages` without waiting for the last layer (issue 9). While workers hash the
 * last large blobs of an archive, readArchive hands over the images as far as they are known
 * (`onProvisional`): the layers below the first one still being read are applied and their tree
 * attributed to packages then, on a core that would otherwise be idle. Once the read is complete,
 * `packagesOf` checks that the image really starts with those layers (the same file lists, not
 * just the same names), applies the rest, and patches the attribution for the paths they change;
 * when they change a package database, an npm package folder or a symlink that listed paths lead
 * through (PackageAttribution.canPatch), it attributes afresh. Either way
 * the result is exactly what `packagesOfImage(image, overlayOfImage(image))` gives.
 */
export class PackageHeadStart {
  private readonly guesses = new Map<object, Guess[]>();
  /** How each image's packages were found: from a guess patched or made afresh, or from nothing. */
  readonly counts = { patched: 0, afresh: 0, cold: 0 };

  /**
   * `onPackageList` gets each guess's package list, biggest first, while the last layers are still
   * being read: the list the result will have unless the rest changes a package (`inspect
   * --packages --json` renders it for its output then).
   */
  constructor(
    private readonly options: { readonly onPackageList?: (packages: readonly PackageRecord[]) => void } = {},
  ) {}

  readonly onProvisional = (provisional: ProvisionalReport): void => {
    // A save of many images gains little and would make every lookup a long scan.
    if (provisional.images.length > MAX_IMAGES) return;
    const earlier = this.guesses.get(provisional.read) ?? [];
    const guesses: Guess[] = [];
    for (const image of provisional.images) {
      let known = 0;
      while (known < image.layers.length && !isPending(image.layers[known] as LayerReport, provisional.pending))
        known++;
      if (known === 0 || known === image.layers.length) continue;
      // With two layers still being read (one after the other on one worker: the other worker is
      // idle), this is called again when the first of them is done: the layers known are applied
      // now, and attributed then. A layer that ends below the last may bring databases, and with
      // them an attribution made afresh: the first one was for nothing (issue 9: 50-100 ms of the
      // main thread when the npm layer of the bench's input ended before the small pip layer).
      const attribute = pendingCount(image, known, provisional.pending) === 1;
      // An earlier guess for the same image goes on from where it was.
      const at = earlier.findIndex((guess) => guess.builder.layerCount <= known && startsWith(image, guess));
      if (at !== -1) {
        const [guess] = earlier.splice(at, 1) as [Guess];
        guesses.push(this.prepared(advance({ ...guess, layers: image.layers }, image, known, attribute).guess));
        continue;
      }
      const builder = new OverlayBuilder();
      for (const layer of image.layers.slice(0, known)) builder.apply(layer.files, layer.diffId);
      const lower = { ...image, layers: image.layers.slice(0, known) };
      const attribution = attribute ? PackageAttribution.of(lower, builder.tree) : null;
      guesses.push(this.prepared({ layers: image.layers, builder, attribution }));
    }
    this.guesses.set(provisional.read, guesses);
  };

  /** Sorts the guess's packages now, on the idle core: a patch that changes no package keeps the order. */
  private prepared(guess: Guess): Guess {
    if (guess.attribution === null) return guess;
    const { records } = guess.attribution.sortedPackages();
    this.options.onPackageList?.(records);
    return guess;
  }

  /**
   * The image's packages and overlay, from a guess when one fits; each guess is used once. Without
   * one, from `shared` (sharedPackageOverlays of the images asked for) when given.
   */
  packagesOf(image: ImageReport, shared?: SharedOverlays<ChainPackages>): { result: ImagePackages; overlay: Overlay } {
    for (const guesses of this.guesses.values()) {
      const at = guesses.findIndex((guess) => startsWith(image, guess));
      if (at === -1) continue;
      const [guess] = guesses.splice(at, 1) as [Guess];
      const { guess: done, patched } = namingImage(image, () => advance(guess, image, image.layers.length, true));
      this.counts[patched ? 'patched' : 'afresh']++;
      return { result: attributed(done).result().result, overlay: done.builder.finish() };
    }
    this.counts.cold++;
    if (shared === undefined) {
      const overlay = overlayOfImage(image);
      return { result: packagesOfImage(image, overlay), overlay };
    }
    const { overlay, above } = shared.ofChained(image);
    const patched = above && patchedAbove(image, above.value, above, overlay.tree);
    return { result: patched?.result().result ?? packagesOfImage(image, overlay), overlay };
  }
}

/** A chain of lower layers that images share, attributed once (see sharedPackageOverlays). */
export interface ChainPackages {
  /** The image of the chain's layers that it was attributed for. */
  readonly lower: ImageReport;
  readonly attribution: PackageAttribution;
}

/**
 * SharedOverlays of the images whose packages are asked for, in that order: a chain of lower
 * layers they share is attributed once, and each image above it patches a copy of that for the
 * paths its own layers change, as the head start patches a guess (100 images on one 100,000-entry
 * base: measuring every package of every image was 3.6 of inspect --packages' 6.3 s, issue 9).
 */
export function sharedPackageOverlays(images: readonly ImageReport[]): SharedOverlays<ChainPackages> {
  return new SharedOverlays(images, chainPackagesOf);
}

/** The chain's tree attributed, for the images above it to patch (see patchedAbove). */
export function chainPackagesOf(lower: ImageReport, tree: OverlayTree): ChainPackages {
  const attribution = PackageAttribution.of(lower, tree);
  // Sorted once here: a copy whose patch changes no package keeps the order.
  attribution.sortedPackages();
  return { lower, attribution };
}

/**
 * The attribution of the image's tree: the chain's below its own layers (`above`), copied and
 * patched; null when it must be made afresh: the chain's layers keep other databases (another
 * read), or the image's own layers bring or change databases.
 */
export function patchedAbove(
  image: ImageReport,
  chain: ChainPackages,
  above: AboveChain<unknown>,
  tree: OverlayTree,
): PackageAttribution | null {
  const { lower, attribution } = chain;
  if (image.packages) return null;
  // By identity, which does not miss: a chain is of the same file lists, so of the same blobs read
  // once, and metadataFilesOf gives the same array for a blob's capture each time.
  for (let i = 0; i < above.depth; i++) {
    if (image.layers[i]?.metadataFiles !== lower.layers[i]?.metadataFiles) return null;
  }
  if (bringsDatabases(image.layers.slice(above.depth)) || !attribution.canPatch(above.changes, tree)) return null;
  const patched = attribution.copy();
  patched.patch(above.changes, tree);
  return patched;
}

/** Whether any of the layers keeps package database files: a patch cannot follow them. */
function bringsDatabases(layers: readonly LayerReport[]): boolean {
  return layers.some((layer) => (layer.metadataFiles?.length ?? 0) > 0);
}

/**
 * Applies the image's layers from the guess's last up to `known`, and (with `attribute`) brings
 * the attribution up to date: patched for the paths they change, or made afresh when they change
 * a database or a link paths lead through, or there was none. Changes are tracked only when a patch
 * may follow.
 */
function advance(
  guess: Guess,
  image: ImageReport,
  known: number,
  attribute: boolean,
): { guess: Guess; patched: boolean } {
  const { builder, attribution } = guess;
  const added = image.layers.slice(builder.layerCount, known);
  const patchable = attribute && attribution !== null && !bringsDatabases(added);
  let changes: ReadonlyMap<string, number | undefined> = new Map();
  if (patchable) changes = builder.trackChanges();
  else builder.stopTrackingChanges();
  for (const layer of added) builder.apply(layer.files, layer.diffId);
  if (!attribute) return { guess: { ...guess, attribution: null }, patched: false };
  if (!patchable || !attribution.canPatch(changes, builder.tree)) {
    const lower = known === image.layers.length ? image : { ...image, layers: image.layers.slice(0, known) };
    return { guess: { ...guess, attribution: PackageAttribution.of(lower, builder.tree) }, patched: false };
  }
  attribution.patch(changes, builder.tree);
  return { guess, patched: true };
}

/** The guess's attribution, which advance with `attribute` always leaves. */
function attributed(guess: Guess): PackageAttribution {
  if (guess.attribution === null) throw new Error('internal: a guess without its attribution');
  return guess.attribution;
}

/** How many blobs of the image's layers from `known` on are still being read (a layer listed twice is one). */
function pendingCount(image: ImageReport, known: number, pending: ReadonlySet<string>): number {
  const reading = new Set<string>();
  for (const layer of image.layers.slice(known)) if (isPending(layer, pending)) reading.add(layer.entry);
  return reading.size;
}

/** Whether the layer's blob is still being read (a layer with no blob never is). */
function isPending(
  layer: LayerReport,
  pending: ReadonlySet<string>,
): layer is LayerReport & { readonly entry: string } {
  return layer.entry !== null && pending.has(layer.entry);
}

/** Whether the image has the guess's number of layers and starts with its applied layers, record for record. */
function startsWith(image: ImageReport, guess: Guess): boolean {
  if (image.layers.length !== guess.layers.length) return false;
  for (let i = 0; i < guess.builder.layerCount; i++) {
    const a = image.layers[i] as LayerReport;
    const b = guess.layers[i] as LayerReport;
    // A layer with no files may be a new empty list each time the images are read.
    const sameFiles = a.files === b.files || (a.files.length === 0 && b.files.length === 0);
    if (!sameFiles || a.metadataFiles !== b.metadataFiles || a.diffId !== b.diffId) return false;
  }
  return true;
}
