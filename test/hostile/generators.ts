/**
 * Hostile and malformed inputs, one generator per class of issue 12. Each returns archive bytes
 * (or a report) built with the fixture builder, so the tar itself comes from tar-stream.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveEntries, buildImage, sha256, writeTar, type EntrySpec } from '../helpers/fixture-builder.js';

/** Text that tries everything: ESC/CSI, BEL, OSC title, C1 CSI, bidi, zero-width, HTML, Markdown. */
export const EVIL =
  '\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202etxt.exe\u2066\u200b\ufeff\u061c<img src=x onerror=alert(1)></style><script>alert(2)</script>|`x`[a](http://e)';

/** Characters that must never reach a terminal raw (newlines aside). */
export const RAW_UNSAFE = new RegExp(
  // eslint-disable-next-line no-control-regex
  '[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ufeff]',
);

export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const hex = (digest: string): string => digest.slice('sha256:'.length);

export function tempFile(name: string, bytes: Buffer | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'layerlens-hostile-'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Text that would notify people from a PR comment: a user, a team, a user inside a path. */
export const MENTIONS = ['@octocat', '@acme/security-team', 'ping-@admin'] as const;

/** A docker archive whose tag, paths and history steps @mention people (issue 12). */
export async function mentionArchive(): Promise<Buffer> {
  const image = await buildImage({
    tags: [`app:${MENTIONS[0]}`],
    layers: [
      { files: [{ path: `srv/${MENTIONS[1]}/notify.sh`, content: Buffer.alloc(4096, 1) }] },
      { files: [{ path: `srv/${MENTIONS[1]}/notify.sh`, content: Buffer.alloc(4096, 2) }] },
    ],
    history: [{ createdBy: `RUN echo ${MENTIONS[2]}` }, { createdBy: `COPY . /srv # cc ${MENTIONS[0]}` }],
  });
  return writeTar(archiveEntries('oci', [image]));
}

/**
 * An OCI archive whose every text field is hostile: tag, platform, `created`, history steps,
 * paths (one hidden by a later layer, so audit names it), an artifact's `artifactType`, and an
 * absent descriptor with a hostile platform.
 */
export async function injectionArchive(): Promise<Buffer> {
  const image = await buildImage({
    tags: [`evil:${EVIL}`],
    platform: { os: 'linux', architecture: `amd64${EVIL}`, variant: EVIL },
    created: `2024${EVIL}`,
    layers: [
      { files: [{ path: `app/${EVIL}.bin`, content: Buffer.alloc(4096, 7) }] },
      { files: [{ path: `app/${EVIL}.bin`, content: Buffer.alloc(4096, 8) }] },
    ],
    history: [{ createdBy: `/bin/sh -c ${EVIL}` }, { createdBy: `COPY . . ${EVIL}` }],
  });
  const entries = archiveEntries('oci', [image]);
  const artifact = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: `application/x-${EVIL}`,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${sha256('{}')}`, size: 2 },
    layers: [],
  });
  const index = JSON.parse(entries.find((e) => e.path === 'index.json')?.content?.toString() ?? '{}') as {
    manifests: object[];
  };
  // The absent descriptor sits in a nested index: index.json's own entries must be present.
  const platforms = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${'e'.repeat(64)}`,
        size: 10,
        platform: { os: `linux${EVIL}`, architecture: 'arm64' },
      },
    ],
  });
  index.manifests.push(
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${sha256(artifact)}`,
      size: artifact.length,
      annotations: { 'org.opencontainers.image.ref.name': `art${EVIL}` },
    },
    {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: `sha256:${sha256(platforms)}`,
      size: platforms.length,
    },
  );
  const out: EntrySpec[] = entries.map((e) => (e.path === 'index.json' ? { ...e, content: json(index) } : e));
  out.push(
    { path: `blobs/sha256/${hex(`sha256:${sha256(artifact)}`)}`, content: artifact },
    { path: `blobs/sha256/${sha256('{}')}`, content: Buffer.from('{}') },
    { path: `blobs/sha256/${sha256(platforms)}`, content: platforms },
  );
  return writeTar(out);
}

/** One small layer tar and its diff id, for archives that list it many times. */
async function tinyLayer(): Promise<{ tar: Buffer; diffId: string }> {
  const tar = await writeTar([{ path: 'f', content: Buffer.from('x') }]);
  return { tar, diffId: `sha256:${sha256(tar)}` };
}

/** A docker-save archive whose one image, tagged `tag`, lists the same layer `count` times (100k+ layers). */
export async function manyLayersArchive(count: number, step = 'RUN true', tag = 'many:layers'): Promise<Buffer> {
  const { tar, diffId } = await tinyLayer();
  const config = json({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: Array.from({ length: count }, () => diffId) },
    history: Array.from({ length: count }, () => ({ created_by: step })),
  });
  const manifest = json([
    { Config: 'config.json', RepoTags: [tag], Layers: Array.from({ length: count }, () => 'layer.tar') },
  ]);
  return writeTar([
    { path: 'layer.tar', content: tar },
    { path: 'config.json', content: config },
    { path: 'manifest.json', content: manifest },
  ]);
}

/** A docker-save archive whose one image lists a layer of `entries` empty files `count` times. */
export async function repeatedLayerArchive(entries: number, count: number): Promise<Buffer> {
  const tar = await writeTar(
    Array.from({ length: entries }, (_, i) => ({ path: `d/f${i}`, content: Buffer.alloc(0) })),
  );
  const diffId = `sha256:${sha256(tar)}`;
  const config = json({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: Array.from({ length: count }, () => diffId) },
  });
  const manifest = json([
    { Config: 'config.json', RepoTags: ['repeated:layer'], Layers: Array.from({ length: count }, () => 'layer.tar') },
  ]);
  return writeTar([
    { path: 'layer.tar', content: tar },
    { path: 'config.json', content: config },
    { path: 'manifest.json', content: manifest },
  ]);
}

/** A docker-save archive whose manifest.json lists `count` images (same config, own tags). */
export async function manyImagesArchive(count: number): Promise<Buffer> {
  const { tar, diffId } = await tinyLayer();
  const config = json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] } });
  const manifest = json(
    Array.from({ length: count }, (_, i) => ({ Config: 'config.json', RepoTags: [`img:${i}`], Layers: ['layer.tar'] })),
  );
  return writeTar([
    { path: 'layer.tar', content: tar },
    { path: 'config.json', content: config },
    { path: 'manifest.json', content: manifest },
  ]);
}

/**
 * An OCI layout whose index.json leads through `depth` nested indexes, each listing the next one
 * twice: walked naively that is 2^depth visits of a few-kilobyte archive.
 */
export async function nestedIndexArchive(depth: number): Promise<Buffer> {
  const image = await buildImage({ tags: ['nested:1'], layers: [{ files: [{ path: 'a', content: 'a' }] }] });
  const entries = archiveEntries('oci', [image]).filter((e) => e.path !== 'index.json');
  let child = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: image.manifestDigest,
    size: image.manifest.length,
  };
  for (let level = 0; level < depth; level++) {
    const index = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [child, child],
    });
    const digest = `sha256:${sha256(index)}`;
    entries.push({ path: `blobs/sha256/${hex(digest)}`, content: index });
    child = { mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: index.length };
  }
  entries.push({ path: 'index.json', content: json({ schemaVersion: 2, manifests: [child] }) });
  return writeTar(entries);
}

/** A layer whose one file has a pax path of `length` bytes. */
export async function longPathArchive(length: number): Promise<Buffer> {
  const image = await buildImage({
    tags: ['long:path'],
    layers: [{ files: [{ path: `${'d/'.repeat(length / 2 - 1)}f`, content: 'x' }] }],
  });
  return writeTar(archiveEntries('docker-classic', [image]));
}

/**
 * A docker save preceded by `count` outer entries whose pax paths all have `length` characters and
 * differ only in their last 7 (V8 hashes strings past 16,383 characters by their length alone).
 * tar-stream writes the first; the others are copies of it with those digits changed, which only
 * the pax record holds (tar-stream took 2.4 s for 4,000 such entries).
 */
export async function longOuterPathsArchive(count: number, length: number): Promise<Buffer> {
  const image = await buildImage({ tags: ['long:outer'], layers: [{ files: [{ path: 'f', content: 'x' }] }] });
  const path = `junk/${'a'.repeat(length - 'junk/'.length - 7)}${'0'.repeat(7)}`;
  const first = await writeTar([{ path, content: Buffer.from('x') }], { endBlocks: false });
  const digits = first.indexOf(`${path.slice(-16)}\n`) + 16 - 7;
  const junk = Buffer.alloc(first.length * count);
  for (let i = 0; i < count; i++) {
    first.copy(junk, i * first.length);
    junk.write(String(i).padStart(7, '0'), i * first.length + digits, 'latin1');
  }
  return Buffer.concat([junk, await writeTar(archiveEntries('docker-classic', [image]))]);
}

/**
 * A legacy (pre-1.10) docker save: `repositories` naming `count` images, each one v1 layer of its
 * own, and a top-level config per image whose diff ids match only that layer. Read naively, each
 * image parses every config until its own: count² / 2 parses.
 */
export async function legacyManyImagesArchive(count: number): Promise<Buffer> {
  const entries: EntrySpec[] = [];
  const tags: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const id = sha256(`v1 layer ${i}`);
    const tar = await writeTar([{ path: `f${i}`, content: Buffer.from(String(i)) }]);
    const config = json({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
      history: [{ created_by: `RUN make ${i}` }],
    });
    entries.push(
      { path: `${id}/json`, content: json({ id }) },
      { path: `${id}/layer.tar`, content: tar },
      { path: `${sha256(config)}.json`, content: config },
    );
    tags[`t${i}`] = id;
  }
  entries.push({ path: 'repositories', content: json({ 'legacy/many': tags }) });
  return writeTar(entries);
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** An OCI image manifest naming `config` and the tiny layer `layers` times, with `annotations` to make it unique. */
function ociManifest(config: Buffer, layer: Buffer, annotations: Record<string, string> = {}, layers = 1): Buffer {
  return json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${sha256(config)}`,
      size: config.length,
    },
    layers: Array.from({ length: layers }, () => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest: `sha256:${sha256(layer)}`,
      size: layer.length,
    })),
    annotations,
  });
}

