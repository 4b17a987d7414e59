import { describe, expect, it } from 'vitest';
import { LayerWalker } from '../../src/layer/layer-contents.js';
import {
  MetadataCapture,
  metadataFilesOf,
  transferablesOf,
  type CapturedMetadata,
} from '../../src/layer/metadata-capture.js';
import { writeTar } from '../helpers/fixture-builder.js';
import { METADATA_FILE_CAP } from '../../src/packages/metadata-paths.js';

function capture(files: readonly { path: string; content: Buffer; pieces?: number }[]): MetadataCapture {
  const kept = new MetadataCapture();
  for (const { path, content, pieces = 1 } of files) {
    if (!kept.begin(path, 'dpkg-list', content.length)) continue;
    const step = Math.max(1, Math.ceil(content.length / pieces));
    for (let at = 0; at < content.length; at += step) kept.write(content.subarray(at, at + step));
    kept.end();
  }
  return kept;
}

function keptBytes(captured: CapturedMetadata): number {
  return captured.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}

describe('MetadataCapture', () => {
  it('gives back each file whole, UTF-8 split across pieces included', () => {
    const list = '/usr/share/doc/é/copyright\n/usr/bin/ü\n';
    const captured = capture([
      { path: 'var/lib/dpkg/info/a.list', content: Buffer.from(list), pieces: 7 },
      { path: 'var/lib/dpkg/info/empty.list', content: Buffer.alloc(0) },
      { path: 'var/lib/dpkg/info/b.list', content: Buffer.from('/b\n') },
    ]).take();
    expect(metadataFilesOf(captured)).toEqual([
      { path: 'var/lib/dpkg/info/a.list', kind: 'dpkg-list', text: list },
      { path: 'var/lib/dpkg/info/empty.list', kind: 'dpkg-list', text: '' },
      { path: 'var/lib/dpkg/info/b.list', kind: 'dpkg-list', text: '/b\n' },
    ]);
  });

  it('keeps each file whole in one buffer, a file larger than a buffer and empty files included', () => {
    // 64 KiB buffers: 40k, 30k (goes on in the second), an empty file at the boundary, 100k (a
    // buffer of its own), 24k (fits after the 30k? no: after the 100k buffer, a new one), 2k.
    const sizes = [40_000, 30_000, 0, 100_000, 24_000, 2_000, 0];
    const files = sizes.map((size, i) => ({
      path: `var/lib/dpkg/info/p${i}.list`,
      content: Buffer.alloc(size, String.fromCharCode(97 + i)),
      pieces: 3,
    }));
    const captured = capture(files).take();
    expect(captured.chunks.map((chunk) => chunk.length)).toEqual([40_000, 30_000, 100_000, 26_000]);
    expect(keptBytes(captured)).toBe(196_000);
    expect(metadataFilesOf(captured).map((file) => ('text' in file ? file.text : null))).toEqual(
      files.map((file) => file.content.toString()),
    );
  });

  it('lists a file over the per-file cap as dropped, with its size, and keeps none of it', () => {
    const kept = new MetadataCapture();
    expect(kept.begin('var/lib/dpkg/status', 'dpkg-status', METADATA_FILE_CAP + 1)).toBe(false);
    kept.write(Buffer.from('ignored'));
    const captured = kept.take();
    expect(captured.chunks).toEqual([]);
    expect(metadataFilesOf(captured)).toEqual([
      { path: 'var/lib/dpkg/status', kind: 'dpkg-status', dropped: 'file-cap', size: METADATA_FILE_CAP + 1 },
    ]);
  });

  it("keeps nothing past a file's size, and leaves out a file whose entry never ended", () => {
    const kept = new MetadataCapture();
    kept.begin('b/package.json', 'npm-package', 2);
    kept.write(Buffer.from('{}and more'));
    kept.end();
    kept.begin('a/package.json', 'npm-package', 10);
    kept.write(Buffer.from('{"a"'));
    const captured = kept.take();
    expect(metadataFilesOf(captured)).toEqual([{ path: 'b/package.json', kind: 'npm-package', text: '{}' }]);
    expect(keptBytes(captured)).toBe(2);
  });

  it('leaves out a database whose layer tar stops inside it', async () => {
    const status = `Package: a\nStatus: install ok installed\n${'x'.repeat(5000)}\n`;
    const layer = await writeTar([
      { path: 'var/lib/dpkg/info/a.list', content: Buffer.from('/a\n') },
      { path: 'var/lib/dpkg/status', content: Buffer.from(status) },
    ]);
    const walker = new LayerWalker({ keepFiles: true, keepMetadata: true });
    walker.write(layer.subarray(0, 512 * 4 + 1000));
    const { metadata, tarProblem } = walker.finish();
    expect(tarProblem).toMatch(/ends inside/);
    expect(metadata && metadataFilesOf(metadata)).toEqual([
      { path: 'var/lib/dpkg/info/a.list', kind: 'dpkg-list', text: '/a\n' },
    ]);
  });

  it('moves to another thread as its buffers, and decodes there to the same files', () => {
    const files = Array.from({ length: 300 }, (_, i) => ({
      path: `var/lib/dpkg/info/p${i}.list`,
      content: Buffer.from(`/usr/bin/p${i}\n`.repeat(i % 5)),
    }));
    const captured = capture(files).take();
    const expected = metadataFilesOf(captured);
    // What postMessage does with a transfer list.
    const moved = structuredClone(captured, { transfer: transferablesOf(captured) });
    expect(captured.chunks.every((chunk) => chunk.byteLength === 0)).toBe(true);
    expect(captured.nameEnds.byteLength).toBe(0);
    expect(metadataFilesOf(moved)).toEqual(expected);
    expect(expected).toHaveLength(300);
  });

  it('decodes a capture once: the same files each time (the head start tells layers by them)', () => {
    const captured = capture([{ path: 'x.list', content: Buffer.from('/x\n') }]).take();
    expect(metadataFilesOf(captured)).toBe(metadataFilesOf(captured));
  });
});
