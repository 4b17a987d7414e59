import { plural } from '../model/plural.js';
import type { ImageReport } from '../model/image.js';
import type { HiddenCopy, Overlay, TreeEntry } from '../layer/overlay.js';
import type { FileRecord } from '../layer/file-list.js';
import { layerLabels } from '../model/history-step.js';
import { globSet, matchesAny, NO_GLOBS, type GlobSet } from './glob.js';

/** Layering advice: data, worded here, rendered in report/. */
export const FindingCode = {
  addedThenRemoved: 'ADDED_THEN_REMOVED',
  overwritten: 'OVERWRITTEN',
  packageCache: 'PACKAGE_CACHE',
  aptUpdateAlone: 'APT_UPDATE_ALONE',
  dependenciesAfterSources: 'DEPENDENCIES_AFTER_SOURCES',
  duplicateFiles: 'DUPLICATE_FILES',
  manyTinyLayers: 'MANY_TINY_LAYERS',
  buildToolsInImage: 'BUILD_TOOLS_IN_IMAGE',
  devDependencies: 'DEV_DEPENDENCIES',
  docsAndManPages: 'DOCS_AND_MAN_PAGES',
} as const;
export type FindingCode = (typeof FindingCode)[keyof typeof FindingCode];

export interface Finding {
  readonly code: FindingCode;
  readonly severity: 'warning' | 'info';
  readonly message: string;
  /** Bytes at stake: what fixing it would save (or, for ordering, what a source change re-pushes). */
  readonly bytes: number;
  readonly layerIndex: number | null;
  readonly paths: readonly string[];
  readonly createdBy: string | null;
}

const MAX_PATHS = 10;
const TINY_LAYER = 1024;
const TINY_LAYER_COUNT = 5;
const DUPLICATE_MIN = 1024;
/** A dependency layer this large, above a whole-context copy, is worth reordering. */
const DEPENDENCY_LAYER_MIN = 1024 * 1024;

/** Package-manager caches that a final image never needs (each cleans up in its own RUN step). */
const CACHES: readonly { label: string; globs: GlobSet }[] = [
  { label: 'apt lists', globs: ['var/lib/apt/lists/**'] },
  { label: 'apt archives', globs: ['var/cache/apt/**'] },
  { label: 'apk cache', globs: ['var/cache/apk/**', 'etc/apk/cache/**'] },
  { label: 'yum/dnf cache', globs: ['var/cache/yum/**', 'var/cache/dnf/**'] },
  { label: 'npm cache', globs: ['root/.npm/**', 'home/*/.npm/**'] },
  { label: 'yarn cache', globs: ['usr/local/share/.cache/yarn/**', 'root/.cache/yarn/**', 'home/*/.cache/yarn/**'] },
  { label: 'pip cache', globs: ['root/.cache/pip/**', 'home/*/.cache/pip/**'] },
].map((c) => ({ label: c.label, globs: globSet(c.globs, 'path') }));

const DEPENDENCY_STEP =
  /\b(npm (ci|install)|yarn( install)?\b|pnpm install|pip3? install|poetry install|bundle install|go mod download|mvn |gradle|composer install|cargo (build|fetch))/;
/*
 * Regexes over history text stay linear (issue 12: 400,000 `COPY ` words made `COPY.*?x`
 * backtrack for minutes). A copy of the whole context is the first COPY/ADD word followed, anywhere
 * later, by a lone `.` or `./` source or BuildKit's `dir:<hex> in`: found in two linear passes.
 */
const COPY_WORD = /\b(COPY|ADD)\b/;
const CONTEXT_SOURCE = /\s\.\/?\s|dir:[0-9a-f]+ in /;

export function copiesContext(text: string): boolean {
  const copy = COPY_WORD.exec(text);
  return copy !== null && CONTEXT_SOURCE.test(text.slice(copy.index + copy[0].length));
}

/**
 * `apt-get [-flags…] install` in linear time: the regex `(apt-get|apt) (-\S+ )*install` restarts
 * its flag loop at every `apt` word, quadratic on `apt-get -apt-get -apt-get …`. Words are
 * scanned right to left, remembering whether the next non-flag word is `install`.
 */
