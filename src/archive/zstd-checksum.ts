/** A running XXH64 (seed 0), as xxhash-wasm's `create64()` gives. */
export interface Xxh64 {
  update(data: Uint8Array): unknown;
  digest(): bigint;
}

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC = 0x184d2a50; // low 4 bits free (RFC 8878 §3.1.2)

interface Frame {
  /** 1-based, counting skippable frames too, as `zstd -lv` does. */
  readonly index: number;
  readonly checksummed: boolean;
  /** Blocks seen in the compressed stream so far, and whether the last one is among them. */
  blocks: number;
  closed: boolean;
  /** Blocks the decoder has emitted. */
  emitted: number;
  hash: Xxh64 | null;
  stored: number | null;
  computed: number | null;
}

type State = 'magic' | 'frame-header' | 'skippable-size' | 'skip' | 'block-header' | 'block-body' | 'checksum' | 'lost';

/**
 * Checks each zstd frame's Content_Checksum (the low 32 bits of XXH64 of the frame's content,
 * RFC 8878 §3.1.1) beside a decoder that skips it: fzstd, on Node 20. Node 22.15+/24 decode
 * with libzstd, which checks it itself.
 *
 * `scan` reads the compressed bytes ahead of the decoder, headers only: it skips block bodies
 * by their sizes, so it knows which frames carry a checksum, how many blocks each has, and the
 * stored checksum. The decoder emits one chunk per block, in order (fzstd does), and `block`
 * hashes it: the frame's last block closes the hash. A chunk boundary, a frame too small for
 * the decoder to start on, or a skippable frame changes nothing in that pairing. Anything the
 * scan does not understand (a reserved block type, a bad magic number) stops the checking and
 * leaves the error to the decoder, so the scan never rejects what the decoder accepts.
 */
export class ZstdChecksums {
  private state: State = 'magic';
  private readonly header = new Uint8Array(18);
  private have = 0;
  private need = 4;
  private skip = 0;
  private frameCount = 0;
  private lastBlock = false;
  /** Frames the scan has opened and the decoder has not finished yet, oldest first. */
  private readonly frames: Frame[] = [];

  constructor(private readonly newHash: () => Xxh64) {}

  /** Reads a compressed chunk. Call before the decoder gets it. Throws on a wrong checksum. */
  scan(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.state !== 'lost') {
      if (this.state === 'skip' || this.state === 'block-body') {
        const step = Math.min(this.skip, chunk.length - at);
        at += step;
        this.skip -= step;
        if (this.skip === 0) this.afterBody();
        continue;
      }
      const take = Math.min(this.need - this.have, chunk.length - at);
      this.header.set(chunk.subarray(at, at + take), this.have);
      this.have += take;
      at += take;
      if (this.have === this.need) this.afterHeader();
    }
  }

  /** Takes one decoded block, in order. Throws on a wrong checksum. */
  block(data: Uint8Array): void {
    const frame = this.frames[0];
    if (frame === undefined) return; // the scan is lost: the decoder will say what is wrong
    frame.hash?.update(data);
    frame.emitted++;
    if (!frame.closed || frame.emitted < frame.blocks) return;
    this.frames.shift();
    if (frame.hash === null) return;
    frame.computed = Number(frame.hash.digest() & 0xffffffffn);
    frame.hash = null;
    compare(frame);
  }

  private afterHeader(): void {
    const h = this.header;
    switch (this.state) {
      case 'magic': {
        const magic = (h[0] ?? 0) | ((h[1] ?? 0) << 8) | ((h[2] ?? 0) << 16) | ((h[3] ?? 0) << 24);
        this.frameCount++;
        // The magic number stays in the header buffer: the frame header's offsets count it.
        if (magic >>> 0 === ZSTD_MAGIC) this.readOn('frame-header', 5);
        else if ((magic & 0xfffffff0) >>> 0 === SKIPPABLE_MAGIC) this.readOn('skippable-size', 8);
        else this.lose();
        return;
      }
      case 'frame-header': {
        const descriptor = h[4] ?? 0;
        const singleSegment = (descriptor >> 5) & 1;
        const dictionaryBytes = [0, 1, 2, 4][descriptor & 3] ?? 0;
        const sizeFlag = descriptor >> 6;
        const sizeBytes = sizeFlag === 0 ? singleSegment : 1 << sizeFlag;
        const length = 5 + (singleSegment ? 0 : 1) + dictionaryBytes + sizeBytes;
        if (this.need < length) {
          this.need = length; // read the rest of the header
          return;
        }
        const checksummed = (descriptor & 0b100) !== 0;
        this.frames.push({
          index: this.frameCount,
          checksummed,
          blocks: 0,
          closed: false,
          emitted: 0,
          hash: checksummed ? this.newHash() : null,
          stored: null,
          computed: null,
        });
        this.expect('block-header', 3);
        return;
      }
      case 'skippable-size': {
        this.skip = ((h[4] ?? 0) | ((h[5] ?? 0) << 8) | ((h[6] ?? 0) << 16) | ((h[7] ?? 0) << 24)) >>> 0;
        this.state = 'skip';
        if (this.skip === 0) this.afterBody();
        return;
      }
      case 'block-header': {
        const value = (h[0] ?? 0) | ((h[1] ?? 0) << 8) | ((h[2] ?? 0) << 16);
        const type = (value >> 1) & 3;
        if (type === 3) {
          this.lose();
          return;
        }
        const frame = this.openFrame();
        if (frame === undefined) return;
        frame.blocks++;
        this.lastBlock = (value & 1) === 1;
        if (this.lastBlock) frame.closed = true;
        this.skip = type === 1 ? 1 : value >>> 3; // an RLE block stores one byte
        this.state = 'block-body';
        if (this.skip === 0) this.afterBody();
        return;
      }
      case 'checksum': {
        const frame = this.checksumFrame;
        this.checksumFrame = null;
        if (frame !== null) {
          frame.stored = ((h[0] ?? 0) | ((h[1] ?? 0) << 8) | ((h[2] ?? 0) << 16) | ((h[3] ?? 0) << 24)) >>> 0;
          compare(frame);
        }
        this.expect('magic', 4);
        return;
      }
      default:
        return;
    }
  }

  /** The frame whose checksum bytes are being read: it may be finished on the decoder side already. */
  private checksumFrame: Frame | null = null;

  private afterBody(): void {
    if (this.state === 'skip' || !this.lastBlock) {
      this.expect(this.state === 'skip' ? 'magic' : 'block-header', this.state === 'skip' ? 4 : 3);
      return;
    }
    const frame = this.openFrame();
    this.lastBlock = false;
    if (frame?.checksummed === true) {
      this.checksumFrame = frame;
      this.expect('checksum', 4);
    } else {
      this.expect('magic', 4);
    }
  }

  /** The frame the scan is inside: the newest one. */
  private openFrame(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  private expect(state: State, bytes: number): void {
    this.state = state;
    this.have = 0;
    this.need = bytes;
  }

  /** Reads on to `bytes` header bytes in all, keeping those already read. */
  private readOn(state: State, bytes: number): void {
    this.state = state;
    this.need = bytes;
  }

  private lose(): void {
    this.state = 'lost';
    this.frames.length = 0;
    this.checksumFrame = null;
  }
}

function compare(frame: Frame): void {
  if (frame.stored === null || frame.computed === null || frame.stored === frame.computed) return;
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  throw new Error(
    `zstd frame ${frame.index} fails its content checksum: it says ${hex(frame.stored)}, its content hashes to ${hex(frame.computed)}`,
  );
}
