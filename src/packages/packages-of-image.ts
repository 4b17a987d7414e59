import { terminalText } from '../report/display-text.js';
import { plural } from '../model/plural.js';
import { compareText } from '../model/compare-text.js';
import { firstPast } from '../model/search.js';
import { overlayOfImage, type Overlay, type OverlayTree } from '../layer/overlay.js';
import { MAX_LINK_WORK, TreeLinks } from '../layer/tree-links.js';
import type { ImageReport } from '../model/image.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { readApk } from './apk.js';
import { readDpkg } from './dpkg.js';
import type { DropReason } from '../layer/metadata-capture.js';
import {
  METADATA_ARCHIVE_CAP,
  METADATA_FILE_CAP,
  METADATA_LAYER_CAP,
  metadataKindOf,
  npmPackageRootOf,
} from './metadata-paths.js';
import { MetadataTexts } from './metadata-texts.js';
import { ListedPaths } from './listed-paths.js';
import { readNpm } from './npm.js';
import { readPip } from './pip.js';
import type { ImagePackages, PackageClaim, PackageRecord } from './types.js';

/** Each cap a database file can be dropped over, and how a warning names it. */
const CAPS: Record<DropReason, { readonly cap: number; readonly over: string }> = {
  'file-cap': { cap: METADATA_FILE_CAP, over: 'it is over the per-file' },
  'layer-cap': { cap: METADATA_LAYER_CAP, over: 'it is over the per-layer' },
  'archive-cap': {
    cap: METADATA_ARCHIVE_CAP,
    over: 'its layer is among those keeping the most when all together pass the archive',
  },
};

/** The final tree's copy of each kept database file: a status file rewritten upstairs wins. */
export function finalMetadataOf(
  image: ImageReport,
  tree: OverlayTree,
  problems: Problem[],
): { texts: MetadataTexts; layers: Map<string, number> } {
  const texts = new MetadataTexts();
  const layers = new Map<string, number>();
  image.layers.forEach((layer, layerIndex) => {
    for (const file of layer.metadataFiles ?? []) {
      const ref = tree.refs.get(file.path);
      if (ref === undefined || tree.layerOf(ref) !== layerIndex) continue;
      layers.set(file.path, layerIndex);
      if ('text' in file) {
        texts.add(file.path, file.kind ?? metadataKindOf(file.path), file.text);
        continue;
      }
      const { cap, over } = CAPS[file.dropped];
      problems.push(
        problem(
          ProblemCode.packageDatabase,
          'warning',
          `${terminalText(file.path)} (layer ${layerIndex}, ${file.size} bytes) was not read: ${over} cap of ${cap} bytes for package databases (huge or hostile?); what it owns counts as unowned`,
          file.path,
        ),
      );
    }
  });
  return { texts, layers };
}

/**
 * Attributes an image's final tree to the packages its databases list (dpkg, apk, npm, pip).
 * Sizes are content bytes of the package's paths that exist in the final tree (directories
 * excluded; a path two packages list counts for each); the rest is unowned, by top folder. A
 * report read back from `inspect --json --packages` returns its saved list. Pure.
 *
 * @example
 * ```ts
 * const report = await readArchive('app.tar', { keepMetadata: true });
 * const { packages, unownedSize } = packagesOfImage(report.images[0]);
 * ```
 */
export function packagesOfImage(image: ImageReport, overlay?: Overlay): ImagePackages {
  if (image.packages) return image.packages;
  return attributePackages(image, overlay ?? overlayOfImage(image)).result;
}

/** Whether packages can be told for this image: read with `keepMetadata`, or a report that saved them. */
export function hasPackageData(image: ImageReport): boolean {
  return image.packages !== undefined || image.layers.some((layer) => layer.metadataFiles !== undefined);
}

/** A measured package and the database file it came from (for npm: its package.json). */
export interface AttributedPackage {
  readonly record: PackageRecord;
  readonly source: string;
}

