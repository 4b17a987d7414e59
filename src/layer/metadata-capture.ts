import {
  METADATA_FILE_CAP,
  METADATA_KINDS,
  METADATA_LAYER_CAP,
  type MetadataKind,
} from '../packages/metadata-paths.js';

/**
 * A package database file kept from a layer (see src/packages/metadata-paths.ts): its text, or
 * why it was dropped. `kind` is metadataKindOf(path), told where the file was found; a file made
 * by hand without it is asked then.
 */
export type MetadataFile =
  | { readonly path: string; readonly kind?: MetadataKind; readonly text: string }
  | {
      readonly path: string;
      readonly kind?: MetadataKind;
      readonly dropped: DropReason;
      readonly size: number;
    };

/** Why a database file was not kept, as stored in CapturedMetadata.dropped (0: kept). */
const DROPPED = [null, 'file-cap', 'layer-cap', 'archive-cap'] as const;
const ARCHIVE_CAP = DROPPED.indexOf('archive-cap');

/** Over which cap a database file was not kept: its own, its layer's, or the archive's. */
export type DropReason = NonNullable<(typeof DROPPED)[number]>;

/**
 * The database files a layer walk kept, in columns: their contents as bytes, their paths joined.
 * Plain data that a worker thread posts with its buffers moved, not cloned: 400 `.list` texts
 * posted as strings in objects cost the hashing worker 6-9 ms per dpkg layer to clone, and the
 * main thread as much to rebuild (issue 9). metadataFilesOf gives the files.
 */
export interface CapturedMetadata {
  /** The files' paths one after the other; `nameEnds` says where each ends. */
  readonly names: string;
  readonly nameEnds: Uint32Array;
  /** Each file's kind, as its index in METADATA_KINDS. */
  readonly kinds: Uint8Array;
  /** 0 for a kept file, else why it was dropped (an index in DROPPED). */
  readonly dropped: Uint8Array;
  /** A kept file's bytes in `chunks`; a dropped file's size. */
  readonly sizes: Float64Array;
  /**
   * The kept files' contents in order, one after the other in buffers of their own. A file lies
   * whole in one: it goes on in the next buffer when it does not fit in what is left of this one
   * (see MetadataCapture).
   */
  readonly chunks: readonly Uint8Array[];
}

/** The buffers of `captured`, to move with it to another thread. */
export function transferablesOf(captured: CapturedMetadata): ArrayBuffer[] {
  const { nameEnds, kinds, dropped, sizes, chunks } = captured;
  const buffers = [nameEnds.buffer, kinds.buffer, dropped.buffer, sizes.buffer] as ArrayBuffer[];
  for (const chunk of chunks) buffers.push(chunk.buffer as ArrayBuffer);
  return buffers;
}

/** The bytes of database files `captured` keeps (what the archive cap counts). */
export function keptBytesOf(captured: CapturedMetadata): number {
  let bytes = 0;
  for (const chunk of captured.chunks) bytes += chunk.length;
  return bytes;
}

/** `captured` with every file it kept listed as dropped over the archive cap, and none of their bytes. */
export function overArchiveCap(captured: CapturedMetadata): CapturedMetadata {
  return {
    ...captured,
    dropped: captured.dropped.map((reason) => (reason === 0 ? ARCHIVE_CAP : reason)),
    chunks: [],
  };
}

const decoded = new WeakMap<CapturedMetadata, readonly MetadataFile[]>();

/**
 * The files of `captured`, texts decoded as UTF-8; the same array each time for the same
 * capture (the head start tells a layer it has seen by its files' identity).
 */
export function metadataFilesOf(captured: CapturedMetadata): readonly MetadataFile[] {
  const made = decoded.get(captured);
  if (made !== undefined) return made;
  const { names, nameEnds, kinds, dropped, sizes, chunks } = captured;
  const files: MetadataFile[] = [];
  let nameStart = 0;
  let chunk = 0;
  let bytes = bufferOf(chunks[0]);
  let byteStart = 0;
  for (let i = 0; i < nameEnds.length; i++) {
    const path = names.slice(nameStart, nameEnds[i]);
    nameStart = nameEnds[i] as number;
    const kind = METADATA_KINDS[kinds[i] as number] as MetadataKind;
    const size = sizes[i] as number;
    const reason = DROPPED[dropped[i] as number] ?? null;
    if (reason !== null) {
      files.push({ path, kind, dropped: reason, size });
      continue;
    }
    // A file that does not fit in what is left of this buffer is in the next (see MetadataCapture).
    while (byteStart + size > (chunks[chunk]?.length ?? Infinity)) {
      chunk++;
      bytes = bufferOf(chunks[chunk]);
      byteStart = 0;
    }
    files.push({ path, kind, text: bytes?.toString('utf8', byteStart, byteStart + size) ?? '' });
    byteStart += size;
  }
  decoded.set(captured, files);
  return files;
}

