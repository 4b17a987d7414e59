import { createHash, type Hash } from 'node:crypto';
import { TarFormatError, TarParser, type TarHandlers, type TarHeader } from '../archive/tar-parser.js';
import { climbsAboveRoot, layerEntryPath, normalizeEntryPath, overlongPath } from '../archive/entry-path.js';
import { MAX_PATH_LENGTH } from '../model/limits.js';
import { contentBytesOf, FileBatchWriter, FileList, FileListBuilder, type FileBatch } from './file-list.js';
import { metadataKindOf, type MetadataKind } from '../packages/metadata-paths.js';
import { MetadataCapture, type CapturedMetadata } from './metadata-capture.js';

export interface LayerWalkerOptions {
  /** Keep every entry's header (for `--files`, trees, waste, packages). */
  readonly keepFiles: boolean;
  /** sha256 every regular file: one more pass over the layer, only audits ask for it. */
  readonly hashFiles?: boolean;
  /** Keep the content of package database files, up to the caps. */
  readonly keepMetadata?: boolean;
  /**
   * Takes kept entries in batches while the walk goes on, so the walker never holds them all
   * (a worker posts them to the main thread: holding 300k records there and cloning them at the
   * end doubled the peak, issue 12). `finish()` hands over the last batch too and lists none.
   */
  readonly onFiles?: (batch: FileBatch) => void;
}

/**
 * Entries per `onFiles` batch: one message each. Small, because each young-generation collection
 * of the walking thread copies the path strings of the batch being filled: a cold walk of the
 * 31.5k-entry npm layer with `--packages` took 103 ms with 4096, 77 ms with 1024 (58 ms without
 * `--packages`; medians of 11, issue 9). FileList joins the names of consecutive batches again.
 */
const FILES_BATCH = 1024;

export interface LayerContents {
  /** Entries in the layer tar (its root `./` excluded). */
  readonly fileCount: number;
  /** Regular-file bytes plus symlink-target lengths: what Docker's SIZE and `du` count. */
  readonly contentSize: number;
  /** The entries kept (keepFiles), in tar order; empty when they went to `onFiles`. */
  readonly files: FileList;
  /** Why the layer tar could not be walked to its end, or null. */
  readonly tarProblem: string | null;
  readonly sawEndOfArchive: boolean;
  /** eStargz layers carry their table of contents as `stargz.index.json`. */
  readonly estargz: boolean;
  /**
   * Package database files of this layer, in tar order (metadataFilesOf gives them); null when
   * the walk was not asked to keep them.
   */
  readonly metadata: CapturedMetadata | null;
  /**
   * Entries whose names, or hard-link targets, climb above the layer's root (`../x`, `b -> ../a`):
   * the first of them and how many. They are in `files` at the root (`x`, a link to `a`), where
   * containerd and Docker's chrooted applier write them; go-archive 0.3 and later refuses such a
   * layer. Null when none.
   */
  readonly escapes: { readonly first: string; readonly count: number } | null;
}

/** A package database file met in the walk whose content is still to be kept (see LayerWalker.write). */
interface PendingCapture {
  readonly path: string;
  readonly kind: MetadataKind;
  /** Where its content begins, in the layer tar's bytes. */
  readonly start: number;
  readonly size: number;
}

/**
 * Walks a layer tar fed in chunks of any size, keeping headers only. It is its own parser's
 * handlers: every walk calls the same methods, where a closure per walk gave the parser's
 * compiled code a new call target with each layer a worker read, and it bailed out on the second
 * (issue 9).
 */
export class LayerWalker implements TarHandlers {
  private readonly parser: TarParser;
  private readonly files: FileBatchWriter;
  private readonly kept = new FileListBuilder();
  private contentSize = 0;
  private problem: string | null = null;
  private estargz = false;

  private fileHash: Hash | null = null;
  private readonly keepFiles: boolean;
  private readonly hashFiles: boolean;
  private readonly onFiles: ((batch: FileBatch) => void) | null;
  private readonly metadata: MetadataCapture | null;
  /** Database files whose content is not all kept yet, in tar order, from `captureHead` on. */
  private captures: PendingCapture[] = [];
  private captureHead = 0;
  /** Bytes of the first pending file kept so far; -1 before MetadataCapture.begin was asked. */
  private captured = -1;

  constructor(options: LayerWalkerOptions) {
    this.keepFiles = options.keepFiles;
    this.hashFiles = options.keepFiles && options.hashFiles === true;
    this.onFiles = options.onFiles ?? null;
    this.metadata = options.keepMetadata === true ? new MetadataCapture() : null;
    this.files = new FileBatchWriter(FILES_BATCH, this.hashFiles);
    this.parser = new TarParser(this);
  }

  /**
   * @internal For the parser: the content of an entry whose content onEntry asked for. Only a
   * file being hashed: a call per chunk of every file cost 6 % of a package read (issue 9).
   */
  onData(chunk: Buffer): void {
    this.fileHash?.update(chunk);
  }

