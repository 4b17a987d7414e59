import { createHash, type Hash } from 'node:crypto';
import { digestFromHash, type Digest } from '../model/digest.js';
import type { Compression } from '../model/media-type.js';
import { LayerWalker, type LayerContents } from '../layer/layer-contents.js';
import type { FileBatch } from '../layer/file-list.js';
import { createDecoder, createGzipEstimator, type Decoder } from './decompress.js';
import { isCompressedKind, SniffHead, sniffContent, type ContentKind } from './sniff.js';

/**
 * A kept JSON entry: its text, or the fact that it was not kept: larger than the cap (`entry`), or
 * among the largest when the archive's JSON passed JSON_ARCHIVE_CAPS times the cap (`archive`).
 */
export type JsonSlot =
  { readonly text: string } | { readonly tooLarge: true; readonly size: number; readonly cap: 'entry' | 'archive' };

/** What one pass learned about a regular entry's bytes. */
export interface BlobFacts {
  /** sha256 of the bytes as stored; without verification, the digest the entry's name claims, or null. */
  readonly digest: Digest | null;
  /** Whether `digest` and `uncompressedDigest` were computed from the bytes (false: metadata-only read). */
  readonly verified: boolean;
  readonly storedSize: number;
  readonly compression: Compression;
  /** What the (decompressed) bytes are. */
  readonly content: ContentKind;
  /** sha256 of the decompressed bytes: the diff id when they are a layer tar (null when not verified). */
  readonly uncompressedDigest: Digest | null;
  readonly uncompressedSize: number;
  readonly layer: LayerContents | null;
  readonly json: JsonSlot | null;
  /** Why decompression failed part-way, or null. */
  readonly decodeError: string | null;
  /** gzip -6 size of an uncompressed layer tar, when estimates were asked for. */
  readonly estimatedCompressedSize: number | null;
}

export interface BlobReaderOptions {
  readonly jsonCap: number;
  readonly keepFiles: boolean;
  /** gzip uncompressed blobs at level 6 to estimate their wire size. */
  readonly estimateCompressed?: boolean;
  /** sha256 every regular file inside layers (for duplicate-file findings). */
  readonly hashFiles?: boolean;
  /** Keep the content of package database files inside layers (`--packages`). */
  readonly keepMetadata?: boolean;
  /** Kept layer records in batches, as the walk goes (see LayerWalkerOptions). Not cloneable: set where the reader runs. */
  readonly onFiles?: (batch: FileBatch) => void;
  /**
   * False skips the sha256 of an uncompressed layer tar (a metadata-only read that still hashes
   * files, as `diff` does): its digest is then null and `verified` false. JSON and compressed
   * blobs are hashed either way. Default true.
   */
  readonly verifyDigest?: boolean;
}

/**
 * Classifies bytes from their head, then routes them: a tar to a header walk, JSON to a capped
 * buffer, anything else nowhere. Synchronous, so an uncompressed layer costs no promises.
 */
class ContentProbe {
  kind: ContentKind | null = null;
  private readonly head = new SniffHead();
  private walker: LayerWalker | null = null;
  private jsonChunks: Buffer[] = [];
  private jsonSize = 0;

  constructor(private readonly options: BlobReaderOptions) {}

  write(chunk: Buffer): void {
    if (this.kind !== null) {
      this.route(chunk);
      return;
    }
    // Used now or copied: the caller may refill its buffer (and a decoder its window) after this call.
    const head = this.head.add(chunk);
    if (head !== null) this.decide(head);
  }

  finish(): { kind: ContentKind; layer: LayerContents | null; json: JsonSlot | null } {
    if (this.kind === null) this.decide(this.head.take());
    const kind = this.kind ?? 'empty';
    const layer = this.walker?.finish() ?? null;
    let json: JsonSlot | null = null;
    if (kind === 'json') {
      json =
        this.jsonSize > this.options.jsonCap
          ? { tooLarge: true, size: this.jsonSize, cap: 'entry' }
          : { text: Buffer.concat(this.jsonChunks).toString('utf8') };
    }
    return { kind, layer, json };
  }

  private decide(head: Buffer): void {
    const sniffed = sniffContent(head);
    // A compressed stream inside a compressed stream, or a compression layers never use
    // (xz, bzip2, lz4), is not a layer we know how to read.
    this.kind = isCompressedKind(sniffed) ? 'other' : sniffed;
    if (this.kind === 'tar') this.walker = new LayerWalker(this.options);
    this.route(head);
  }

