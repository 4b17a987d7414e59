import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError, InputErrorCode, ProblemCode, readArchive, type ArchiveReport } from '../../src/index.js';
import {
  archiveEntries,
  buildImage,
  writeTar,
  sha256,
  type EntrySpec,
  type FixtureFormat,
} from '../helpers/fixture-builder.js';
import { sampleImages } from '../helpers/specs.js';
import { chunked } from '../helpers/streams.js';

async function read(bytes: Buffer, options: { jsonCap?: number } = {}): Promise<ArchiveReport> {
  return readArchive(chunked(bytes, 4096), { label: 'test.tar', ...options });
}

async function inputError(bytes: Buffer, options: { jsonCap?: number } = {}): Promise<InputError> {
  try {
    await read(bytes, options);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

/** The entries of a sample archive, for a test to damage before writing. */
async function entriesOf(format: FixtureFormat, compression: 'none' | 'gzip' = 'none') {
  const images = [];
  for (const spec of sampleImages(compression)) images.push(await buildImage(spec));
  return { entries: archiveEntries(format, images), images };
}

const replace = (entries: EntrySpec[], path: string, change: (e: EntrySpec) => EntrySpec | null): EntrySpec[] =>
  entries.flatMap((e) => {
    if (e.path !== path) return [e];
    const next = change(e);
    return next ? [next] : [];
  });

const codes = (report: ArchiveReport) => report.problems.map((p) => p.code);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('input that no report can be made of', () => {
  it('EMPTY_INPUT: an empty file', async () => {
    const error = await inputError(Buffer.alloc(0));
    expect(error.code).toBe(InputErrorCode.empty);
    expect(error.message).toMatch(/test\.tar is empty/);
  });

  it('NOT_AN_ARCHIVE: random bytes', async () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    expect((await inputError(bytes)).code).toBe(InputErrorCode.notAnArchive);
  });

  it('NOT_AN_ARCHIVE: corrupt gzip', async () => {
    const bytes = gzipSync(Buffer.alloc(10_000));
    bytes.fill(0x55, 20, 40);
    const error = await inputError(bytes);
    expect([InputErrorCode.notAnArchive, InputErrorCode.truncated]).toContain(error.code);
  });

  it('TRUNCATED: cut inside an entry, naming it', async () => {
    const { entries } = await entriesOf('podman');
    const tar = await writeTar(entries);
    const error = await inputError(tar.subarray(0, 3000));
    expect(error.code).toBe(InputErrorCode.truncated);
    expect(error.message).toMatch(/ends inside entry .*\.tar/);
  });

  it('TRUNCATED: a gzip stream cut in half', async () => {
    const { entries } = await entriesOf('podman');
    const packed = gzipSync(await writeTar(entries));
    expect((await inputError(packed.subarray(0, packed.length >> 1))).code).toBe(InputErrorCode.truncated);
  });

  it('TRUNCATED: cut between entries before manifest.json', async () => {
    const { entries } = await entriesOf('podman');
    const cut = entries.filter((e) => e.path !== 'manifest.json' && e.path !== 'repositories');
    const error = await inputError(await writeTar(cut, { endBlocks: false }));
    expect(error.code).toBe(InputErrorCode.truncated);
    expect(error.message).toMatch(/without the end-of-archive blocks/);
  });

  it('UNKNOWN_FORMAT: a tar that is no image', async () => {
    const error = await inputError(await writeTar([{ path: 'etc/passwd', content: Buffer.from('root:x:0:0') }]));
    expect(error.code).toBe(InputErrorCode.unknownFormat);
  });

  it('INVALID_MANIFEST: manifest.json that is not JSON', async () => {
    const { entries } = await entriesOf('docker-classic');
    const broken = replace(entries, 'manifest.json', (e) => ({ ...e, content: Buffer.from('[{"Config": ') }));
    const error = await inputError(await writeTar(broken));
    expect(error.code).toBe(InputErrorCode.invalidManifest);
    expect(error.entry).toBe('manifest.json');
  });

  it('INVALID_MANIFEST: manifest.json of the wrong shape', async () => {
    const { entries } = await entriesOf('docker-classic');
    const broken = replace(entries, 'manifest.json', (e) => ({ ...e, content: json({ hello: 1 }) }));
    expect((await inputError(await writeTar(broken))).code).toBe(InputErrorCode.invalidManifest);
  });

  it('ENTRY_TOO_LARGE: gigantic manifest.json, without keeping it', async () => {
    const { entries } = await entriesOf('docker-classic');
    const huge = Buffer.from(`[${' '.repeat(200_000)}]`);
    const broken = replace(entries, 'manifest.json', (e) => ({ ...e, content: huge }));
    const error = await inputError(await writeTar(broken), { jsonCap: 64 * 1024 });
    expect(error.code).toBe(InputErrorCode.entryTooLarge);
    expect(error.message).toMatch(/manifest\.json .* over the 65536-byte cap/);
  });

  it('UNREADABLE: a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerlens-'));
    await expect(readArchive(join(dir, 'nope.tar'))).rejects.toMatchObject({ code: InputErrorCode.unreadable });
    writeFileSync(join(dir, 'empty.tar'), '');
    await expect(readArchive(join(dir, 'empty.tar'))).rejects.toMatchObject({ code: InputErrorCode.empty });
  });

  it('EMPTY_INPUT and LINK_ESCAPE: an empty folder, a folder linking outside itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerlens-'));
    await expect(readArchive(dir)).rejects.toMatchObject({ code: InputErrorCode.empty });
    symlinkSync('../secret', join(dir, 'index.json'));
    await expect(readArchive(dir)).rejects.toMatchObject({ code: InputErrorCode.linkEscape, entry: 'index.json' });
  });
});

