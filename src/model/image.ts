import type { Digest } from './digest.js';
import type { ArchiveCompression, Compression } from './media-type.js';
import type { HistoryStep } from './config.js';
import type { Problem } from './problem.js';
import type { MetadataFile } from '../layer/metadata-capture.js';
import type { FileList } from '../layer/file-list.js';
import type { ImagePackages } from '../packages/types.js';

export interface LayerReport {
  readonly index: number;
  /** sha256 of the uncompressed layer tar, as the config lists it: the sharing key. */
  readonly diffId: Digest | null;
  /** sha256 of the layer blob as stored in this archive (null when it is not in it): the wire key. */
  readonly digest: Digest | null;
  readonly mediaType: string | null;
  readonly compression: Compression | null;
  readonly storedSize: number | null;
  readonly uncompressedSize: number | null;
  readonly contentSize: number | null;
  readonly fileCount: number | null;
  readonly createdBy: string | null;
  readonly present: boolean;
  /** A non-distributable (foreign) layer the archive may leave out. */
  readonly external: boolean;
  readonly estargz: boolean;
  /** Where the archive keeps it (after links), or null. */
  readonly entry: string | null;
  /** Compressed size a registry would transfer, from a descriptor or the stored blob; null if unknown. */
  readonly compressedSize: number | null;
  /** True when `compressedSize` is layerlens's gzip -6 estimate, not a stored blob's size. */
  readonly compressedSizeEstimated: boolean;
  /** The layer's entries (empty unless read with keepFiles); as records: `files.records()`. */
  readonly files: FileList;
  /** Package database files kept from this layer (present, maybe empty, only when read with `keepMetadata`). */
  readonly metadataFiles?: readonly MetadataFile[];
}

export interface ImageReport {
  readonly tags: readonly string[];
  readonly configDigest: Digest | null;
  readonly manifestDigest: Digest | null;
  readonly platform: string | null;
  readonly created: string | null;
  readonly contentSize: number;
  readonly uncompressedSize: number;
  readonly compressedSize: number | null;
  readonly layers: readonly LayerReport[];
  readonly history: readonly HistoryStep[];
  /** Locales the config's Env selects (LANG, LC_ALL, LANGUAGE); absent in a saved report. */
  readonly locales?: readonly string[];
  /** Packages as a saved `inspect --json --packages` report lists them (absent when read from an archive). */
  readonly packages?: ImagePackages;
}

export interface ArtifactReport {
  readonly kind: 'attestation' | 'artifact';
  readonly manifestDigest: Digest;
  readonly artifactType: string | null;
  readonly configMediaType: string | null;
  readonly tags: readonly string[];
  readonly subject: Digest | null;
  readonly platform: string | null;
  readonly layerCount: number;
  readonly size: number;
}

export interface AbsentReport {
  readonly kind: 'image' | 'index' | 'attestation' | 'unknown';
  readonly digest: Digest;
  readonly mediaType: string | null;
  readonly platform: string | null;
  readonly tags: readonly string[];
}

export type ArchiveFormat = 'docker-save' | 'docker-save+oci' | 'oci-layout' | 'docker-dir' | 'docker-legacy';

export interface ArchiveReport {
  readonly path: string;
  readonly format: ArchiveFormat;
  /** Compression of the archive file as a whole. */
  readonly compression: ArchiveCompression;
  /** Whether every blob was hashed and checked (false: a metadata-only read, `--no-verify`). */
  readonly verified: boolean;
  readonly entryCount: number;
  readonly images: readonly ImageReport[];
  readonly artifacts: readonly ArtifactReport[];
  readonly absent: readonly AbsentReport[];
  readonly problems: readonly Problem[];
}

/**
 * Something per image, looked up (or built) when asked: a Map, or what builds each image's final
 * tree when that image's output is written, so that only one is held at a time.
 */
export interface ImageLookup<T> {
  get(image: ImageReport): T | undefined;
}
