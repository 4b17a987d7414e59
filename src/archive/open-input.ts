import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InputError, InputErrorCode } from '../model/errors.js';
import type { ArchiveCompression } from '../model/media-type.js';
import { decodeStream } from './decompress.js';
import { isCompressedKind, SNIFF_BYTES, sniffContent, type ContentKind } from './sniff.js';

/** Where an archive comes from: a file path, or a stream (stdin for `-`). */
export type ArchiveInput = string | Readable | AsyncIterable<Buffer>;

/** Either a regular uncompressed file (seekable: the fast path) or a stream of tar bytes. */
export type OpenedInput =
  /** A folder: an OCI image layout or a skopeo `dir:` copy, read file by file. */
  | { readonly kind: 'folder'; readonly path: string; readonly compression: 'none' }
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly compression: 'none' }
  | {
      readonly kind: 'stream';
      /** The tar bytes, decompressed when the file as a whole is gzip, zstd or xz. */
      readonly tar: AsyncIterable<Buffer>;
      readonly compression: ArchiveCompression;
      /** Size of the input in bytes when it is a regular file. */
      readonly size: number | null;
    };

export interface OpenOptions {
  /** Called with the number of input bytes read so far. */
  readonly onProgress?: (bytesRead: number, totalBytes: number | null) => void;
}

const READ_CHUNK = 1024 * 1024;
/** A whole tar header: its checksum tells a tar from compression magic it may begin with. */
const HEAD_BYTES = SNIFF_BYTES;

export async function openInput(input: ArchiveInput, label: string, options: OpenOptions = {}): Promise<OpenedInput> {
  let source: AsyncIterable<Buffer>;
  let size: number | null = null;
  if (typeof input === 'string') {
    let regular = false;
    try {
      const info = await stat(input);
      if (info.isDirectory()) return { kind: 'folder', path: input, compression: 'none' };
      size = info.size;
      regular = info.isFile();
    } catch (error) {
      throw new InputError(InputErrorCode.unreadable, `cannot read ${label}: ${(error as Error).message}`);
    }
    // A regular uncompressed file can be read by seeking (the fast path); pipes and
    // compressed files stream.
    if (size > 0 && regular && !isCompressedKind(await sniffFile(input)))
      return { kind: 'file', path: input, size, compression: 'none' };
    source = createReadStream(input, { highWaterMark: READ_CHUNK });
  } else {
    source = input;
  }
  const counted = countBytes(source, size, options.onProgress);
  const { head, rest } = await peek(counted, HEAD_BYTES);
  const kind = sniffContent(head);
  if (kind === 'bzip2' || kind === 'lz4') throw unreadCompression(kind, label);
  const compression: ArchiveCompression = kind === 'gzip' || kind === 'zstd' || kind === 'xz' ? kind : 'none';
  const tar = compression === 'none' ? rest : decodeOuter(rest, compression, label);
  return { kind: 'stream', tar, compression, size };
}

/** Compressions `docker load` or a registry may hand over that layerlens does not decode. */
const UNREAD_COMPRESSION = { bzip2: 'bzip2 -dc', lz4: 'lz4 -dc' } as const;

/** Names the compression and the command that undoes it, rather than "not a tar archive". */
function unreadCompression(kind: keyof typeof UNREAD_COMPRESSION, label: string): InputError {
  const file = label === '-' ? 'FILE' : label;
  return new InputError(
    InputErrorCode.notAnArchive,
    `${label} is ${kind}-compressed, which layerlens does not decode: run \`${UNREAD_COMPRESSION[kind]} ${file} | layerlens inspect -\``,
  );
}

async function sniffFile(path: string): Promise<ContentKind> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    return sniffContent(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

async function* countBytes(
  source: AsyncIterable<Buffer>,
  total: number | null,
  onProgress: OpenOptions['onProgress'],
): AsyncGenerator<Buffer> {
  let read = 0;
  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    read += buffer.length;
    onProgress?.(read, total);
    yield buffer;
  }
}

/** Reads at least `bytes` bytes (or all there is) and returns them with a stream that replays them. */
export async function peek(
  source: AsyncIterable<Buffer>,
  bytes: number,
): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    taken.push(next.value);
    length += next.value.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* taken;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: Buffer.concat(taken), rest: rest() };
}

async function* decodeOuter(
  source: AsyncIterable<Buffer>,
  compression: 'gzip' | 'zstd' | 'xz',
  label: string,
): AsyncGenerator<Buffer> {
  try {
    yield* decodeStream(source, compression);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const truncated = /unexpected end|end of file|truncated/i.test(message);
    throw new InputError(
      truncated ? InputErrorCode.truncated : InputErrorCode.notAnArchive,
      truncated
        ? `${label}: the ${compression} stream ends early (${message}; truncated download?)`
        : `${label}: the ${compression} stream is corrupt (${message})`,
    );
  }
}
