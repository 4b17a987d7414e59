import { createHash, type Hash } from 'node:crypto';
import { TarFormatError, TarParser, type TarEntryType, type TarHeader } from '../archive/tar-parser.js';
import { normalizeEntryPath } from '../archive/entry-path.js';
import { whiteoutKindOf, type WhiteoutKind } from './whiteout.js';
import { METADATA_FILE_CAP, METADATA_LAYER_CAP, metadataKindOf } from '../packages/metadata-paths.js';

/** One entry of a layer tar: its header, never its contents. */
export interface FileRecord {
  readonly path: string;
  readonly type: TarEntryType;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly linkTarget: string | null;
  readonly whiteout: WhiteoutKind | null;
  /** sha256 (hex) of a regular file's content, when the walk was asked to hash files. */
  readonly sha256: string | null;
}

/**
 * A package database file kept from a layer (see src/packages/metadata-paths.ts): its text, or
 * why it was dropped. Plain data, so BlobFacts stays structured-cloneable for worker threads.
 */
export type MetadataFile =
  | { readonly path: string; readonly text: string }
  | { readonly path: string; readonly dropped: 'file-cap' | 'layer-cap'; readonly size: number };

export interface LayerWalkerOptions {
  /** Keep every entry's header (for `--files`, trees, waste, packages). */
  readonly keepFiles: boolean;
  /** sha256 every regular file: one more pass over the layer, only audits ask for it. */
  readonly hashFiles?: boolean;
  /** Keep the content of package database files, up to the caps. */
  readonly keepMetadata?: boolean;
  /**
   * Takes kept records in batches while the walk goes on, so the walker never holds them all
   * (a worker posts them to the main thread: holding 300k records there and cloning them at the
   * end doubled the peak, issue 12). `finish()` then lists only the records not handed over.
   */
  readonly onFiles?: (records: FileRecord[]) => void;
}

/** Records per `onFiles` batch: one message each, a few hundred kilobytes. */
const FILES_BATCH = 4096;

export interface LayerContents {
  /** Entries in the layer tar (its root `./` excluded). */
  readonly fileCount: number;
  /** Regular-file bytes plus symlink-target lengths: what Docker's SIZE and `du` count. */
  readonly contentSize: number;
  readonly files: readonly FileRecord[];
  /** Why the layer tar could not be walked to its end, or null. */
  readonly tarProblem: string | null;
  readonly sawEndOfArchive: boolean;
  /** eStargz layers carry their table of contents as `stargz.index.json`. */
  readonly estargz: boolean;
  /** Package database files of this layer, in tar order; null when the walk was not asked to keep them. */
  readonly metadataFiles: readonly MetadataFile[] | null;
}

/**
 * Size that counts toward a layer's content: a regular file's bytes, a symlink's target length
 * (in bytes, as `du` counts the link's own size); hard links, directories and devices add nothing.
 */
export function contentBytesOf(type: TarEntryType, size: number, linkTarget: string | null): number {
  if (type === 'file') return size;
  if (type === 'symlink' && linkTarget !== null) return Buffer.byteLength(linkTarget);
  return 0;
}

/** Walks a layer tar fed in chunks of any size, keeping headers only. */
export class LayerWalker {
  private readonly parser: TarParser;
  private readonly files: FileRecord[] = [];
  private contentSize = 0;
  private problem: string | null = null;
  private estargz = false;

  private fileHash: Hash | null = null;
  private readonly keepFiles: boolean;
  private readonly hashFiles: boolean;
  private readonly keepMetadata: boolean;
  private readonly onFiles: ((records: FileRecord[]) => void) | null;
  private readonly metadataFiles: MetadataFile[] = [];
  private metadataBytes = 0;
  /** The metadata file whose content is being read, or null. */
  private capture: { path: string; chunks: Buffer[] } | null = null;

  constructor(options: LayerWalkerOptions) {
    this.keepFiles = options.keepFiles;
    this.hashFiles = options.keepFiles && options.hashFiles === true;
    this.keepMetadata = options.keepMetadata === true;
    this.onFiles = options.onFiles ?? null;
    // Without a data handler the parser skips content without a call per chunk: the common case.
    const wantsData = this.hashFiles || this.keepMetadata;
    this.parser = new TarParser({
      onEntry: (header) => {
        this.onEntry(header);
      },
      ...(wantsData
        ? {
            // Content only of a file being hashed or a database being kept: a call per chunk of
            // every file cost 6 % of a package read (issue 9).
            wantsData: () => this.fileHash !== null || this.capture !== null,
            onData: (chunk: Buffer) => {
              this.fileHash?.update(chunk);
              this.capture?.chunks.push(Buffer.from(chunk));
            },
            onEntryEnd: () => {
              if (this.hashFiles) this.finishHash();
              this.finishCapture();
            },
          }
        : {}),
    });
  }

