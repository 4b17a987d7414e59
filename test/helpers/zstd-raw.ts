/**
 * A zstd frame made of raw (stored) blocks: valid zstd that any decoder must read, written
 * without a compressor, since Node 20 has none. Real compressed zstd is covered by the corpus
 * (buildkit-oci-zstd.tar).
 */
const MAX_BLOCK = 128 * 1024 - 1;

export function zstdRawFrame(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  // Magic, then a frame header descriptor with Single_Segment and an 8-byte content size.
  const header = Buffer.alloc(4 + 1 + 8);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0b1110_0000; // FCS_Flag = 3 (8 bytes), Single_Segment = 1
  header.writeBigUInt64LE(BigInt(data.length), 5);
  parts.push(header);
  let offset = 0;
  do {
    const size = Math.min(MAX_BLOCK, data.length - offset);
    const last = offset + size >= data.length ? 1 : 0;
    const blockHeader = (size << 3) | (0 << 1) | last; // Block_Type 0 = Raw
    const bytes = Buffer.alloc(3);
    bytes.writeUIntLE(blockHeader, 0, 3);
    parts.push(bytes, data.subarray(offset, offset + size));
    offset += size;
  } while (offset < data.length);
  return Buffer.concat(parts);
}
