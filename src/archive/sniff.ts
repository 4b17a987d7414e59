import { checksumMatches } from './tar-parser.js';

/** What a byte stream is, judged from its first bytes only. */
export type ContentKind = 'gzip' | 'zstd' | 'xz' | 'bzip2' | 'lz4' | 'tar' | 'json' | 'empty' | 'other';

/** The kinds that are a compressed stream, whether or not layerlens decodes them. */
export type CompressedKind = 'gzip' | 'zstd' | 'xz' | 'bzip2' | 'lz4';

export function isCompressedKind(kind: ContentKind): kind is CompressedKind {
  return kind === 'gzip' || kind === 'zstd' || kind === 'xz' || kind === 'bzip2' || kind === 'lz4';
}

/** Enough bytes to tell every kind apart: one tar header block. */
export const SNIFF_BYTES = 512;

/**
 * The first bytes of a blob, gathered until SNIFF_BYTES have come so that sniffContent can tell
 * what it is. A first chunk that holds SNIFF_BYTES on its own is handed back as it is; smaller
 * ones are copied, since the caller may refill its buffer after each write. A copy of every first
 * chunk (a megabyte for a range read) cost each blob 4 MB of fresh memory, two copies in
 * BlobReader and two in its ContentProbe: about 1,000 page faults, 16 ms of CPU on the machines
 * the bench runs on (docs/packages.md, Cost, twelfth round).
 */
export class SniffHead {
  private parts: Buffer[] = [];
  private length = 0;

  /** Adds `chunk`; once SNIFF_BYTES have come, everything so far (chunk included, in order), else null. */
  add(chunk: Buffer): Buffer | null {
    if (this.length === 0 && chunk.length >= SNIFF_BYTES) return chunk;
    if (this.length + chunk.length >= SNIFF_BYTES) {
      this.parts.push(chunk);
      return this.take();
    }
    this.parts.push(Buffer.from(chunk));
    this.length += chunk.length;
    return null;
  }

  /** Everything added so far, joined (a blob shorter than SNIFF_BYTES ends with it), and a fresh start. */
  take(): Buffer {
    const head = Buffer.concat(this.parts);
    this.parts = [];
    this.length = 0;
    return head;
  }
}

const ZSTD_MAGIC = 0xfd2fb528;
/** xz's stream header magic (xz file format 1.0.4, section 2.1.1.1). */
const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
/** lz4 frame format magic, and the legacy frame `lz4 -l` writes. */
const LZ4_MAGIC = 0x184d2204;
const LZ4_LEGACY_MAGIC = 0x184c2102;

/** "BZh", the block size digit, then a block (the digits of pi) or the end of stream (sqrt pi). */
function isBzip2(head: Buffer): boolean {
  if (head.length < 10 || head.toString('latin1', 0, 3) !== 'BZh') return false;
  const size = head[3] ?? 0;
  const magic = head.subarray(4, 10).toString('hex');
  return size >= 0x31 && size <= 0x39 && (magic === '314159265359' || magic === '177245385090');
}

/**
 * Judges content by magic bytes, never by name. A tar is recognised by a valid header checksum,
 * or by the 1024 zero bytes of an empty tar (the 2015-era empty layer, diff id 5f70bf18…).
 */
export function sniffContent(head: Buffer): ContentKind {
  if (head.length === 0) return 'empty';
  // A valid tar header wins over magic bytes: a tar's first name may begin like one (`BZh91AY&SY`).
  if (head.length >= 512 && checksumMatches(head.subarray(0, 512))) return 'tar';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === ZSTD_MAGIC) return 'zstd';
  if (head.length >= XZ_MAGIC.length && head.subarray(0, XZ_MAGIC.length).equals(XZ_MAGIC)) return 'xz';
  if (head.length >= 4 && (head.readUInt32LE(0) === LZ4_MAGIC || head.readUInt32LE(0) === LZ4_LEGACY_MAGIC))
    return 'lz4';
  if (isBzip2(head)) return 'bzip2';
  if (head.length >= 512 && head.subarray(0, 512).every((b) => b === 0)) return 'tar';
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    if (byte === 0xef) continue; // a UTF-8 byte-order mark's first byte; JSON.parse sees the rest
    return byte === 0x7b || byte === 0x5b ? 'json' : 'other';
  }
  return 'other';
}