  private finishCapture(): void {
    const capture = this.capture;
    if (capture === null) return;
    this.capture = null;
    this.metadataFiles.push({ path: capture.path, text: Buffer.concat(capture.chunks).toString('utf8') });
  }

  /** Starts keeping a package database file's content, unless it is over a cap. */
  private startCapture(path: string, size: number): void {
    if (size > METADATA_FILE_CAP) {
      this.metadataFiles.push({ path, dropped: 'file-cap', size });
    } else if (this.metadataBytes + size > METADATA_LAYER_CAP) {
      this.metadataFiles.push({ path, dropped: 'layer-cap', size });
    } else {
      this.metadataBytes += size;
      this.capture = { path, chunks: [] };
    }
  }

  private finishHash(): void {
    const last = this.files[this.files.length - 1];
    if (this.fileHash && last) {
      this.files[this.files.length - 1] = { ...last, sha256: this.fileHash.digest('hex') };
    }
    this.fileHash = null;
  }

  write(chunk: Buffer): void {
    if (this.problem !== null) return;
    try {
      this.parser.write(chunk);
    } catch (error) {
      this.problem = describe(error);
    }
  }

  /**
   * Walks a layer tar stored uncompressed at [start, start + length) of a seekable file, reading
   * only its header blocks (and pax payloads) and seeking past file contents: the metadata-only
   * fast path. Gives the same records as feeding every byte to write().
   */
  async walkRange(
    source: {
      cached(position: number, length: number): Buffer | null;
      read(position: number, length: number): Promise<Buffer>;
    },
    start: number,
    length: number,
  ): Promise<void> {
    const end = start + length;
    let position = start;
    while (position < end && this.problem === null && !this.parser.ended) {
      const pending = this.parser.pendingData;
      if (pending > 0 && this.capture === null) {
        position += this.parser.skipData();
        continue;
      }
      if (pending > 0) {
        // A kept metadata file: its content is read, everything else is seeked past.
        const want = Math.min(pending, end - position);
        const chunk = source.cached(position, want) ?? (await source.read(position, want));
        if (chunk.length === 0) break;
        this.write(chunk);
        position += chunk.length;
        continue;
      }
      const want = Math.min(Math.max(this.parser.wantedBytes, 1), end - position);
      const chunk = source.cached(position, want) ?? (await source.read(position, want));
      if (chunk.length === 0) break;
      this.write(chunk);
      position += chunk.length;
    }
    if (position > end && this.problem === null)
      this.problem = `an entry runs past the end of the layer tar (${position - end} bytes)`;
  }

  finish(): LayerContents {
    let sawEnd = false;
    if (this.problem === null) {
      try {
        sawEnd = this.parser.end();
      } catch (error) {
        this.problem = describe(error);
      }
    }
    return {
      fileCount: this.fileCount,
      contentSize: this.contentSize,
      files: this.files,
      tarProblem: this.problem,
      sawEndOfArchive: sawEnd,
      estargz: this.estargz,
      metadataFiles: this.keepMetadata ? this.metadataFiles : null,
    };
  }

  private fileCount = 0;

  private onEntry(header: TarHeader): void {
    const path = normalizeEntryPath(header.path);
    if (path === '') return;
    this.fileCount++;
    this.contentSize += contentBytesOf(header.type, header.size, header.linkTarget);
    if (path === 'stargz.index.json') this.estargz = true;
    if (this.keepFiles) {
      this.files.push({
        path,
        type: header.type,
        size: header.size,
        mode: header.mode,
        uid: header.uid,
        gid: header.gid,
        linkTarget: header.linkTarget,
        whiteout: whiteoutKindOf(path),
        sha256: null,
      });
      if (this.hashFiles && header.type === 'file') this.fileHash = createHash('sha256');
      // All but the newest record: its sha256 may still be on the way (finishHash).
      if (this.onFiles !== null && this.files.length > FILES_BATCH) this.onFiles(this.files.splice(0, FILES_BATCH));
    }
    if (this.keepMetadata && header.type === 'file' && metadataKindOf(path) !== null) {
      this.startCapture(path, header.size);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof TarFormatError) return `${error.message} at byte ${error.offset} of the layer tar`;
  return error instanceof Error ? error.message : String(error);
}