function bufferOf(chunk: Uint8Array | undefined): Buffer | undefined {
  return chunk && Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/**
 * Bytes of the buffers a capture fills one after the other. Buffers of their own rather than one
 * that doubles: each doubling copied what was kept into fresh memory, and then `take` copied it
 * once more to trim it, about three times the kept bytes touched for the first time (a dpkg layer's
 * 585 KB: 5 ms of its walk, where a page touched first costs 16 µs on our machines; issue 9).
 */
const CHUNK_BYTES = 1 << 16;

/**
 * Keeps the content of package database files as a layer walk meets them, up to the caps
 * (METADATA_FILE_CAP per file, METADATA_LAYER_CAP per layer): their bytes are copied into
 * buffers of CHUNK_BYTES (or of a larger file's size), and decoded only where they are read.
 */
export class MetadataCapture {
  private readonly paths: string[] = [];
  private readonly kinds: number[] = [];
  private readonly dropped: number[] = [];
  private readonly sizes: number[] = [];
  /** Buffers filled: views of what each holds. */
  private readonly chunks: Uint8Array[] = [];
  private bytes = new Uint8Array(0);
  private fill = 0;
  /** Bytes in the filled buffers: with `fill`, what the layer cap counts. */
  private closed = 0;
  /** Bytes of the file being kept still to come; -1 when none is. */
  private remaining = -1;

  /**
   * A database file of `size` bytes begins: true when its content is to be kept (then `write`
   * gets all of it), false when it is over a cap (it is listed as dropped).
   */
  begin(path: string, kind: MetadataKind, size: number): boolean {
    const reason = size > METADATA_FILE_CAP ? 1 : this.closed + this.fill + size > METADATA_LAYER_CAP ? 2 : 0;
    this.paths.push(path);
    this.kinds.push(METADATA_KINDS.indexOf(kind));
    this.dropped.push(reason);
    this.sizes.push(size);
    if (reason !== 0) return false;
    if (this.fill + size > this.bytes.length) {
      // A file lies whole in one buffer: the next one, as large as the file when it is larger.
      this.closeChunk();
      this.bytes = new Uint8Array(Math.max(size, CHUNK_BYTES));
    }
    this.remaining = size;
    return true;
  }

  /** Part of the content of the file being kept; ignored when none is (a file being hashed). */
  write(chunk: Uint8Array): void {
    const take = Math.min(chunk.length, this.remaining);
    if (take <= 0) return;
    this.bytes.set(take === chunk.length ? chunk : chunk.subarray(0, take), this.fill);
    this.fill += take;
    this.remaining -= take;
  }

  /** The entry of the file being kept has ended: it keeps what came, never more than its size. */
  end(): void {
    if (this.remaining === -1) return;
    const last = this.sizes.length - 1;
    this.sizes[last] = (this.sizes[last] as number) - this.remaining;
    this.remaining = -1;
  }

  /**
   * Everything kept, in columns that own their buffers (see transferablesOf). A file whose entry
   * never ended (the tar stops inside it) is left out, not read half.
   */
  take(): CapturedMetadata {
    if (this.remaining !== -1) {
      const last = this.sizes.length - 1;
      this.fill -= (this.sizes[last] as number) - this.remaining;
      this.remaining = -1;
      this.paths.pop();
      this.kinds.pop();
      this.dropped.pop();
      this.sizes.pop();
    }
    this.closeChunk();
    const nameEnds = new Uint32Array(this.paths.length);
    let chars = 0;
    this.paths.forEach((path, i) => {
      chars += path.length;
      nameEnds[i] = chars;
    });
    return {
      names: this.paths.join(''),
      nameEnds,
      kinds: Uint8Array.from(this.kinds),
      dropped: Uint8Array.from(this.dropped),
      sizes: Float64Array.from(this.sizes),
      chunks: this.chunks.splice(0),
    };
  }

  /** Puts what the buffer being filled holds among the filled ones (nothing when it holds nothing). */
  private closeChunk(): void {
    if (this.fill > 0) this.chunks.push(this.bytes.subarray(0, this.fill));
    this.closed += this.fill;
    this.bytes = new Uint8Array(0);
    this.fill = 0;
  }
}
