import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FileBatchWriter,
  FileList,
  FileListBuilder,
  type FileBatch,
  type FileRecord,
} from '../../src/layer/file-list.js';
import { whiteoutKindOf } from '../../src/layer/whiteout.js';
import { fileRecord } from '../helpers/reports.js';

const records: FileRecord[] = [
  fileRecord('etc', { type: 'directory', size: 0, mode: 0o755 }),
  fileRecord('etc/passwd', { size: 1200, uid: 0, gid: 42, sha256: 'a'.repeat(64) }),
  fileRecord('etc/.wh.shadow', { size: 0, whiteout: 'delete' }),
  fileRecord('usr/.wh..wh..opq', { size: 0, whiteout: 'opaque' }),
  fileRecord('usr/bin/sh', { type: 'symlink', size: 0, linkTarget: 'bash' }),
  fileRecord('usr/bin/bash', { size: 2 ** 40, uid: 2 ** 32 + 7, mode: 0o4755, sha256: 'b'.repeat(64) }),
  fileRecord('usr/bin/rbash', { type: 'hardlink', size: 0, linkTarget: 'usr/bin/bash' }),
  fileRecord('usr/share/dóc/😀 ß.txt', { size: 3 }),
  fileRecord('dev/null', { type: 'char', size: 0 }),
  fileRecord('dev/sda', { type: 'block', size: 0 }),
  fileRecord('run/pipe', { type: 'fifo', size: 0 }),
  fileRecord('odd', { type: 'other', size: 0 }),
  fileRecord('', { size: 0 }),
  fileRecord('x', { size: 1 }),
];

/** The records written through a FileBatchWriter of `capacity`, batch by batch as a walk does. */
function batchesOf(list: readonly FileRecord[], capacity: number): FileBatch[] {
  const writer = new FileBatchWriter(capacity, true);
  const batches: FileBatch[] = [];
  for (const r of list) {
    if (writer.full) batches.push(writer.take());
    writer.add(r.path, r.type, r.size, r.mode, r.uid, r.gid, r.linkTarget);
    if (r.sha256 !== null) writer.setLastHash(r.sha256);
  }
  if (writer.length > 0) batches.push(writer.take());
  return batches;
}

describe('FileList', () => {
  it('gives back every record from batches of any size, whiteouts told by their names', () => {
    for (const capacity of [1, 2, 3, 7, 100]) {
      const batches = batchesOf(records, capacity);
      expect(batches.length).toBe(Math.ceil(records.length / capacity));
      const list = FileList.fromBatches(batches);
      expect(list.length).toBe(records.length);
      expect(list.records()).toEqual(records);
      expect(list.whiteout(2)).toBe('delete');
      expect(list.whiteout(3)).toBe('opaque');
      expect(list.isDirectory(0)).toBe(true);
      expect(list.isDirectory(1)).toBe(false);
      // Content bytes: a file's size, a symlink's target length, nothing for a hard link.
      expect([1, 4, 5, 6].map((i) => list.contentSize(i))).toEqual([1200, 4, 2 ** 40, 0]);
    }
  });

  it('posts link targets only for the entries that have one', () => {
    const [batch] = batchesOf(records, 100);
    expect(batch?.links).toEqual(['bash', 'usr/bin/bash']);
    expect([...(batch?.linked ?? [])]).toEqual([4, 6]);
  });

  it('marks exactly the entries whiteoutKindOf names, wherever `.wh.` falls in the joined names', () => {
    // Pieces that make `.wh.` inside a name, in a folder, across two paths, or as the opaque marker.
    const piece = fc.constantFrom('.', 'w', 'h', '/', 'a', '.wh.', '.wh..wh..opq', '.w', 'h.');
    const path = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(path, { maxLength: 40 }), fc.integer({ min: 1, max: 9 }), (paths, capacity) => {
        const batches = batchesOf(
          paths.map((p) => fileRecord(p, { size: 0, whiteout: whiteoutKindOf(p) })),
          capacity,
        );
        const list = FileList.fromBatches(batches);
        expect(paths.map((_, i) => list.whiteout(i))).toEqual(paths.map((p) => whiteoutKindOf(p)));
        expect(list.whiteouts).toBe(paths.filter((p) => whiteoutKindOf(p) !== null).length);
      }),
      { numRuns: 2000 },
    );
  });

  it('counts the whiteouts of each batch and of the list they make', () => {
    expect(batchesOf(records, 3).map((batch) => batch.whiteouts)).toEqual([1, 1, 0, 0, 0]);
    expect(FileList.fromBatches(batchesOf(records, 3)).whiteouts).toBe(2);
    expect(FileList.fromRecords(records.slice(4)).whiteouts).toBe(0);
  });

  it('joins the paths of a large batch in pieces without losing an entry or a whiteout', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      i % 701 === 0
        ? fileRecord(`d${i}/.wh.gone`, { size: 0, whiteout: 'delete' })
        : i % 1023 === 0
          ? fileRecord(`d${i}/.wh..wh..opq`, { size: 0, whiteout: 'opaque' })
          : fileRecord(`d${i % 7}/é-${i}`, { size: i, sha256: null }),
    );
    for (const capacity of [1024, 2500, 4096, 6000]) {
      expect(FileList.fromBatches(batchesOf(many, capacity)).records()).toEqual(many);
    }
  });

  it('joins the names of many batches, past the most characters one string of them takes', () => {
    // 20 paths of a million characters: more than one string of 2^24 characters holds.
    const long = Array.from({ length: 20 }, (_, i) =>
      fileRecord(`${String(i).padStart(2, '0')}/${'x'.repeat(999_990)}`, { size: i }),
    );
    const list = FileList.fromBatches(batchesOf(long, 3));
    expect(list.length).toBe(20);
    for (let i = 0; i < 20; i++) expect(list.path(i)).toBe(long[i]?.path);
  });

  it('joins the names of batches as they come, in strings of about 256K characters', () => {
    // 400 batches of 3 paths of 1000 characters: 1.2M characters, so several joined strings,
    // with batch boundaries inside and at their ends.
    const long = Array.from({ length: 1200 }, (_, i) =>
      fileRecord(`${String(i).padStart(4, '0')}/${'y'.repeat(995)}`, { size: i }),
    );
    const builder = new FileListBuilder();
    for (const batch of batchesOf(long, 3)) builder.add(structuredClone(batch));
    const list = builder.finish();
    expect(list.length).toBe(1200);
    for (let i = 0; i < 1200; i += 7) expect(list.path(i)).toBe(long[i]?.path);
    expect(list.records()).toEqual(long);
    expect(new FileListBuilder().finish()).toBe(FileList.empty);
  });

  it('keeps every entry added past a full batch', () => {
    const writer = new FileBatchWriter(2, false);
    for (const r of records) writer.add(r.path, r.type, r.size, r.mode, r.uid, r.gid, r.linkTarget);
    expect(FileList.fromBatches([writer.take()]).records()).toEqual(records.map((r) => ({ ...r, sha256: null })));
  });

  it('survives a structured clone as batches, the way a worker posts them', () => {
    const cloned = batchesOf(records, 3).map((batch) => structuredClone(batch));
    expect(FileList.fromBatches(cloned).records()).toEqual(records);
  });

  it('reads records back (a saved report) and writes them as JSON unchanged', () => {
    const list = FileList.fromRecords(records);
    expect(list.record(5)).toEqual(records[5]);
    expect(JSON.parse(JSON.stringify({ files: list }))).toEqual({ files: records });
    expect(FileList.fromBatches([]).length).toBe(0);
    expect(JSON.stringify(FileList.empty)).toBe('[]');
  });
});
