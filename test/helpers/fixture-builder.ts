/**
 * Writes image archives in every format layerlens reads, from a small spec, deterministically
 * (fixed times, sorted keys). The tar bytes come from tar-stream, an implementation independent
 * of ours, so tests check our reader against a different writer.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack, type Header as TarHeaders } from 'tar-stream';
import { zstdRawFrame } from './zstd-raw.js';

export type FileSpec =
  | { path: string; content?: string | Buffer; mode?: number }
  | { path: string; type: 'dir' }
  | { path: string; type: 'symlink' | 'hardlink'; target: string };

export interface LayerSpec {
  files: FileSpec[];
  compression?: 'none' | 'gzip' | 'zstd';
}

export interface ImageSpec {
  tags?: string[];
  layers: LayerSpec[];
  /** History steps; default one `created_by` per layer. */
  history?: { createdBy: string; emptyLayer?: boolean }[];
  platform?: { os: string; architecture: string; variant?: string };
  created?: string;
  /** The config's `Env` (`LANG=de_DE.UTF-8`). */
  env?: string[];
}

export type FixtureFormat =
  'docker-classic' | 'docker25' | 'podman' | 'oci' | 'docker-dir' | 'legacy' | 'crane' | 'jib';

export interface EntrySpec {
  path: string;
  content?: Buffer;
  type?: 'file' | 'symlink' | 'hardlink' | 'dir';
  target?: string;
  mode?: number;
}

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

const MTIME = new Date(0);

/** A tar of `entries`, written by tar-stream. */
export async function writeTar(entries: readonly EntrySpec[], options: { endBlocks?: boolean } = {}): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    packer.on('end', resolve);
    packer.on('error', reject);
  });
  for (const entry of entries) {
    const header: Partial<TarHeaders> & { name: string } = {
      name: entry.path,
      mtime: MTIME,
      uid: 0,
      gid: 0,
      mode: 0o644,
    };
    if (entry.type === 'dir') packer.entry({ ...header, type: 'directory', mode: 0o755 });
    else if (entry.type === 'symlink') packer.entry({ ...header, type: 'symlink', linkname: entry.target ?? '' });
    else if (entry.type === 'hardlink') packer.entry({ ...header, type: 'link', linkname: entry.target ?? '' });
    else packer.entry({ ...header, mode: entry.mode ?? 0o644 }, entry.content ?? Buffer.alloc(0));
  }
  packer.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return options.endBlocks === false ? tar.subarray(0, tar.length - 1024) : tar;
}

export interface BuiltLayer {
  tar: Buffer;
  blob: Buffer;
  diffId: string;
  digest: string;
  compression: 'none' | 'gzip' | 'zstd';
  /** Regular-file bytes plus symlink target lengths. */
  contentSize: number;
  fileCount: number;
}

export async function buildLayer(spec: LayerSpec): Promise<BuiltLayer> {
  const entries: EntrySpec[] = spec.files.map((file) => {
    if ('type' in file) {
      return file.type === 'dir'
        ? { path: file.path, type: 'dir' }
        : { path: file.path, type: file.type, target: file.target };
    }
    return { path: file.path, content: Buffer.from(file.content ?? ''), ...(file.mode ? { mode: file.mode } : {}) };
  });
  const tar = await writeTar(entries);
  const compression = spec.compression ?? 'none';
  const blob = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? zstdRawFrame(tar) : tar;
  let contentSize = 0;
  for (const file of spec.files) {
    if (!('type' in file)) contentSize += Buffer.from(file.content ?? '').length;
    else if (file.type === 'symlink') contentSize += Buffer.byteLength(file.target);
  }
  return {
    tar,
    blob,
    diffId: `sha256:${sha256(tar)}`,
    digest: `sha256:${sha256(blob)}`,
    compression,
    contentSize,
    fileCount: spec.files.length,
  };
}

export interface BuiltImage {
  spec: ImageSpec;
  layers: BuiltLayer[];
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
}

