import { compareText } from '../model/compare-text.js';
import { textKey } from '../model/text-key.js';

/** The fields of a package record (issue 9's `PackageRecord`) that a comparison reads. */
export interface PackageLike {
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string | null;
  readonly size: number;
}

/** A package in a diff's added or removed list: exactly the fields of PackageLike, copied. */
export type PackageEntry = PackageLike;

export interface PackageChange {
  readonly ecosystem: string;
  readonly name: string;
  readonly fromVersion: string | null;
  readonly toVersion: string | null;
  readonly fromSize: number;
  readonly toSize: number;
}

export interface PackageDiff {
  readonly added: readonly PackageEntry[];
  readonly removed: readonly PackageEntry[];
  /** Same package, another version or another size (an upgrade, or docs removed by a later step). */
  readonly changed: readonly PackageChange[];
  /** Sum of the size deltas of all three lists. */
  readonly sizeDelta: number;
}

const entryOf = (p: PackageLike): PackageEntry => ({
  ecosystem: p.ecosystem,
  name: p.name,
  version: p.version,
  size: p.size,
});

/** A version as a map key (see textKey): 2,000 versions of 16,411 characters of one name took 12 s. */
const versionKey = (p: PackageLike): string | null => (p.version === null ? null : textKey(p.version));

/**
 * Packages added, removed and changed between two images, keyed by ecosystem and name. A name
 * installed more than once (npm nests several versions) pairs equal versions first; what is
 * left pairs up only when one copy remains on each side, otherwise it is added or removed.
 * Lists are sorted by the size of their change, largest first, then by name. Pure.
 */
export function comparePackages(from: readonly PackageLike[], to: readonly PackageLike[]): PackageDiff {
  const group = (list: readonly PackageLike[]): Map<string, PackageLike[]> => {
    const map = new Map<string, PackageLike[]>();
    for (const p of list) {
      // Names are texts of any length (see textKey): 2,000 names of 16,411 characters took 45 s.
      const key = textKey(`${p.ecosystem}\u0000${p.name}`);
      const known = map.get(key);
      if (known) known.push(p);
      else map.set(key, [p]);
    }
    return map;
  };
  const before = group(from);
  const after = group(to);
  const added: PackageEntry[] = [];
  const removed: PackageEntry[] = [];
  const changed: PackageChange[] = [];
  const pair = (a: PackageLike, b: PackageLike): void => {
    if (a.version !== b.version || a.size !== b.size) {
      changed.push({
        ecosystem: b.ecosystem,
        name: b.name,
        fromVersion: a.version,
        toVersion: b.version,
        fromSize: a.size,
        toSize: b.size,
      });
    }
  };
  for (const [key, olds] of before) {
    const candidates = after.get(key) ?? [];
    // Each old copy takes the first unmatched new copy of its version: an index per version, not
    // a search of the list per copy (npm nests one copy per dependent, without limit).
    const byVersion = new Map<string | null, { copies: PackageLike[]; next: number }>();
    for (const n of candidates) {
      const key = versionKey(n);
      const slot = byVersion.get(key);
      if (slot) slot.copies.push(n);
      else byVersion.set(key, { copies: [n], next: 0 });
    }
    const matched = new Set<PackageLike>();
    const leftOld: PackageLike[] = [];
    for (const old of olds) {
      const slot = byVersion.get(versionKey(old));
      const match = slot?.copies[slot.next];
      if (slot === undefined || match === undefined) {
        leftOld.push(old);
        continue;
      }
      slot.next++;
      matched.add(match);
      pair(old, match);
    }
    const news = candidates.filter((n) => !matched.has(n));
    const [onlyOld] = leftOld;
    const [onlyNew] = news;
    if (leftOld.length === 1 && news.length === 1 && onlyOld && onlyNew) {
      pair(onlyOld, onlyNew);
      continue;
    }
    for (const old of leftOld) removed.push(entryOf(old));
    for (const n of news) added.push(entryOf(n));
  }
  for (const [key, news] of after) if (!before.has(key)) for (const n of news) added.push(entryOf(n));

  const byName = (a: { ecosystem: string; name: string }, b: { ecosystem: string; name: string }): number =>
    compareText(a.ecosystem, b.ecosystem) || compareText(a.name, b.name);
  added.sort((a, b) => b.size - a.size || byName(a, b));
  removed.sort((a, b) => b.size - a.size || byName(a, b));
  changed.sort((a, b) => Math.abs(b.toSize - b.fromSize) - Math.abs(a.toSize - a.fromSize) || byName(a, b));
  let sizeDelta = 0;
  for (const p of added) sizeDelta += p.size;
  for (const p of removed) sizeDelta -= p.size;
  for (const c of changed) sizeDelta += c.toSize - c.fromSize;
  return { added, removed, changed, sizeDelta };
}
