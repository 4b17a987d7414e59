import { terminalText } from '../report/display-text.js';
import { plural } from '../model/plural.js';
import { compareText } from '../model/compare-text.js';
import { contentBytesOf } from '../layer/layer-contents.js';
import { overlayOfImage, type Overlay, type TreeEntry } from '../layer/overlay.js';
import type { ImageReport } from '../model/image.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { readApk } from './apk.js';
import { readDpkg } from './dpkg.js';
import { METADATA_FILE_CAP, METADATA_LAYER_CAP } from './metadata-paths.js';
import { readNpm } from './npm.js';
import { readPip } from './pip.js';
import type { ImagePackages, PackageClaim, PackageRecord } from './types.js';

/** The final tree's copy of each kept database file: a status file rewritten upstairs wins. */
export function finalMetadataOf(
  image: ImageReport,
  overlay: Overlay,
  problems: Problem[],
): { texts: Map<string, string>; layers: Map<string, number> } {
  const texts = new Map<string, string>();
  const layers = new Map<string, number>();
  image.layers.forEach((layer, layerIndex) => {
    for (const file of layer.metadataFiles ?? []) {
      if (overlay.tree.get(file.path)?.layerIndex !== layerIndex) continue;
      layers.set(file.path, layerIndex);
      if ('text' in file) {
        texts.set(file.path, file.text);
        continue;
      }
      const cap = file.dropped === 'file-cap' ? METADATA_FILE_CAP : METADATA_LAYER_CAP;
      problems.push(
        problem(
          ProblemCode.packageDatabase,
          'warning',
          `${terminalText(file.path)} (layer ${layerIndex}, ${file.size} bytes) was not read: it is over the ${file.dropped === 'file-cap' ? 'per-file' : 'per-layer'} cap of ${cap} bytes for package databases (huge or hostile?); what it owns counts as unowned`,
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

/** packagesOfImage, with each package's source and the final database texts, for audit findings. */
export function attributePackages(
  image: ImageReport,
  final: Overlay,
): { result: ImagePackages; attributed: readonly AttributedPackage[]; texts: ReadonlyMap<string, string> } {
  const problems: Problem[] = [];
  const { texts, layers } = finalMetadataOf(image, final, problems);
  const claims: PackageClaim[] = [
    ...readDpkg(texts, problems),
    ...readApk(texts, problems),
    ...readNpm(texts, final.tree.keys(), problems),
    ...readPip(texts, problems),
  ];
  const owned = new Set<string>();
  const attributed = claims.map((claim) => ({
    record: measure(claim, final.tree, layers, owned, problems),
    source: claim.source,
  }));
  attributed.sort(
    ({ record: a }, { record: b }) =>
      b.size - a.size ||
      compareText(a.ecosystem, b.ecosystem) ||
      compareText(a.name, b.name) ||
      compareText(a.version ?? '', b.version ?? ''),
  );
  const packages = attributed.map((a) => a.record);
  const byFolder = new Map<string, number>();
  let unownedSize = 0;
  for (const [path, entry] of final.tree) {
    if (owned.has(path)) continue;
    const size = contentBytesOf(entry.record.type, entry.record.size, entry.record.linkTarget);
    if (size === 0) continue;
    unownedSize += size;
    const folder = topFolderOf(path);
    byFolder.set(folder, (byFolder.get(folder) ?? 0) + size);
  }
  const unownedByFolder = [...byFolder]
    .map(([folder, size]) => ({ folder, size }))
    .sort((a, b) => b.size - a.size || compareText(a.folder, b.folder));
  return { result: { packages, unownedSize, unownedByFolder, problems }, attributed, texts };
}

function measure(
  claim: PackageClaim,
  tree: ReadonlyMap<string, TreeEntry>,
  layers: ReadonlyMap<string, number>,
  owned: Set<string>,
  problems: Problem[],
): PackageRecord {
  const base = { ecosystem: claim.ecosystem, name: claim.name, version: claim.version };
  if (claim.paths === null) {
    return {
      ...base,
      size: claim.declaredSize ?? 0,
      fileCount: 0,
      layerIndex: layers.get(claim.source) ?? null,
      declared: true,
    };
  }
  let size = 0;
  let fileCount = 0;
  let layerIndex: number | null = null;
  let found = 0;
  const seen = new Set<string>();
  for (const path of claim.paths) {
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = tree.get(path);
    if (!entry) continue;
    found++;
    if (entry.record.type === 'directory') continue;
    owned.add(path);
    fileCount++;
    size += contentBytesOf(entry.record.type, entry.record.size, entry.record.linkTarget);
    if (layerIndex === null || entry.layerIndex > layerIndex) layerIndex = entry.layerIndex;
  }
  if (seen.size > 0 && found === 0) {
    problems.push(
      problem(
        ProblemCode.packageDatabase,
        'warning',
        `${terminalText(claim.source)} lists ${plural(seen.size, 'path')} for ${claim.ecosystem} package ${terminalText(claim.name)}, none of them in the image (removed by hand, or a lying database?)`,
        claim.source,
      ),
    );
  }
  return { ...base, size, fileCount, layerIndex };
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