/** The measured packages biggest first, and their records: the list a result gives. */
interface SortedPackages {
  readonly attributed: readonly AttributedPackage[];
  readonly records: readonly PackageRecord[];
}

/** packagesOfImage, with each package's source and the final database texts, for audit findings. */
export function attributePackages(
  image: ImageReport,
  final: Overlay,
): { result: ImagePackages; attributed: readonly AttributedPackage[]; texts: MetadataTexts } {
  return PackageAttribution.of(image, final.tree).result();
}

/**
 * The attribution of a tree to its packages, kept so that it can be patched when the tree
 * changes under it without any database changing (issue 9: `inspect --packages` attributes the
 * lower layers' tree while the last layer is still being hashed, then patches the paths that
 * layer changes). A path can be owned by several packages: see `firstOwner`.
 */
export class PackageAttribution {
  private records: PackageRecord[] = [];
  private claimProblems: (Problem | null)[] = [];
  /**
   * Who owns what, by tree ref: each ref's first owning claim (-1: none), and the rest for a path
   * several packages list. A typed array, not a map by path: 55k map entries cost the head start
   * more than the lookups themselves (issue 9).
   */
  private firstOwner: Int32Array;
  private moreOwners = new Map<number, number[]>();
  /** Owners of listed paths that are not in the tree (a lying database, or removed upstairs). */
  private absentOwners = new Map<string, number[]>();
  private byFolder = new Map<string, number>();
  private sorted: SortedPackages | null = null;
  /**
   * Paths looked up while following listed paths' folders (TreeLinks.looked), over every measure: a patch
   * that changes one of them changes where paths lead, and cannot follow (canPatch).
   */
  private looked = new Set<string>();
  /** Whether `looked` is this attribution's alone: copies share it until one adds to it. */
  private lookedOwn = true;
  /** Every listed path, sorted, made when canPatch first needs it; copies share it (same claims). */
  private listing: { sorted: readonly string[] | null } = { sorted: null };
  /** Whether a measure gave up following links (MAX_LINK_WORK): warned once. */
  private linksExhausted = false;

  private constructor(
    private readonly claims: readonly PackageClaim[],
    private readonly baseProblems: readonly Problem[],
    private readonly texts: MetadataTexts,
    private readonly layers: ReadonlyMap<string, number>,
    tree: OverlayTree | null,
  ) {
    this.firstOwner = new Int32Array(tree === null ? 0 : tree.refCount).fill(-1);
    if (tree === null) return;
    // One method per loop: as one, the JIT compiled the first on the stack and bailed out where
    // the second began (issue 9).
    this.measureAll(tree);
    this.addAllUnowned(tree);
  }

  /**
   * A copy to patch apart from this one: images above one attributed chain of lower layers each
   * patch a copy of its attribution (SharedOverlays), in the work of the tree's refs copied and of
   * what the image changes, not of measuring every package again (issue 9).
   */
  copy(): PackageAttribution {
    const copy = new PackageAttribution(this.claims, this.baseProblems, this.texts, this.layers, null);
    copy.records = this.records.slice();
    copy.claimProblems = this.claimProblems.slice();
    copy.firstOwner = this.firstOwner.slice();
    this.moreOwners.forEach((owners, ref) => copy.moreOwners.set(ref, owners.slice()));
    this.absentOwners.forEach((owners, path) => copy.absentOwners.set(path, owners.slice()));
    copy.byFolder = new Map(this.byFolder);
    copy.looked = this.looked;
    copy.lookedOwn = false;
    this.lookedOwn = false;
    copy.listing = this.listing;
    copy.linksExhausted = this.linksExhausted;
    // Sorted lists are never changed, only made again when a package is measured again.
    copy.sorted = this.sorted;
    return copy;
  }

