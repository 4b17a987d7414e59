/**
 * A zstd frame made of raw (stored) blocks: valid zstd that any decoder must read, written
 * without a compressor, since Node 20 has none. Real compressed zstd is covered by the corpus
 * (buildkit-oci-zstd.tar).
 */
const MAX_BLOCK = 128 * 1024 - 1;

export interface RawFrameOptions {
  /** Set Content_Checksum_flag and append XXH64's low 32 bits (RFC 8878 §3.1.1.1); a number replaces them. */
  readonly checksum?: boolean | number;
  /** Largest raw block (at most 128 KiB - 1): small blocks make many blocks per frame. */
  readonly blockSize?: number;
}

export function zstdRawFrame(data: Buffer, options: RawFrameOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const withChecksum = options.checksum !== undefined && options.checksum !== false;
  const blockSize = Math.min(MAX_BLOCK, options.blockSize ?? MAX_BLOCK);
  // Magic, then a frame header descriptor with Single_Segment and an 8-byte content size.
  const header = Buffer.alloc(4 + 1 + 8);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0b1110_0000 | (withChecksum ? 0b100 : 0); // FCS_Flag = 3 (8 bytes), Single_Segment = 1
  header.writeBigUInt64LE(BigInt(data.length), 5);
  parts.push(header);
  let offset = 0;
  do {
    const size = Math.min(blockSize, data.length - offset);
    const last = offset + size >= data.length ? 1 : 0;
    const blockHeader = (size << 3) | (0 << 1) | last; // Block_Type 0 = Raw
    const bytes = Buffer.alloc(3);
    bytes.writeUIntLE(blockHeader, 0, 3);
    parts.push(bytes, data.subarray(offset, offset + size));
    offset += size;
  } while (offset < data.length);
  if (withChecksum) {
    const checksum = Buffer.alloc(4);
    const value = typeof options.checksum === 'number' ? options.checksum : Number(xxh64(data) & 0xffffffffn);
    checksum.writeUInt32LE(value >>> 0, 0);
    parts.push(checksum);
  }
  return Buffer.concat(parts);
}

/** A skippable frame (RFC 8878 §3.1.2), as zstd:chunked writes its table of contents. */
export function zstdSkippableFrame(data: Buffer, magicLowNibble = 0): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a50 + (magicLowNibble & 0xf), 0);
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** A frame with one RLE block: `size` copies of `byte` stored in 4 bytes after the header. */
export function zstdRleFrame(byte: number, size: number, options: { checksum?: boolean } = {}): Buffer {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0b0010_0000 | (options.checksum === true ? 0b100 : 0), 0]);
  header[5] = size; // Single_Segment with a 1-byte content size: at most 255 bytes
  const block = Buffer.alloc(4);
  block.writeUIntLE((size << 3) | (1 << 1) | 1, 0, 3); // Block_Type 1 = RLE, last block
  block[3] = byte;
  const parts = [header, block];
  if (options.checksum === true) {
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32LE(Number(xxh64(Buffer.alloc(size, byte)) & 0xffffffffn), 0);
    parts.push(checksum);
  }
  return Buffer.concat(parts);
}

/**
 * A frame of `blocks` RLE blocks of 128 KiB of `byte` each, 4 bytes apiece: 32,768 times as many
 * bytes out as in (a zstd bomb). No content size; a 128 KiB window.
 */
export function zstdRleBlocksFrame(byte: number, blocks: number): Buffer {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0b0000_0000, 7 << 3]); // Window_Descriptor: 2^(10+7)
  const body = Buffer.alloc(blocks * 4);
  for (let i = 0; i < blocks; i++) {
    body.writeUIntLE(((128 * 1024) << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0), i * 4, 3); // Block_Type 1 = RLE
    body[i * 4 + 3] = byte;
  }
  return Buffer.concat([header, body]);
}

// XXH64 written from the specification with BigInt: slow, but independent of the xxhash-wasm
// build the decoder uses, so a test frame's checksum is not the code under test checking itself.
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;
const MASK = (1n << 64n) - 1n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & MASK, 31n) * P1) & MASK;
const merge = (acc: bigint, value: bigint): bigint => ((acc ^ round(0n, value)) * P1 + P4) & MASK;

export function xxh64(data: Uint8Array, seed = 0n): bigint {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = data.length;
  let p = 0;
  let h: bigint;
  if (length >= 32) {
    let v1 = (seed + P1 + P2) & MASK;
    let v2 = (seed + P2) & MASK;
    let v3 = seed;
    let v4 = (seed - P1) & MASK;
    for (; p + 32 <= length; p += 32) {
      v1 = round(v1, view.getBigUint64(p, true));
      v2 = round(v2, view.getBigUint64(p + 8, true));
      v3 = round(v3, view.getBigUint64(p + 16, true));
      v4 = round(v4, view.getBigUint64(p + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = (seed + P5) & MASK;
  }
  h = (h + BigInt(length)) & MASK;
  for (; p + 8 <= length; p += 8) {
    h ^= round(0n, view.getBigUint64(p, true));
    h = (rotl(h, 27n) * P1 + P4) & MASK;
  }
  if (p + 4 <= length) {
    h ^= (BigInt(view.getUint32(p, true)) * P1) & MASK;
    h = (rotl(h, 23n) * P2 + P3) & MASK;
    p += 4;
  }
  for (; p < length; p++) {
    h ^= (BigInt(data[p] ?? 0) * P5) & MASK;
    h = (rotl(h, 11n) * P1) & MASK;
  }
  h ^= h >> 33n;
  h = (h * P2) & MASK;
  h ^= h >> 29n;
  h = (h * P3) & MASK;
  h ^= h >> 32n;
  return h;
}