export function hasAptInstall(text: string): boolean {
  const words = text.split(' ');
  let installNext = false;
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i] ?? '';
    if (/(^|\W)(apt-get|apt)$/.test(word) && installNext) return true;
    if (!word.startsWith('-') || word.length < 2) installNext = /^install\b/.test(word);
  }
  return false;
}

/**
 * Whether findLayeringIssues may look at this path of a tree (a cache, or a copy of a file): the
 * paths it is given (`paths`) are the tree's, in its order, that this tells or more (audit hands
 * those of a shared chain that this tells, and those the image's own layers changed).
 */
export function mayFindLayeringIssue(path: string, record: FileRecord): boolean {
  // A hard link may hold its file's bytes (a cache finding counts them): see the caches below.
  if (record.type !== 'file' && record.type !== 'hardlink') return false;
  if (record.sha256 !== null && record.size >= DUPLICATE_MIN) return true;
  return CACHES.some((c) => matchesAny(path, c.globs));
}

/**
 * Reads an image's layers and final tree for the mistakes that make images big: bytes hidden
 * by later layers, caches left behind, steps in an order that re-pushes dependencies, copies of
 * the same file, and many tiny layers. `ignore` path globs exempt paths from waste findings.
 */
export function findLayeringIssues(
  image: ImageReport,
  overlay: Overlay,
  ignore: GlobSet = NO_GLOBS,
  paths: Iterable<[string, TreeEntry]> = overlay.tree,
): Finding[] {
  const findings: Finding[] = [];
  const step = (index: number): string | null => image.layers[index]?.createdBy ?? null;
  const where = layerLabels(image.layers);

  const hidden = overlay.hidden.filter((h) => h.size > 0 && !matchesAny(h.path, ignore));
  const groups = new Map<string, HiddenCopy[]>();
  for (const copy of hidden) {
    const removed = copy.hiddenBy === 'delete' || copy.hiddenBy === 'opaque';
    const key = `${removed ? 'r' : 'o'}|${copy.layerIndex}|${copy.byLayer}`;
    // Appended in place: re-spreading the group per copy was quadratic (100k files took 66 s).
    const group = groups.get(key);
    if (group) group.push(copy);
    else groups.set(key, [copy]);
  }
  for (const [key, copies] of groups) {
    const removed = key.startsWith('r');
    const first = copies[0];
    if (!first) continue;
    const bytes = copies.reduce((sum, c) => sum + c.size, 0);
    const sorted = [...copies].sort((a, b) => b.size - a.size);
    findings.push({
      code: removed ? FindingCode.addedThenRemoved : FindingCode.overwritten,
      severity: 'warning',
      message: removed
        ? `${where(first.layerIndex)} adds ${plural(copies.length, 'file')} that layer ${first.byLayer} removes: the bytes stay in the image (remove them in the step that creates them)`
        : `${where(first.layerIndex)} ships ${plural(copies.length, 'file')} that layer ${first.byLayer} replaces (a chmod, chown or rewrite copies the whole file up)`,
      bytes,
      layerIndex: first.layerIndex,
      paths: sorted.slice(0, MAX_PATHS).map((c) => c.path),
      createdBy: step(first.layerIndex),
    });
  }

  const caches = new Map<string, { label: string; layer: number; bytes: number; paths: string[] }>();
  for (const [path, entry] of paths) {
    // A cache's files, and a hard link in it that holds a file's bytes (its file's other names gone).
    const { type } = entry.record;
    const holdsBytes = type === 'file' || (type === 'hardlink' && entry.size > 0);
    if (!holdsBytes || matchesAny(path, ignore)) continue;
    const cache = CACHES.find((c) => matchesAny(path, c.globs));
    if (!cache) continue;
    const key = `${cache.label}|${entry.layerIndex}`;
    const group = caches.get(key) ?? { label: cache.label, layer: entry.layerIndex, bytes: 0, paths: [] };
    group.bytes += entry.size;
    group.paths.push(path);
    caches.set(key, group);
  }
  for (const group of caches.values()) {
    findings.push({
      code: FindingCode.packageCache,
      severity: 'warning',
      message: `${where(group.layer)} leaves the ${group.label} in the image (clean it in the same RUN step)`,
      bytes: group.bytes,
      layerIndex: group.layer,
      paths: group.paths.slice(0, MAX_PATHS),
      createdBy: step(group.layer),
    });
  }

  image.layers.forEach((layer, index) => {
    const text = layer.createdBy ?? '';
    const update = /\b(apt-get|apt) update\b/.test(text) && !hasAptInstall(text);
    const apkUpdate = /\bapk update\b/.test(text) && !/\bapk add\b/.test(text);
    if (update || apkUpdate) {
      findings.push({
        code: FindingCode.aptUpdateAlone,
        severity: 'warning',
        message: `${where(index)} updates package lists in a step of its own: the cached layer goes stale and later installs use old lists (run update and install in one RUN)`,
        bytes: layer.contentSize ?? 0,
        layerIndex: index,
        paths: [],
        createdBy: text,
      });
    }
  });

  const contextCopy = image.layers.findIndex((l) => copiesContext(l.createdBy ?? ''));
  if (contextCopy !== -1) {
    image.layers.forEach((layer, index) => {
      if (index <= contextCopy || !DEPENDENCY_STEP.test(layer.createdBy ?? '')) return;
      if ((layer.contentSize ?? 0) < DEPENDENCY_LAYER_MIN) return;
      findings.push({
        code: FindingCode.dependenciesAfterSources,
        severity: 'warning',
        message: `${where(index)} installs dependencies after ${where(contextCopy)} copies the build context: every source change rebuilds and re-pushes it (copy the lock file, install, then copy the sources)`,
        bytes: layer.contentSize ?? 0,
        layerIndex: index,
        paths: [],
        createdBy: layer.createdBy,
      });
    });
  }

  const byHash = new Map<string, { path: string; layer: number; size: number }[]>();
  for (const [path, entry] of paths) {
    const { record } = entry;
    if (record.type !== 'file' || record.sha256 === null || record.size < DUPLICATE_MIN || matchesAny(path, ignore))
      continue;
    const copy = { path, layer: entry.layerIndex, size: record.size };
    const group = byHash.get(record.sha256);
    if (group) group.push(copy);
    else byHash.set(record.sha256, [copy]);
  }
  for (const copies of byHash.values()) {
    const layers = new Set(copies.map((c) => c.layer));
    const first = copies[0];
    if (layers.size < 2 || !first) continue;
    findings.push({
      code: FindingCode.duplicateFiles,
      severity: 'info',
      message: `${plural(copies.length, 'identical copy', 'identical copies')} of a ${first.size}-byte file in ${plural(layers.size, 'layer')}: ${copies
        .slice(0, MAX_PATHS)
        .map((c) => `${c.path} (layer ${c.layer})`)
        .join(', ')}${copies.length > MAX_PATHS ? ', …' : ''}`,
      bytes: first.size * (copies.length - 1),
      layerIndex: first.layer,
      paths: copies.slice(0, MAX_PATHS).map((c) => c.path),
      createdBy: null,
    });
  }

  const tiny = image.layers.filter((l) => l.contentSize !== null && l.contentSize < TINY_LAYER);
  if (tiny.length >= TINY_LAYER_COUNT) {
    findings.push({
      code: FindingCode.manyTinyLayers,
      severity: 'info',
      message: `${plural(tiny.length, 'layer')} of ${image.layers.length} hold under ${TINY_LAYER} bytes each: each costs a round trip on pull (merge small COPY and RUN steps)`,
      bytes: tiny.reduce((sum, l) => sum + (l.uncompressedSize ?? 0), 0),
      layerIndex: null,
      paths: [],
      createdBy: null,
    });
  }
  return findings.sort((a, b) => b.bytes - a.bytes);
}