const LAYER_MEDIA: Record<BuiltLayer['compression'], string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export async function buildImage(spec: ImageSpec): Promise<BuiltImage> {
  const layers: BuiltLayer[] = [];
  for (const layer of spec.layers) layers.push(await buildLayer(layer));
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const history =
    spec.history?.map((h) => ({ created_by: h.createdBy, ...(h.emptyLayer ? { empty_layer: true } : {}) })) ??
    layers.map((_, i) => ({ created_by: `/bin/sh -c #(nop) ADD file:layer${i} in /` }));
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created: spec.created ?? '2024-01-01T00:00:00Z',
      config: spec.env ? { Env: spec.env } : {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history,
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha256(config)}`,
        size: config.length,
      },
      layers: layers.map((l) => ({ mediaType: LAYER_MEDIA[l.compression], digest: l.digest, size: l.blob.length })),
    }),
  );
  return {
    spec,
    layers,
    config,
    configDigest: `sha256:${sha256(config)}`,
    manifest,
    manifestDigest: `sha256:${sha256(manifest)}`,
  };
}

const hex = (digest: string): string => digest.slice('sha256:'.length);

/** Entries of an archive holding `images` in `format`, in the order its real writer uses. */
export function archiveEntries(format: FixtureFormat, images: readonly BuiltImage[]): EntrySpec[] {
  const entries: EntrySpec[] = [];
  const seen = new Set<string>();
  const add = (entry: EntrySpec): void => {
    if (seen.has(entry.path)) return;
    seen.add(entry.path);
    entries.push(entry);
  };
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
  const v1Id = (image: BuiltImage, i: number): string => sha256(`${image.configDigest}/${i}`);
  switch (format) {
    case 'docker-classic':
    case 'podman': {
      const written = new Map<string, string>();
      const manifest = images.map((image) => {
        const layerPaths = image.layers.map((layer, i) => {
          const id = v1Id(image, i);
          // docker save hard-links a layer it already wrote (the same diff id again).
          const earlier = written.get(layer.diffId);
          if (format === 'docker-classic' && earlier !== undefined && earlier !== `${id}/layer.tar`) {
            add({ path: `${id}/layer.tar`, type: 'hardlink', target: earlier });
            return `${id}/layer.tar`;
          }
          if (format === 'docker-classic') written.set(layer.diffId, `${id}/layer.tar`);
          if (format === 'podman') {
            add({ path: `${hex(layer.diffId)}.tar`, content: layer.blob });
            add({ path: `${id}/layer.tar`, type: 'symlink', target: `../${hex(layer.diffId)}.tar` });
            return `${hex(layer.diffId)}.tar`;
          }
          add({ path: `${id}/VERSION`, content: Buffer.from('1.0') });
          add({ path: `${id}/layer.tar`, content: layer.blob });
          add({ path: `${id}/json`, content: json({ id, ...(i > 0 ? { parent: v1Id(image, i - 1) } : {}) }) });
          return `${id}/layer.tar`;
        });
        add({ path: `${hex(image.configDigest)}.json`, content: image.config });
        return { Config: `${hex(image.configDigest)}.json`, RepoTags: image.spec.tags ?? null, Layers: layerPaths };
      });
      add({ path: 'manifest.json', content: json(manifest) });
      add({ path: 'repositories', content: json(repositoriesOf(images, v1Id)) });
      return entries;
    }
    case 'docker25':
    case 'oci': {
      for (const image of images) {
        for (const layer of image.layers) add({ path: `blobs/sha256/${hex(layer.digest)}`, content: layer.blob });
        add({ path: `blobs/sha256/${hex(image.configDigest)}`, content: image.config });
        add({ path: `blobs/sha256/${hex(image.manifestDigest)}`, content: image.manifest });
      }
      const index = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: images.flatMap((image) => {
          const platform = image.spec.platform ?? { os: 'linux', architecture: 'amd64' };
          const descriptor = {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: image.manifestDigest,
            size: image.manifest.length,
            platform,
          };
          const tags = image.spec.tags ?? [];
          if (tags.length === 0) return [descriptor];
          return tags.map((tag) => ({ ...descriptor, annotations: { 'org.opencontainers.image.ref.name': tag } }));
        }),
      };
      add({ path: 'index.json', content: json(index) });
      if (format === 'docker25') {
        add({
          path: 'manifest.json',
          content: json(
            images.map((image) => ({
              Config: `blobs/sha256/${hex(image.configDigest)}`,
              RepoTags: image.spec.tags ?? null,
              Layers: image.layers.map((l) => `blobs/sha256/${hex(l.digest)}`),
            })),
          ),
        });
      }
      add({ path: 'oci-layout', content: json({ imageLayoutVersion: '1.0.0' }) });
      return entries;
    }
    case 'docker-dir': {
      const image = images[0];
      if (!image || images.length !== 1) throw new Error('a dir: layout holds exactly one image');
      for (const layer of image.layers) add({ path: hex(layer.digest), content: layer.blob });
      add({ path: hex(image.configDigest), content: image.config });
      add({ path: 'manifest.json', content: image.manifest });
      add({ path: 'version', content: Buffer.from('Directory Transport Version: 1.1\n') });
      return entries;
    }
    case 'crane':
    case 'jib': {
      // crane/kaniko: config named sha256:<hex>, layers <digest>.tar.gz, LayerSources.
      // Jib: the same layout with lower-case manifest keys and config.json.
      const manifest = images.map((image) => {
        for (const layer of image.layers) add({ path: `${hex(layer.digest)}.tar.gz`, content: layer.blob });
        const config = format === 'jib' ? 'config.json' : image.configDigest;
        add({ path: config, content: image.config });
        const layers = image.layers.map((l) => `${hex(l.digest)}.tar.gz`);
        if (format === 'jib') return { config, repoTags: image.spec.tags ?? [], layers };
        const sources = Object.fromEntries(
          image.layers.map((l) => [
            l.diffId,
            { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.blob.length, digest: l.digest },
          ]),
        );
        return { Config: config, RepoTags: image.spec.tags ?? [], Layers: layers, LayerSources: sources };
      });
      add({ path: 'manifest.json', content: json(manifest) });
      return entries;
    }
    case 'legacy': {
      for (const image of images) {
        image.layers.forEach((layer, i) => {
          const id = v1Id(image, i);
          add({ path: `${id}/VERSION`, content: Buffer.from('1.0') });
          add({ path: `${id}/layer.tar`, content: layer.blob });
          add({ path: `${id}/json`, content: json({ id, ...(i > 0 ? { parent: v1Id(image, i - 1) } : {}) }) });
        });
      }
      add({ path: 'repositories', content: json(repositoriesOf(images, v1Id)) });
      return entries;
    }
  }
}

function repositoriesOf(images: readonly BuiltImage[], v1Id: (image: BuiltImage, i: number) => string): object {
  const repositories: Record<string, Record<string, string>> = {};
  for (const image of images) {
    for (const tag of image.spec.tags ?? []) {
      const colon = tag.lastIndexOf(':');
      const repo = tag.slice(0, colon);
      (repositories[repo] ??= {})[tag.slice(colon + 1)] = v1Id(image, image.layers.length - 1);
    }
  }
  return repositories;
}

export interface BuildOptions {
  outer?: 'none' | 'gzip' | 'zstd';
}

/** A whole archive: the images, the format, and optionally whole-file compression. */
export async function buildArchive(
  format: FixtureFormat,
  specs: readonly ImageSpec[],
  options: BuildOptions = {},
): Promise<{ bytes: Buffer; images: BuiltImage[] }> {
  const images: BuiltImage[] = [];
  for (const spec of specs) images.push(await buildImage(spec));
  const tar = await writeTar(archiveEntries(format, images));
  const outer = options.outer ?? 'none';
  const bytes = outer === 'gzip' ? gzipSync(tar) : outer === 'zstd' ? zstdRawFrame(tar) : tar;
  return { bytes, images };
}