/** The tiny image as OCI blobs: its layer `layers` times, config and manifest. */
async function tinyOciImage(layers = 1): Promise<{ manifest: Buffer; entries: EntrySpec[] }> {
  const { tar, diffId } = await tinyLayer();
  const diffIds = Array.from({ length: layers }, () => diffId);
  const config = json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } });
  const manifest = ociManifest(config, tar, {}, layers);
  const entries = [tar, config, manifest].map((content) => ({ path: `blobs/sha256/${sha256(content)}`, content }));
  return { manifest, entries };
}

/** A descriptor of `blob`, with `annotations` when given. */
function descriptorOf(blob: Buffer, mediaType: string, annotations?: Record<string, string>): object {
  return { mediaType, digest: `sha256:${sha256(blob)}`, size: blob.length, ...(annotations ? { annotations } : {}) };
}

/** `count` descriptors of `blob`, each tagged `${tag}${i}`. */
function taggedDescriptors(blob: Buffer, mediaType: string, count: number, tag: string): object[] {
  return Array.from({ length: count }, (_, i) =>
    descriptorOf(blob, mediaType, { 'org.opencontainers.image.ref.name': `${tag}${i}` }),
  );
}

/** An OCI index listing `manifests`, stored as a blob among `entries`; its bytes. */
function storedIndex(entries: EntrySpec[], manifests: readonly object[], annotations?: object): Buffer {
  const index = json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests, ...(annotations ? { annotations } : {}) });
  entries.push({ path: `blobs/sha256/${sha256(index)}`, content: index });
  return index;
}