  private route(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.walker) {
      this.walker.write(chunk);
    } else if (this.kind === 'json') {
      this.jsonSize += chunk.length;
      if (this.jsonSize <= this.options.jsonCap) this.jsonChunks.push(Buffer.from(chunk));
      else this.jsonChunks = [];
    }
  }
}

/**
 * Reads one stored blob in a single pass: a digest tap on the stored bytes, then (for gzip or
 * zstd) decompression and a second tap for the diff id, then a ContentProbe. Nothing but
 * metadata is kept.
 */
export class BlobReader {
  /** Null once the blob turns out to be an uncompressed tar that need not be verified. */
  private storedHash: Hash | null = createHash('sha256');
  private storedSize = 0;
  private sniffed = false;
  private readonly head = new SniffHead();
  private compression: Compression = 'none';
  private decoder: Decoder | null = null;
  private uncompressedHash: Hash | null = null;
  private uncompressedSize = 0;
  private decodeError: string | null = null;
  private readonly probe: ContentProbe;
  private estimator: Decoder | null = null;
  private estimatedSize = 0;

  constructor(private readonly options: BlobReaderOptions) {
    this.probe = new ContentProbe(options);
  }

  /** Bytes decoders have produced so far (decompressed, and gzip estimates): each a fresh buffer. */
  get decodedSize(): number {
    return (this.uncompressedHash ? this.uncompressedSize : 0) + this.estimatedSize;
  }

  /**
   * Reads the next bytes. The reader keeps no reference to `chunk` once the returned promise
   * resolves (or at once when there is none), so the caller may reuse its buffer.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    this.storedSize += chunk.length;
    if (this.sniffed) {
      this.storedHash?.update(chunk);
      return this.route(chunk);
    }
    const head = this.head.add(chunk);
    return head === null ? undefined : this.decide(head);
  }

  async end(): Promise<BlobFacts> {
    if (!this.sniffed) await this.decide(this.head.take());
    if (this.decoder && this.decodeError === null) {
      try {
        await this.decoder.end();
      } catch (error) {
        this.fail(error);
      }
    }
    let estimated: number | null = null;
    if (this.estimator) {
      await this.estimator.end();
      estimated = this.estimatedSize;
    }
    const { kind, layer, json } = this.probe.finish();
    const digest = this.storedHash ? digestFromHash(this.storedHash.digest('hex')) : null;
    return {
      digest,
      verified: digest !== null,
      storedSize: this.storedSize,
      compression: this.compression,
      content: kind,
      uncompressedDigest: this.uncompressedHash ? digestFromHash(this.uncompressedHash.digest('hex')) : digest,
      uncompressedSize: this.uncompressedHash ? this.uncompressedSize : this.storedSize,
      layer,
      json,
      decodeError: this.decodeError,
      estimatedCompressedSize: kind === 'tar' ? estimated : null,
    };
  }

  private decide(head: Buffer): Promise<void> | undefined {
    this.sniffed = true;
    const kind = sniffContent(head);
    if (kind === 'tar' && this.options.verifyDigest === false) this.storedHash = null;
    this.storedHash?.update(head);
    if (kind === 'tar' && this.options.estimateCompressed === true) {
      this.estimator = createGzipEstimator((data) => {
        this.estimatedSize += data.length;
      });
    }
    if (kind === 'gzip' || kind === 'zstd') {
      this.compression = kind;
      const hash = createHash('sha256');
      this.uncompressedHash = hash;
      this.decoder = createDecoder(kind, (data) => {
        hash.update(data);
        this.uncompressedSize += data.length;
        this.probe.write(data);
      });
    }
    return this.route(head);
  }

  private route(chunk: Buffer): Promise<void> | undefined {
    if (!this.decoder) {
      this.probe.write(chunk);
      return this.estimator?.write(chunk);
    }
    if (this.decodeError !== null) return undefined;
    const wait = this.decoder.write(chunk);
    return wait?.catch((error: unknown) => {
      this.fail(error);
    });
  }

  private fail(error: unknown): void {
    this.decodeError ??= error instanceof Error ? error.message : String(error);
  }
}