describe('problems found while verifying', () => {
  it('MISSING_BLOB: a layer listed but absent', async () => {
    const { entries, images } = await entriesOf('podman');
    const layer = images[1]?.layers[1];
    const report = await read(await writeTar(replace(entries, `${layer?.diffId.slice(7) ?? ''}.tar`, () => null)));
    expect(codes(report)).toContain(ProblemCode.missingBlob);
    expect(report.problems.find((p) => p.code === ProblemCode.missingBlob)?.severity).toBe('error');
  });

  it('DIGEST_MISMATCH: a blob whose bytes do not match its name', async () => {
    const { entries, images } = await entriesOf('oci');
    const path = `blobs/sha256/${images[0]?.layers[0]?.digest.slice(7) ?? ''}`;
    const broken = replace(entries, path, (e) => {
      const content = Buffer.from(e.content ?? Buffer.alloc(0));
      content[600] = (content[600] ?? 0) ^ 0xff;
      return { ...e, content };
    });
    const report = await read(await writeTar(broken));
    expect(report.problems.find((p) => p.code === ProblemCode.digestMismatch)).toMatchObject({
      severity: 'error',
      entry: path,
    });
  });

  it('DIFF_ID_MISMATCH: a layer whose tar differs from the config diff id', async () => {
    const { entries, images } = await entriesOf('podman');
    const path = `${images[0]?.layers[0]?.diffId.slice(7) ?? ''}.tar`;
    const broken = replace(entries, path, (e) => {
      const content = Buffer.from(e.content ?? Buffer.alloc(0));
      content[1600] = (content[1600] ?? 0) ^ 0xff; // inside bin/sh's content: the tar stays valid
      return { ...e, content };
    });
    expect(codes(await read(await writeTar(broken)))).toContain(ProblemCode.diffIdMismatch);
  });

  it('SIZE_MISMATCH: a descriptor that lies about a blob size', async () => {
    const images = [await buildImage(sampleImages()[0] ?? { layers: [] })];
    const image = images[0];
    if (!image) throw new Error('no image');
    const manifest = JSON.parse(image.manifest.toString()) as { layers: { size: number }[] };
    const first = manifest.layers[0];
    if (first) first.size += 1;
    const lying = json(manifest);
    image.manifest = lying;
    image.manifestDigest = `sha256:${sha256(lying)}`;
    const report = await read(await writeTar(archiveEntries('oci', images)));
    expect(codes(report)).toContain(ProblemCode.sizeMismatch);
  });

  it('LAYER_COUNT_MISMATCH: manifest.json lists more layers than the config', async () => {
    const { entries, images } = await entriesOf('podman');
    const manifest = [
      {
        Config: `${images[0]?.configDigest.slice(7) ?? ''}.json`,
        RepoTags: ['x:1'],
        Layers: [
          `${images[0]?.layers[0]?.diffId.slice(7) ?? ''}.tar`,
          `${images[1]?.layers[1]?.diffId.slice(7) ?? ''}.tar`,
        ],
      },
    ];
    const report = await read(
      await writeTar(replace(entries, 'manifest.json', (e) => ({ ...e, content: json(manifest) }))),
    );
    expect(codes(report)).toContain(ProblemCode.layerCountMismatch);
  });

  it('MANIFEST_MISMATCH: manifest.json and the OCI manifest disagree', async () => {
    const { entries, images } = await entriesOf('docker25');
    const app = images[1];
    const manifest = [
      {
        Config: `blobs/sha256/${app?.configDigest.slice(7) ?? ''}`,
        RepoTags: ['x:1'],
        Layers: [...(app?.layers ?? [])].reverse().map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
    ];
    const report = await read(
      await writeTar(replace(entries, 'manifest.json', (e) => ({ ...e, content: json(manifest) }))),
    );
    expect(codes(report)).toContain(ProblemCode.manifestMismatch);
  });

  it('LAYER_SOURCE_MISMATCH: LayerSources describing another blob is a warning', async () => {
    const { entries, images } = await entriesOf('docker-classic');
    const base = images[0];
    const layerPath = entries.find((e) => e.path.endsWith('/layer.tar'))?.path ?? '';
    const manifest = [
      {
        Config: `${base?.configDigest.slice(7) ?? ''}.json`,
        RepoTags: ['x:1'],
        Layers: [layerPath],
        LayerSources: {
          [base?.layers[0]?.diffId ?? '']: {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            size: 1,
            digest: `sha256:${'0'.repeat(64)}`,
          },
        },
      },
    ];
    const report = await read(
      await writeTar(replace(entries, 'manifest.json', (e) => ({ ...e, content: json(manifest) }))),
    );
    expect(report.problems.find((p) => p.code === ProblemCode.layerSourceMismatch)?.severity).toBe('warning');
  });

  it('INVALID_JSON and INVALID_CONFIG: a config that is not JSON, or not a config', async () => {
    const { entries, images } = await entriesOf('podman');
    const configPath = (i: number) => `${images[i]?.configDigest.slice(7) ?? ''}.json`;
    let broken = replace(entries, configPath(0), (e) => ({ ...e, content: Buffer.from('{nope') }));
    broken = replace(broken, configPath(1), (e) => ({ ...e, content: json({ architecture: 'amd64' }) }));
    const report = await read(await writeTar(broken));
    expect(codes(report)).toEqual(expect.arrayContaining([ProblemCode.invalidJson, ProblemCode.invalidConfig]));
  });

  it('ENTRY_TOO_LARGE: a config over the JSON cap', async () => {
    const { entries, images } = await entriesOf('podman');
    const path = `${images[0]?.configDigest.slice(7) ?? ''}.json`;
    const broken = replace(entries, path, (e) => ({ ...e, content: Buffer.from(`{"pad":"${'x'.repeat(100_000)}"}`) }));
    const report = await read(await writeTar(broken), { jsonCap: 50_000 });
    expect(codes(report)).toContain(ProblemCode.entryTooLarge);
  });

  it('INVALID_LAYER: a layer that is not a tar', async () => {
    const { entries, images } = await entriesOf('podman');
    const path = `${images[0]?.layers[0]?.diffId.slice(7) ?? ''}.tar`;
    const report = await read(
      await writeTar(replace(entries, path, (e) => ({ ...e, content: Buffer.from('not a tar') }))),
    );
    expect(codes(report)).toContain(ProblemCode.invalidLayer);
  });

  it('LINK_CYCLE and LINK_ESCAPE: hostile layer.tar links', async () => {
    const { entries, images } = await entriesOf('podman');
    const manifest = JSON.parse(entries.find((e) => e.path === 'manifest.json')?.content?.toString() ?? '[]') as {
      Layers: string[];
    }[];
    const [first, second] = manifest;
    if (!first || !second) throw new Error('sample missing');
    first.Layers = ['loop/a'];
    second.Layers = ['escape/layer.tar', `${images[1]?.layers[1]?.diffId.slice(7) ?? ''}.tar`];
    const damaged: EntrySpec[] = [
      ...entries.filter((e) => e.path !== 'manifest.json'),
      { path: 'loop/a', type: 'symlink', target: 'b' },
      { path: 'loop/b', type: 'symlink', target: 'a' },
      { path: 'escape/layer.tar', type: 'symlink', target: '../../../etc/passwd' },
      { path: 'manifest.json', content: json(manifest) },
    ];
    const report = await read(await writeTar(damaged));
    expect(codes(report)).toEqual(expect.arrayContaining([ProblemCode.linkCycle, ProblemCode.linkEscape]));
  });

  it('INDEX_CYCLE: indexes nested deeper than any real layout stop, with a warning', async () => {
    const { entries, images } = await entriesOf('oci');
    const image = images[0];
    let descriptor: object = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: image?.manifestDigest,
      size: image?.manifest.length,
    };
    const extra: EntrySpec[] = [];
    for (let depth = 0; depth < 40; depth++) {
      const index = json({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [descriptor],
      });
      extra.push({ path: `blobs/sha256/${sha256(index)}`, content: index });
      descriptor = {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: `sha256:${sha256(index)}`,
        size: index.length,
      };
    }
    const top = json({ schemaVersion: 2, manifests: [descriptor] });
    const report = await read(
      await writeTar([...replace(entries, 'index.json', () => null), ...extra, { path: 'index.json', content: top }]),
    );
    expect(report.problems.find((p) => p.code === ProblemCode.indexCycle)?.severity).toBe('warning');
  });

  it('DUPLICATE_ENTRY: the last copy of a path wins, as tar extraction does', async () => {
    const { entries } = await entriesOf('docker-classic');
    const report = await read(await writeTar([...entries, { path: 'repositories', content: json({}) }]));
    expect(report.problems.find((p) => p.code === ProblemCode.duplicateEntry)?.severity).toBe('info');
    expect(report.images).toHaveLength(2);
  });

  it('MISSING_END_OF_ARCHIVE: complete entries without the end blocks read with a warning', async () => {
    const { entries } = await entriesOf('docker-classic');
    const report = await read(await writeTar(entries, { endBlocks: false }));
    expect(report.problems.find((p) => p.code === ProblemCode.missingEndOfArchive)?.severity).toBe('warning');
    expect(report.images).toHaveLength(2);
  });

  it('HISTORY_MISMATCH: more layers than history steps is noted', async () => {
    const spec = { tags: ['x:1'], layers: sampleImages()[1]?.layers ?? [], history: [{ createdBy: 'one step' }] };
    const image = await buildImage(spec);
    const report = await read(await writeTar(archiveEntries('podman', [image])));
    expect(report.problems.find((p) => p.code === ProblemCode.historyMismatch)?.severity).toBe('info');
  });
});

describe('absent and foreign blobs', () => {
  it('lists index entries whose blobs are absent, without an error', async () => {
    const { entries } = await entriesOf('oci');
    const index = JSON.parse(entries.find((e) => e.path === 'index.json')?.content?.toString() ?? '{}') as {
      manifests: object[];
    };
    index.manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'a'.repeat(64)}`,
      size: 100,
      platform: { os: 'linux', architecture: 's390x' },
    });
    const report = await read(await writeTar(replace(entries, 'index.json', (e) => ({ ...e, content: json(index) }))));
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.absent).toEqual([
      {
        kind: 'image',
        digest: `sha256:${'a'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        platform: 'linux/s390x',
        tags: [],
      },
    ]);
  });
});