/** An OCI layout of `entries` (blobs) whose index.json lists `manifests`. */
function ociLayoutTar(entries: readonly EntrySpec[], manifests: readonly object[]): Promise<Buffer> {
  return writeTar([
    ...entries,
    { path: 'index.json', content: json({ schemaVersion: 2, manifests }) },
    { path: 'oci-layout', content: json({ imageLayoutVersion: '1.0.0' }) },
  ]);
}

/** An OCI layout whose index.json lists one image manifest (of `layers` layers) `count` times, each with its own tag. */
export async function repeatedManifestArchive(count: number, layers = 1): Promise<Buffer> {
  const { manifest, entries } = await tinyOciImage(layers);
  return ociLayoutTar(entries, taggedDescriptors(manifest, OCI_MANIFEST, count, 't'));
}

/**
 * An OCI layout whose index.json lists one nested index `listings` times, each with its own tag,
 * and that index lists one image manifest `children` times, untagged (each inherits the tags).
 */
export async function repeatedIndexArchive(listings: number, children: number): Promise<Buffer> {
  const { manifest, entries } = await tinyOciImage();
  const child = descriptorOf(manifest, OCI_MANIFEST);
  const nested = storedIndex(
    entries,
    Array.from({ length: children }, () => child),
  );
  return ociLayoutTar(entries, taggedDescriptors(nested, OCI_INDEX, listings, 't'));
}

