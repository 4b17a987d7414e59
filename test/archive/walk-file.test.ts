import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputErrorCode, readArchive, type ArchiveReport } from '../../src/index.js';
import { archiveEntries, buildArchive, buildImage, writeTar } from '../helpers/fixture-builder.js';
import { sampleImages } from '../helpers/specs.js';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-file-'));
const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'fixtures');
const real = resolve(root, '../shared/corpus/real');

function write(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** What a metadata-only read must agree on: everything but hashes of blobs it did not read. */
const metadataOf = (report: ArchiveReport) =>
  report.images.map((image) => ({
    tags: image.tags,
    configDigest: image.configDigest,
    contentSize: image.contentSize,
    layers: image.layers.map((l) => [l.diffId, l.storedSize, l.uncompressedSize, l.contentSize, l.fileCount, l.files]),
  }));

describe('the seekable path over a regular file', () => {
  it.each(['docker-classic', 'podman', 'docker25', 'oci'] as const)(
    'gives the same report as streaming (%s)',
    async (format) => {
      const { bytes } = await buildArchive(format, sampleImages(format === 'oci' ? 'gzip' : 'none'));
      const path = write(`${format}.tar`, bytes);
      const byFile = await readArchive(path, { label: 'x' });
      const byStream = await readArchive(Readable.from([bytes]), { label: 'x' });
      expect(byFile).toEqual(byStream);
    },
  );

  it.each(readdirSync(fixtures))(
    'reads fixtures/%s metadata-only with the same sizes, files and diff ids',
    async (name) => {
      const path = join(fixtures, name);
      const verified = await readArchive(path);
      const quick = await readArchive(path, { verify: false });
      expect(metadataOf(quick)).toEqual(metadataOf(verified));
      expect(quick.verified).toBe(name.endsWith('.gz')); // a compressed file streams, so it is verified anyway
    },
  );

  const realArchives = existsSync(real)
    ? readdirSync(real).filter((f) => /\.tar$/.test(f) && !f.startsWith('broken.'))
    : [];
  it.each(realArchives)('reads corpus %s metadata-only with the same sizes, files and diff ids', async (name) => {
    const path = join(real, name);
    expect(metadataOf(await readArchive(path, { verify: false }))).toEqual(metadataOf(await readArchive(path)));
  });

  it('reports truncation inside an entry, naming it', async () => {
    const { bytes } = await buildArchive('podman', sampleImages());
    const path = write('cut.tar', bytes.subarray(0, 3000));
    await expect(readArchive(path)).rejects.toMatchObject({
      code: InputErrorCode.truncated,
      message: expect.stringMatching(/ends inside entry .*\.tar/) as unknown,
    });
    await expect(readArchive(path, { verify: false })).rejects.toMatchObject({ code: InputErrorCode.truncated });
  });

  it('refuses a file that is not a tar, and an empty one', async () => {
    await expect(readArchive(write('junk.tar', Buffer.alloc(4096, 0x41)))).rejects.toMatchObject({
      code: InputErrorCode.notAnArchive,
    });
    await expect(readArchive(write('empty.tar', Buffer.alloc(0)))).rejects.toMatchObject({
      code: InputErrorCode.empty,
    });
  });

  it('reads complete entries without end-of-archive blocks, with a warning', async () => {
    const images = [await buildImage(sampleImages()[0] ?? { layers: [] })];
    const path = write('noend.tar', await writeTar(archiveEntries('docker-classic', images), { endBlocks: false }));
    const report = await readArchive(path);
    expect(report.images).toHaveLength(1);
    expect(report.problems.map((p) => p.code)).toContain('MISSING_END_OF_ARCHIVE');
  });
});

const dist = join(root, 'dist/index.js');
describe.skipIf(!existsSync(dist))('worker threads (built dist/)', () => {
  it('give the same report as reading on the main thread', async () => {
    const { bytes } = await buildArchive('oci', sampleImages('gzip'));
    const path = write('workers.tar', bytes);
    const script = `
      import { readArchive } from ${JSON.stringify(dist)};
      const path = ${JSON.stringify(path)};
      const a = await readArchive(path, { workers: 2, workerThreshold: 0 });
      const b = await readArchive(path, { workers: 0 });
      process.stdout.write(JSON.stringify({ same: JSON.stringify(a) === JSON.stringify(b), layers: a.images.flatMap((i) => i.layers.map((l) => l.digest)) }));
    `;
    const scriptPath = join(dir, 'workers.mjs');
    writeFileSync(scriptPath, script);
    const run = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { same: boolean; layers: string[] };
    expect(result.same).toBe(true);
    expect(result.layers.every((d) => d.startsWith('sha256:'))).toBe(true);
  });

  // A worker posts kept records in batches of 4,096 as it walks (issue 12: holding a 300k-entry
  // layer's records there and cloning them at the end doubled the peak memory).
  it('hand a layer of 9,000 files back from a worker in order, each with its own sha256', async () => {
    const files = Array.from({ length: 9000 }, (_, i) => ({ path: `d${i % 7}/f${i}`, content: `content ${i}` }));
    const image = await buildImage({
      tags: ['many:1'],
      layers: [{ files, compression: 'gzip' }, { files: files.slice(0, 5000) }],
    });
    const path = write('many-files.tar', await writeTar(archiveEntries('oci', [image])));
    const script = `
      import { readFileSync } from 'node:fs';
      import { Readable } from 'node:stream';
      import { readArchive } from ${JSON.stringify(dist)};
      const path = ${JSON.stringify(path)};
      const options = { hashFiles: true, label: 'x' };
      const main = JSON.stringify(await readArchive(path, { ...options, workers: 0 }));
      const file = JSON.stringify(await readArchive(path, { ...options, workers: 1, workerThreshold: 0 }));
      const stream = JSON.stringify(await readArchive(Readable.from([readFileSync(path)]), { ...options, workerThreshold: 0 }));
      const layers = JSON.parse(main).images[0].layers;
      process.stdout.write(JSON.stringify({ file: file === main, stream: stream === main, counts: layers.map((l) => l.files.length), hashed: layers[0].files.filter((f) => f.sha256 !== null).length }));
    `;
    const scriptPath = join(dir, 'many-files.mjs');
    writeFileSync(scriptPath, script);
    const run = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      file: true,
      stream: true,
      counts: [9000, 5000],
      hashed: 9000,
    });
  });

  it.each(['docker-classic', 'oci'] as const)(
    'read the blobs of a stream (%s) on a worker with the same report as the main thread, in any chunking',
    async (format) => {
      const { bytes } = await buildArchive(format, sampleImages(format === 'oci' ? 'gzip' : 'none'));
      const path = write(`stream-${format}.tar`, bytes);
      const script = `
        import { readFileSync } from 'node:fs';
        import { Readable } from 'node:stream';
        import { readArchive } from ${JSON.stringify(dist)};
        const bytes = readFileSync(${JSON.stringify(path)});
        const chunks = (size) => Readable.from((function* () {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        })());
        const main = JSON.stringify(await readArchive(chunks(65536), { workers: 0, label: 'x' }));
        const same = [];
        for (const size of [7, 321, 65536, 3 * 1024 * 1024])
          same.push(JSON.stringify(await readArchive(chunks(size), { workerThreshold: 0, label: 'x' })) === main);
        process.stdout.write(JSON.stringify({ same, verified: JSON.parse(main).images.length }));
      `;
      const scriptPath = join(dir, `stream-${format}.mjs`);
      writeFileSync(scriptPath, script);
      const run = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual({ same: [true, true, true, true], verified: 2 });
    },
  );

  it.skipIf(!existsSync(real))(
    'read the broken corpus archives from a stream on a worker with the same report or error',
    () => {
      const script = `
        import { readFileSync, readdirSync } from 'node:fs';
        import { Readable } from 'node:stream';
        import { readArchive } from ${JSON.stringify(dist)};
        const dir = ${JSON.stringify(real)};
        const out = {};
        for (const name of readdirSync(dir).filter((f) => f.startsWith('broken.') && !f.endsWith('.json'))) {
          const bytes = readFileSync(dir + '/' + name);
          const run = async (options) => {
            try {
              return JSON.stringify(await readArchive(Readable.from([bytes]), { label: 'x', ...options }));
            } catch (error) {
              return 'throws ' + error.code + ' ' + error.message;
            }
          };
          out[name] = (await run({ workers: 0 })) === (await run({ workerThreshold: 0 }));
        }
        process.stdout.write(JSON.stringify(out));
      `;
      const scriptPath = join(dir, 'broken-stream.mjs');
      writeFileSync(scriptPath, script);
      const run = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const same = JSON.parse(run.stdout) as Record<string, boolean>;
      expect(Object.keys(same).length).toBeGreaterThan(5);
      expect(Object.entries(same).filter(([, equal]) => !equal)).toEqual([]);
    },
  );

  it('reads stdin redirected from a file like the file itself', () => {
    const path = join(fixtures, 'app-v2.oci.tar');
    const bin = join(root, 'bin/layerlens.js');
    const byPath = spawnSync(process.execPath, [bin, 'inspect', '--json', path], { encoding: 'utf8' });
    const byStdin = spawnSync(process.execPath, [bin, 'inspect', '--json', '-'], {
      encoding: 'utf8',
      input: readFileSync(path),
    });
    const images = (out: string) => (JSON.parse(out) as { archives: { images: unknown }[] }).archives[0]?.images;
    expect(images(byStdin.stdout)).toEqual(images(byPath.stdout));
  });
});

describe('a metadata-only read that hashes files (diff)', () => {
  it.each(['docker-classic', 'docker25'] as const)(
    'gives the same files and hashes as a verified read, on workers too, without verifying (%s)',
    async (format) => {
      const { bytes } = await buildArchive(format, sampleImages('none'));
      const path = write(`hash-${format}.tar`, bytes);
      const verified = await readArchive(path, { label: 'x', hashFiles: true });
      for (const workerThreshold of [1, 1 << 30]) {
        const unverified = await readArchive(path, { label: 'x', hashFiles: true, verify: false, workerThreshold });
        expect(unverified.verified).toBe(false);
        expect(metadataOf(unverified)).toEqual(metadataOf(verified));
        const hashes = unverified.images.flatMap((i) =>
          i.layers.flatMap((l) => l.files.records().map((f) => f.sha256)),
        );
        expect(hashes.filter((h) => h !== null).length).toBeGreaterThan(0);
      }
    },
  );
});