  private measureAll(tree: OverlayTree): void {
    const links = new TreeLinks(tree);
    for (let index = 0; index < this.claims.length; index++) {
      // A path a claim lists twice counts once: when the claim first becomes its owner.
      this.measure(index, tree, links, (path, ref) => this.own(index, path, ref));
    }
    this.keepLooked(links);
  }

  /** Remembers the paths `links` looked up, and whether it gave up. */
  private keepLooked(links: TreeLinks): void {
    if (links.looked.size === 0) return;
    if (!this.lookedOwn) {
      this.looked = new Set(this.looked);
      this.lookedOwn = true;
    }
    links.looked.forEach((path) => this.looked.add(path));
    this.linksExhausted ||= links.exhausted;
  }

  private addAllUnowned(tree: OverlayTree): void {
    const { firstOwner } = this;
    // forEach, not for-of: no [path, ref] pair per entry while this code is still cold.
    tree.forEachRef((ref, path) => {
      if (firstOwner[ref] === -1) this.addUnowned(path, tree.contentSize(ref), 1);
    });
  }

  /** Reads the databases of the image's tree (the final copy of each) and attributes the tree. */
  static of(image: ImageReport, tree: OverlayTree): PackageAttribution {
    const problems: Problem[] = [];
    const { texts, layers } = finalMetadataOf(image, tree, problems);
    const listed = new ListedPaths(problems);
    const claims: PackageClaim[] = [
      ...readDpkg(texts, listed, problems),
      ...readApk(texts, listed, problems),
      // In the tree's order: a package's files come one after another (see readNpm).
      ...readNpm(texts, tree.inOrder(), problems),
      ...readPip(texts, listed, problems),
    ];
    return new PackageAttribution(claims, problems, texts, layers, tree);
  }

  /**
   * Follows a change of the tree: `changes` holds each changed path's ref from before (see
   * OverlayBuilder.trackChanges), `tree` is the tree now. Only valid when no database file and
   * no npm package folder changed: see {@link changesDatabases}.
   */
  patch(changes: ReadonlyMap<string, number | undefined>, tree: OverlayTree): void {
    const affected = new Set<number>();
    for (const [path, before] of changes) {
      const now = tree.refs.get(path);
      if (now === before) continue;
      const owners = this.ownersOf(path, before);
      if (owners.length === 0) {
        if (before !== undefined) this.addUnowned(path, tree.contentSize(before), -1);
        if (now !== undefined) this.addUnowned(path, tree.contentSize(now), 1);
        continue;
      }
      // The path's owners follow it to its new copy, or wait for it among the absent.
      this.absentOwners.delete(path);
      for (const index of owners) {
        affected.add(index);
        this.own(index, path, now);
      }
    }
    const links = new TreeLinks(tree);
    for (const index of affected) {
      const seen = new Set<string>();
      this.measure(index, tree, links, (path) => {
        if (seen.has(path)) return false;
        seen.add(path);
        return true;
      });
    }
    this.keepLooked(links);
  }

  /**
   * Whether `patch` can follow these changes of the tree: no database or npm package folder
   * changed (changesDatabases), and no symlink that could change where a listed path leads: a link
   * now or before at a path that following listed paths looked up, or at a folder that a listed
   * path lies under (a binary search of the sorted listing per changed link). A link elsewhere (an
   * app's own) is patched like any file. Nor a hard link that came to hold its file's bytes (the
   * file's name left the tree): its size changed in place, and its size before is not known.
   */
  canPatch(changes: ReadonlyMap<string, number | undefined>, tree: OverlayTree): boolean {
    // A measure that gave up following links stopped at a point a patch would not stop at.
    if (changesDatabases(changes) || this.linksExhausted) return false;
    for (const [path, before] of changes) {
      if (before !== undefined && tree.holdsInode(before)) return false;
      const now = tree.refs.get(path);
      const wasLink = before !== undefined && tree.type(before) === 'symlink';
      if (!wasLink && (now === undefined || tree.type(now) !== 'symlink')) continue;
      if (this.looked.has(path) || this.listsUnder(path)) return false;
    }
    return true;
  }