/**
 * An OCI layout whose index.json lists one nested index `listings` times, each with its own tag,
 * and that index lists `children` distinct untagged indexes, each listing the one image manifest:
 * one image, `listings` tags, handed down `listings` x `children` times.
 */
export async function taggedFanoutArchive(listings: number, children: number): Promise<Buffer> {
  const { manifest, entries } = await tinyOciImage();
  const child = descriptorOf(manifest, OCI_MANIFEST);
  const middle = Array.from({ length: children }, (_, i) =>
    descriptorOf(storedIndex(entries, [child], { n: `${i}` }), OCI_INDEX),
  );
  const top = storedIndex(entries, middle);
  return ociLayoutTar(entries, taggedDescriptors(top, OCI_INDEX, listings, 't'));
}

/**
 * An OCI layout whose index.json lists `indexes` nested indexes, each listing one manifest `count`
 * times with its own tag of `length` characters and a few more (by default past the 16,383 that V8
 * hashes in full), differing only at their end.
 */
export async function longTagsArchive(indexes: number, count: number, length = 16_390): Promise<Buffer> {
  const { manifest, entries } = await tinyOciImage();
  const top = Array.from({ length: indexes }, (_, k) =>
    descriptorOf(
      storedIndex(entries, taggedDescriptors(manifest, OCI_MANIFEST, count, `${'t'.repeat(length)}${k}-`)),
      OCI_INDEX,
    ),
  );
  return ociLayoutTar(entries, top);
}

/** A docker save whose manifest.json lists `count` images naming one config of `steps` history steps. */
export async function sharedConfigArchive(count: number, steps: number): Promise<Buffer> {
  const { tar, diffId } = await tinyLayer();
  const history = [
    { created_by: 'RUN x' },
    ...Array.from({ length: steps - 1 }, () => ({ created_by: 'ENV x', empty_layer: true })),
  ];
  const config = json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] }, history });
  const images = Array.from({ length: count }, (_, i) => ({
    Config: 'config.json',
    RepoTags: [`r:${i}`],
    Layers: ['layer.tar'],
  }));
  return writeTar([
    { path: 'layer.tar', content: tar },
    { path: 'config.json', content: config },
    { path: 'manifest.json', content: json(images) },
  ]);
}

/**
 * A docker-save archive of `count` images on one base layer of `files` files, each image with a
 * layer of one file of its own (distinct configs, so each image is read on its own).
 */
export async function sharedBaseArchive(count: number, files: number): Promise<Buffer> {
  const base = await writeTar(
    Array.from({ length: files }, (_, i) => ({ path: `usr/share/f${i}`, content: Buffer.from('x') })),
  );
  const entries: EntrySpec[] = [{ path: 'base.tar', content: base }];
  const manifest = [];
  for (let i = 0; i < count; i++) {
    const own = await writeTar([{ path: `app/f${i}`, content: Buffer.from('y') }]);
    const config = json({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(base)}`, `sha256:${sha256(own)}`] },
      history: [{ created_by: 'COPY base /' }, { created_by: `COPY app${i} /app` }],
    });
    entries.push({ path: `own${i}.tar`, content: own }, { path: `config${i}.json`, content: config });
    manifest.push({ Config: `config${i}.json`, RepoTags: [`app${i}:1`], Layers: ['base.tar', `own${i}.tar`] });
  }
  entries.push({ path: 'manifest.json', content: json(manifest) });
  return writeTar(entries);
}
