import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArchiveBudget } from '../../src/archive/archive-budget.js';
import { JSON_ARCHIVE_CAPS } from '../../src/model/limits.js';
import { EntryCollector } from '../../src/archive/entry-collector.js';
import type { ArchiveEntry } from '../../src/archive/walk-archive.js';

/**
 * What the budget must keep: the smallest captures while they fit (ties: the one earlier in the
 * archive first), and none from the first that does not.
 */
function smallestThatFit(blobs: readonly { position: number; bytes: number }[], cap: number): Set<number> {
  const kept = new Set<number>();
  let total = 0;
  for (const blob of [...blobs].sort((a, b) => a.bytes - b.bytes || a.position - b.position)) {
    total += blob.bytes;
    if (total > cap) break;
    kept.add(blob.position);
  }
  return kept;
}

/** Admits the blobs in the given order; the positions still kept at the end. */
function admitAll(blobs: readonly { position: number; bytes: number }[], cap: number): Set<number> {
  const budget = new ArchiveBudget(cap);
  const kept = new Set<number>();
  for (const { position, bytes } of blobs) {
    const { admitted, released } = budget.admit(position, bytes);
    for (const gone of released) {
      expect(kept.has(gone)).toBe(true);
      kept.delete(gone);
    }
    if (admitted) kept.add(position);
  }
  return kept;
}

describe('ArchiveBudget', () => {
  it('keeps the smallest captures while they fit: the largest go first', () => {
    expect(
      admitAll(
        [1, 2, 3, 4].map((position) => ({ position, bytes: 40 })),
        100,
      ),
    ).toEqual(new Set([1, 2]));
    const blobs = [
      { position: 1, bytes: 90 },
      { position: 2, bytes: 20 },
      { position: 3, bytes: 1 },
    ];
    expect(admitAll(blobs, 100)).toEqual(new Set([2, 3]));
  });

  it('lets a capture that came early go when smaller ones arrive, and admits none as large after', () => {
    const budget = new ArchiveBudget(100);
    expect(budget.admit(5, 60)).toEqual({ admitted: true, released: [] });
    expect(budget.admit(9, 30)).toEqual({ admitted: true, released: [] });
    expect(budget.admit(2, 20)).toEqual({ admitted: true, released: [5] });
    // As large as one let go (and later in the archive), or larger: never admitted.
    expect(budget.admit(7, 60)).toEqual({ admitted: false, released: [] });
    expect(budget.admit(8, 45)).toEqual({ admitted: true, released: [] });
    expect(budget.admit(1, 10)).toEqual({ admitted: true, released: [8] });
  });

  it('keeps the same blobs whatever order they arrive in', () => {
    const blobs = fc
      .uniqueArray(fc.nat({ max: 1000 }), { maxLength: 40 })
      .chain((positions) =>
        fc.tuple(
          fc.constant(positions),
          fc.array(fc.nat({ max: 60 }), { minLength: positions.length, maxLength: positions.length }),
          fc.shuffledSubarray(positions, { minLength: positions.length, maxLength: positions.length }),
        ),
      );
    fc.assert(
      fc.property(blobs, fc.integer({ min: 0, max: 400 }), ([positions, sizes, order], cap) => {
        const bytesOf = new Map(positions.map((position, i) => [position, sizes[i] as number]));
        const arriving = order.map((position) => ({ position, bytes: bytesOf.get(position) as number }));
        expect(admitAll(arriving, cap)).toEqual(smallestThatFit(arriving, cap));
      }),
    );
  });
});

describe('EntryCollector', () => {
  const jsonEntry = (position: number, chars: number): ArchiveEntry => ({
    path: `junk/${position}.json`,
    type: 'file',
    linkTarget: null,
    position,
    blob: {
      digest: null,
      verified: false,
      storedSize: chars,
      compression: 'none',
      content: 'json',
      uncompressedDigest: null,
      uncompressedSize: chars,
      layer: null,
      json: { text: `"${'j'.repeat(chars - 2)}"` },
      decodeError: null,
      estimatedCompressedSize: null,
    },
  });

  it('keeps at most JSON_ARCHIVE_CAPS times the JSON cap of JSON text: the largest entries let go first', () => {
    const jsonCap = 100;
    expect(JSON_ARCHIVE_CAPS).toBe(16);
    // Twenty entries of 90 characters and one of 95: seventeen of 90 fit in 1,600.
    const sizes = [...Array.from({ length: 20 }, () => 90), 95];
    for (const order of [sizes.map((_, i) => i), sizes.map((_, i) => sizes.length - 1 - i)]) {
      const collector = new EntryCollector(jsonCap);
      for (const position of order) collector.record(jsonEntry(position, sizes[position] as number));
      const slots = [...collector.result(true).entries.values()]
        .sort((a, b) => a.position - b.position)
        .map((entry) => entry.blob?.json);
      expect(slots.slice(0, 17).every((slot) => slot !== null && slot !== undefined && 'text' in slot)).toBe(true);
      expect(slots.slice(17)).toEqual([
        ...[90, 90, 90].map((size) => ({ tooLarge: true, size, cap: 'archive' })),
        { tooLarge: true, size: 95, cap: 'archive' },
      ]);
    }
  });
});