  /** Whether a claim lists a path inside the folder `folder`: a binary search of the sorted listing. */
  private listsUnder(folder: string): boolean {
    const prefix = `${folder}/`;
    let sorted = this.listing.sorted;
    if (sorted === null) {
      const all: string[] = [];
      for (const claim of this.claims) {
        const paths = claim.paths ?? [];
        for (let i = 0; i < paths.length; i++) all.push(paths[i] as string);
      }
      sorted = all.sort();
      this.listing.sorted = sorted;
    }
    const list = sorted;
    const at = firstPast(list.length, (i) => (list[i] as string) >= prefix);
    return at < list.length && (list[at] as string).startsWith(prefix);
  }

  /**
   * Makes claim `index` an owner of `path` (at `ref` in the tree, or absent); false when it was
   * one already. Owners come in increasing order (claim by claim, or copied in order to a path's
   * new copy), so the last one is the only one to check: a path that thousands of packages
   * list costs a comparison per listing, not a search.
   */
  private own(index: number, path: string, ref: number | undefined): boolean {
    if (ref === undefined) {
      const owners = this.absentOwners.get(path);
      if (owners === undefined) this.absentOwners.set(path, [index]);
      else if (owners[owners.length - 1] === index) return false;
      else owners.push(index);
      return true;
    }
    if (ref >= this.firstOwner.length) {
      const grown = new Int32Array(Math.max(ref + 1, this.firstOwner.length * 2)).fill(-1);
      grown.set(this.firstOwner);
      this.firstOwner = grown;
    }
    const first = this.firstOwner[ref] as number;
    if (first === -1) {
      this.firstOwner[ref] = index;
      return true;
    }
    if (first === index) return false;
    const more = this.moreOwners.get(ref);
    if (more === undefined) this.moreOwners.set(ref, [index]);
    else if (more[more.length - 1] === index) return false;
    else more.push(index);
    return true;
  }

  /** The claims that own `path`, whose copy in the tree was `ref` (undefined: absent). */
  private ownersOf(path: string, ref: number | undefined): readonly number[] {
    if (ref === undefined) return this.absentOwners.get(path) ?? [];
    const first = ref < this.firstOwner.length ? (this.firstOwner[ref] as number) : -1;
    if (first === -1) return [];
    return [first].concat(this.moreOwners.get(ref) ?? []);
  }

  result(): { result: ImagePackages; attributed: readonly AttributedPackage[]; texts: MetadataTexts } {
    const { attributed, records } = this.sortedPackages();
    let unownedSize = 0;
    const unownedByFolder: { folder: string; size: number }[] = [];
    for (const [folder, size] of this.byFolder) {
      if (size === 0) continue;
      unownedSize += size;
      unownedByFolder.push({ folder, size });
    }
    unownedByFolder.sort((a, b) => b.size - a.size || compareText(a.folder, b.folder));
    const problems = [...this.baseProblems];
    for (const found of this.claimProblems) if (found !== null) problems.push(found);
    if (this.linksExhausted) {
      problems.push(
        problem(
          ProblemCode.packageDatabase,
          'warning',
          `the package databases of this image name paths through more symlinked folders than layerlens follows (${MAX_LINK_WORK} characters of paths; huge or hostile?); the paths past it count as not in the image`,
          null,
        ),
      );
    }
    return {
      result: { packages: records, unownedSize, unownedByFolder, problems },
      attributed,
      texts: this.texts,
    };
  }

