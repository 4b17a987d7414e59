import { createHash, type Hash } from 'node:crypto';
import { TarFormatError, TarParser, type TarEntryType, type TarHeader } from '../archive/tar-parser.js';
import { normalizeEntryPath } from '../archive/entry-path.js';
import { whiteoutKindOf, type WhiteoutKind } from './whiteout.js';

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

  /** `hashFiles` costs one more sha256 pass over the layer: only audits ask for it. */
  constructor(
    private readonly keepFiles: boolean,
    private readonly hashFiles = false,
  ) {
    const hashing = keepFiles && hashFiles;
    this.parser = new TarParser({
      onEntry: (header) => {
        this.onEntry(header);
      },
      ...(hashing
        ? {
            onData: (chunk: Buffer) => {
              this.fileHash?.update(chunk);
            },
            onEntryEnd: () => {
              this.finishHash();
            },
          }
        : {}),
    });
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
      if (this.parser.pendingData > 0) {
        position += this.parser.skipData();
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
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof TarFormatError) return `${error.message} at byte ${error.offset} of the layer tar`;
  return error instanceof Error ? error.message : String(error);
}