  /** @internal For the parser: the end of an entry whose content onEntry asked for. */
  onEntryEnd(): void {
    if (this.hashFiles) this.finishHash();
  }

  private finishHash(): void {
    if (this.fileHash) this.files.setLastHash(this.fileHash.digest('hex'));
    this.fileHash = null;
  }

  /**
   * Feeds the next bytes of the layer tar. The parser never hands a database's content over: the
   * databases met are copied out of the chunk once the parser is done with it, by where their
   * content lies. Delivered by the parser, their content made the parser's compiled code bigger
   * in every walk that keeps them, and the hashing worker waited for that compiling (issue 9:
   * 20 ms of the dpkg layer's walk).
   */
  write(chunk: Buffer): void {
    if (this.problem !== null) return;
    const start = this.parser.position;
    try {
      this.parser.write(chunk);
    } catch (error) {
      this.problem = describe(error);
    }
    if (this.capturing) this.keepCaptured(chunk, start);
  }

  /** Whether a database's content is still to come: walkRange reads it rather than seeking past. */
  private get capturing(): boolean {
    return this.captureHead < this.captures.length;
  }

  /** Copies what `chunk` (the tar's bytes from `chunkStart` on) holds of the pending databases. */
  private keepCaptured(chunk: Buffer, chunkStart: number): void {
    const capture = this.metadata;
    if (capture === null) return;
    const chunkEnd = chunkStart + chunk.length;
    while (this.captureHead < this.captures.length) {
      const file = this.captures[this.captureHead] as PendingCapture;
      // A file over a cap is listed as dropped, and none of it kept.
      if (this.captured === -1) this.captured = capture.begin(file.path, file.kind, file.size) ? 0 : file.size;
      // Where this chunk takes over: its start, or the file's once its header was in this chunk.
      const from = file.start + this.captured;
      const to = Math.min(file.start + file.size, chunkEnd);
      if (to > from) {
        capture.write(chunk.subarray(from - chunkStart, to - chunkStart));
        this.captured += to - from;
      }
      if (this.captured < file.size) return;
      capture.end();
      this.captured = -1;
      this.captureHead++;
    }
    this.captures = [];
    this.captureHead = 0;
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
      if (pending > 0 && !this.capturing) {
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
      files: this.takeFiles(),
      tarProblem: this.problem,
      sawEndOfArchive: sawEnd,
      estargz: this.estargz,
      metadata: this.metadata?.take() ?? null,
      escapes: this.escapes,
    };
  }

  private fileCount = 0;
  private escapes: { first: string; count: number } | null = null;

  /** Counts an entry whose name (or hard-link target) climbs above the root: `shown` names the first. */
  private escaped(shown: string): void {
    if (this.escapes === null) this.escapes = { first: shown, count: 1 };
    else this.escapes.count++;
  }

  private takeFiles(): FileList {
    if (this.files.length > 0) this.handOver();
    return this.onFiles === null ? this.kept.finish() : FileList.empty;
  }

  private handOver(): void {
    const batch = this.files.take();
    if (this.onFiles !== null) this.onFiles(batch);
    else this.kept.add(batch);
  }

  /**
   * @internal For the parser: records the entry; true when its content is wanted (a file being
   * hashed), and only then do onData and onEntryEnd run for it.
   */
  onEntry(header: TarHeader): boolean {
    const written = normalizeEntryPath(header.path);
    if (written === '') return false;
    if (written.length > MAX_PATH_LENGTH) throw overlongPath(written, header.headerOffset);
    this.fileCount++;
    this.contentSize += contentBytesOf(header.type, header.size, header.linkTarget);
    const path = layerEntryPath(written);
    if (path !== written && climbsAboveRoot(written)) this.escaped(written);
    else if (header.type === 'hardlink' && header.linkTarget?.includes('..') === true) {
      // go-archive 0.3 refuses a hard link whose target climbs above the root too.
      const target = normalizeEntryPath(header.linkTarget);
      if (climbsAboveRoot(target)) this.escaped(`${written} -> ${target}`);
    }
    if (path === '') return false;
    if (path === 'stargz.index.json') this.estargz = true;
    if (this.keepFiles) {
      // The newest entry's sha256 may still be on the way (finishHash): a full batch goes when the next entry comes.
      if (this.files.full) this.handOver();
      this.files.add(path, header.type, header.size, header.mode, header.uid, header.gid, header.linkTarget);
      if (this.hashFiles && header.type === 'file') this.fileHash = createHash('sha256');
    }
    if (this.metadata !== null && header.type === 'file') {
      const kind = metadataKindOf(path);
      // Its content is kept as the chunks that hold it come (see write).
      if (kind !== null) this.captures.push({ path, kind, start: this.parser.dataOffset, size: header.size });
    }
    return this.fileHash !== null;
  }
}

function describe(error: unknown): string {
  if (error instanceof TarFormatError) return `${error.message} at byte ${error.offset} of the layer tar`;
  return error instanceof Error ? error.message : String(error);
}