  /**
   * The measured packages, biggest first (and their records, the list `result` gives): sorted once
   * and kept until a package is measured again. The head start sorts them while the last layer is
   * hashed; a patch that changes no package leaves the same lists (issue 9: the sort was a third
   * of the work after the read).
   */
  sortedPackages(): SortedPackages {
    if (this.sorted === null) {
      const attributed = this.claims.map((claim, index) => ({
        record: this.records[index] as PackageRecord,
        source: claim.source,
      }));
      attributed.sort(
        ({ record: a }, { record: b }) =>
          b.size - a.size ||
          compareText(a.ecosystem, b.ecosystem) ||
          compareText(a.name, b.name) ||
          compareText(a.version ?? '', b.version ?? ''),
      );
      this.sorted = { attributed, records: attributed.map((a) => a.record) };
    }
    return this.sorted;
  }

  private addUnowned(path: string, size: number, sign: 1 | -1): void {
    if (size === 0) return;
    const folder = topFolderOf(path);
    this.byFolder.set(folder, (this.byFolder.get(folder) ?? 0) + sign * size);
  }

  /** Measures claim `index` against `tree`; `firstTime` says whether a listed path is new to it. */
  private measure(
    index: number,
    tree: OverlayTree,
    links: TreeLinks,
    firstTime: (path: string, ref: number | undefined) => boolean,
  ): void {
    const claim = this.claims[index] as PackageClaim;
    const { ecosystem, name, version, paths } = claim;
    this.sorted = null;
    this.claimProblems[index] = null;
    if (paths === null) {
      this.records[index] = {
        ecosystem,
        name,
        version,
        size: claim.declaredSize ?? 0,
        fileCount: 0,
        layerIndex: this.layers.get(claim.source) ?? null,
        declared: true,
      };
      return;
    }
    // An indexed loop and a record written out, not spread: this runs cold on the main thread
    // for every listed path while a worker still hashes, and the spread alone took a sixth of it
    // (issue 9).
    let size = 0;
    let fileCount = 0;
    let top = -1;
    let listed = 0;
    let found = 0;
    for (let i = 0; i < paths.length; i++) {
      let path = paths[i] as string;
      let ref = tree.refs.get(path);
      if (ref === undefined) {
        // Not in the tree as listed: maybe through a symlinked folder (a merged /usr), where the
        // path leads is what the package owns. Paths found as listed have no link above them (a
        // link over a folder hides what was below it).
        const resolved = links.resolve(path);
        if (resolved !== null && resolved !== path) {
          path = resolved;
          ref = tree.refs.get(path);
        }
      }
      if (!firstTime(path, ref)) continue;
      listed++;
      if (ref === undefined) continue;
      found++;
      if (tree.isDirectory(ref)) continue;
      fileCount++;
      size += tree.contentSize(ref);
      const layer = tree.layerOf(ref);
      if (layer > top) top = layer;
    }
    this.records[index] = { ecosystem, name, version, size, fileCount, layerIndex: top === -1 ? null : top };
    if (listed > 0 && found === 0) {
      this.claimProblems[index] = problem(
        ProblemCode.packageDatabase,
        'warning',
        `${terminalText(claim.source)} lists ${plural(listed, 'path')} for ${claim.ecosystem} package ${terminalText(claim.name)}, none of them in the image (removed by hand, or a lying database?)`,
        claim.source,
      );
    }
  }
}

/**
 * Whether a change of the tree can change what the databases say: a database file or an npm
 * package folder (whose paths are its files) changed. Then the attribution is made afresh.
 */
export function changesDatabases(changes: ReadonlyMap<string, number | undefined>): boolean {
  for (const path of changes.keys()) {
    if (metadataKindOf(path) !== null || npmPackageRootOf(path) !== null) return true;
  }
  return false;
}

/** Where unowned bytes are grouped: the first folder, or the first two under usr, var and opt. */
export function topFolderOf(path: string): string {
  const first = path.indexOf('/');
  if (first === -1) return '/';
  const head = path.slice(0, first);
  if (head === 'usr' || head === 'var' || head === 'opt') {
    const second = path.indexOf('/', first + 1);
    if (second !== -1) return `${path.slice(0, second)}/`;
  }
  return `${head}/`;
}
