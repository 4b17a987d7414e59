import { checksumMatches } from './tar-parser.js';

/** What a byte stream is, judged from its first bytes only. */
export type ContentKind = 'gzip' | 'zstd' | 'tar' | 'json' | 'empty' | 'other';

/** Enough bytes to tell every kind apart: one tar header block. */
export const SNIFF_BYTES = 512;

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Judges content by magic bytes, never by name. A tar is recognised by a valid header checksum,
 * or by the 1024 zero bytes of an empty tar (the 2015-era empty layer, diff id 5f70bf18…).
 */
export function sniffContent(head: Buffer): ContentKind {
  if (head.length === 0) return 'empty';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === ZSTD_MAGIC) return 'zstd';
  if (head.length >= 512) {
    const block = head.subarray(0, 512);
    if (checksumMatches(block)) return 'tar';
    if (block.every((b) => b === 0)) return 'tar';
  }
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    if (byte === 0xef) continue; // a UTF-8 byte-order mark's first byte; JSON.parse sees the rest
    return byte === 0x7b || byte === 0x5b ? 'json' : 'other';
  }
  return 'other';
}
