import zlib from 'node:zlib';
import { Decompress as FzstdDecompress } from 'fzstd';
import { ZstdChecksums, type Xxh64 } from './zstd-checksum.js';

/**
 * A push decoder: `write` compressed bytes, decoded bytes arrive through `onData`. `write`
 * returns a promise when the decoder still holds the chunk, resolved once it is done with it:
 * back-pressure, and the moment a reused buffer may be refilled. Decoded chunks are valid only
 * during `onData`.
 */
export interface Decoder {
  write(chunk: Buffer): Promise<void> | undefined;
  end(): Promise<void>;
  /**
   * Stop and restart decoding (zlib's decoders, which decode a chunk bit by bit on libuv's pool):
   * while paused, a write holds its chunk. Absent where a write decodes all of its chunk at once.
   */
  pause?(): void;
  resume?(): void;
  /**
   * For a decoder without pause, which decodes a whole write at once: the largest write that
   * keeps the bytes one write makes bounded (zstd makes up to 32,768 times its input).
   */
  readonly maxWrite?: number;
}

type ZlibFactory = (options?: zlib.ZlibOptions) => zlib.Gunzip;

/** Node's own zstd (22.15+, 23.8+) where it exists; fzstd, a pure-JS decoder, on Node 20. */
function nativeZstd(): ZlibFactory | null {
  const factory = (zlib as unknown as { createZstdDecompress?: ZlibFactory }).createZstdDecompress;
  return typeof factory === 'function' ? factory : null;
}

/**
 * Bytes per decoded chunk from zlib's decoders. Node's default (16 KiB) means a `data` event, a
 * hash update and a tar-walk call per 16 KiB: with it, Node 24's zstd verified the zstd bench
 * input at 2.18x `zstd -dc | openssl`; with 256 KiB, at 0.87x (1 MiB: no better).
 */
const DECODED_CHUNK = 256 * 1024;

export function createDecoder(format: 'gzip' | 'zstd', onData: (chunk: Buffer) => void): Decoder {
  if (format === 'gzip') return zlibPush(zlib.createGunzip({ chunkSize: DECODED_CHUNK }), onData);
  const native = nativeZstd();
  if (native) return zstdFrames(() => native({ chunkSize: DECODED_CHUNK }), onData);
  return fzstdDecoder(onData);
}

/**
 * Node's zstd decoder (24.x) stops at a frame that ends inside a chunk and drops the rest of
 * that chunk, without an error. Layers can hold many frames (zstd:chunked writes one per group
 * of files, plus a skippable table of contents), so what a frame leaves of a chunk goes to a
 * fresh decoder. The engine's `bytesWritten` says how much of the input it used.
 */
function zstdFrames(make: ZlibFactory, onData: (chunk: Buffer) => void): Decoder {
  let stream = make();
  let decoder = zlibPush(stream, onData);
  let given = 0;
  const writeNow = async (chunk: Buffer): Promise<void> => {
    given += chunk.length;
    await decoder.write(chunk);
    const unused = given - stream.bytesWritten;
    if (unused <= 0 || unused > chunk.length) return;
    // All output of the finished frame has been emitted by now (zlib pushes before calling back).
    await decoder.end();
    stream = make();
    decoder = zlibPush(stream, onData);
    given = 0;
    await writeNow(chunk.subarray(chunk.length - unused));
  };
  // Writes run one after another, and end() after the last: a restart must not race them.
  let tail: Promise<void> = Promise.resolve();
  return {
    write(chunk) {
      tail = tail.then(() => writeNow(chunk));
      return tail;
    },
    end() {
      tail = tail.then(() => decoder.end());
      return tail;
    },
    pause: () => decoder.pause?.(),
    resume: () => decoder.resume?.(),
  };
}

/**
 * gzip at level 6, as `docker push` compresses: used to estimate the wire size of layers an
 * archive stores uncompressed. Same push interface as the decoders.
 */
export function createGzipEstimator(onData: (chunk: Buffer) => void): Decoder {
  return zlibPush(zlib.createGzip({ level: 6, chunkSize: DECODED_CHUNK }), onData);
}

function zlibPush(stream: zlib.Gzip | zlib.Gunzip, onData: (chunk: Buffer) => void): Decoder {
  let failure: Error | null = null;
  // Writes whose chunk zlib has not read yet. Their callbacks run even after end() is called;
  // after an error they are released here, whatever Node does with them.
  let waiting: (() => void)[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('data', onData);
    stream.on('end', resolve);
    stream.on('error', (error: Error) => {
      failure = error;
      const list = waiting;
      waiting = [];
      for (const release of list) release();
      reject(error);
    });
  });
  // Rejections are delivered through end(); keep the bare promise from going unhandled.
  finished.catch(() => undefined);
  return {
    write(chunk) {
      if (failure) return Promise.reject(failure);
      // zlib reads the chunk later, on libuv's pool: the callback says it has (or that it failed).
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        stream.write(chunk, () => {
          waiting = waiting.filter((r) => r !== resolve);
          resolve();
        });
      });
    },
    end() {
      if (!failure) stream.end();
      return finished;
    },
    pause: () => stream.pause(),
    resume: () => stream.resume(),
  };
}

/** xxhash-wasm, loaded once per process when the first zstd layer comes on Node 20. */
let xxhashLoad: Promise<() => Xxh64> | null = null;
let newXxh64: (() => Xxh64) | null = null;

function loadXxh64(): Promise<() => Xxh64> {
  xxhashLoad ??= import('xxhash-wasm').then(async ({ default: xxhash }) => {
    const api = await xxhash();
    newXxh64 = () => api.create64();
    return newXxh64;
  });
  return xxhashLoad;
}

/**
 * fzstd decodes but skips each frame's content checksum; `ZstdChecksums` checks it beside it
 * (issue 12), with XXH64 from xxhash-wasm (WebAssembly: a JS XXH64 on 32-bit halves would cost
 * more than the decoding). Until xxhash-wasm is loaded, writes queue behind the load, in order.
 */
function fzstdDecoder(onData: (chunk: Buffer) => void): Decoder {
  let checksums: ZstdChecksums | null = newXxh64 === null ? null : new ZstdChecksums(newXxh64);
  const decoder = new FzstdDecompress((data, final) => {
    if (data.length > 0) onData(Buffer.from(data.buffer, data.byteOffset, data.length));
    if (final !== true) checksums?.block(data);
  });
  let tail: Promise<void> | null =
    checksums !== null
      ? null
      : loadXxh64().then((make) => {
          checksums = new ZstdChecksums(make);
        });
  // The first failure sticks: fzstd's state is not to be trusted after it.
  let failure: Error | null = null;
  const fail = (error: unknown): never => {
    failure ??= asError(error);
    throw failure;
  };
  const run = (step: () => void): Promise<void> | undefined => {
    if (failure) return Promise.reject(failure);
    if (tail === null) {
      try {
        step();
      } catch (error) {
        failure = asError(error);
        return Promise.reject(failure);
      }
      return undefined;
    }
    const next: Promise<void> = tail.then(() => {
      if (failure) throw failure;
      try {
        step();
      } catch (error) {
        fail(error);
      }
    });
    tail = next;
    next.then(
      () => {
        if (tail === next) tail = null;
      },
      () => undefined,
    );
    return next;
  };
  return {
    write(chunk) {
      // fzstd keeps references to partial blocks across pushes: give it a copy it owns.
      const copy = new Uint8Array(chunk);
      return run(() => {
        checksums?.scan(copy);
        decoder.push(copy);
      });
    },
    end() {
      return (
        run(() => {
          decoder.push(new Uint8Array(0), true);
        }) ?? Promise.resolve()
      );
    },
    // 1 KiB holds at most 256 RLE blocks of 128 KiB: 32 MiB out.
    maxWrite: 1024,
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Decoded bytes waiting to be read past which decodeStream pauses a decoder that can pause. */
const QUEUE_HIGH = 4 * 1024 * 1024;

/**
 * Decodes a whole stream (the outer archive), pulling from `source` only as fast as it is read,
 * and handing decoded bytes on as they are made: zlib's decoders are paused while 4 MiB wait, and
 * fzstd is given 1 KiB at a time. Before, all that one read chunk (1 MiB) decodes to waited at
 * once: a 1 MB gzip of 1 GiB of zeros took 1.1 GB of memory, a 33 KB zstd likewise (issue 12).
 */
export async function* decodeStream(
  source: AsyncIterable<Buffer>,
  format: 'gzip' | 'zstd' | 'xz',
): AsyncGenerator<Buffer> {
  if (format === 'xz') {
    yield* decodeXz(source);
    return;
  }
  const queue: Buffer[] = [];
  let queued = 0;
  let wake: (() => void) | null = null;
  let paused = false;
  const decoder = createDecoder(format, (chunk) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= QUEUE_HIGH && !paused && decoder.pause) {
      paused = true;
      decoder.pause();
    }
    wake?.();
  });
  const maxWrite = decoder.maxWrite ?? Infinity;
  // Yields what is decoded so far.
  function* drain(): Generator<Buffer> {
    while (queue.length > 0) {
      const chunk = queue.shift() as Buffer;
      queued -= chunk.length;
      yield chunk;
    }
  }
  // Yields what is decoded until `work` (a write, or the end) is done, resuming the decoder
  // whenever all of it has been read.
  async function* until(work: Promise<void>): AsyncGenerator<Buffer> {
    const state = { done: false };
    const settle = (): void => {
      state.done = true;
      wake?.();
    };
    work.then(settle, settle);
    for (;;) {
      yield* drain();
      if (state.done) break;
      if (paused) {
        paused = false;
        decoder.resume?.();
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
    await work;
  }
  for await (const chunk of source) {
    for (let start = 0; start < chunk.length; start += maxWrite) {
      const wait = decoder.write(
        start === 0 && chunk.length <= maxWrite ? chunk : chunk.subarray(start, start + maxWrite),
      );
      if (wait) yield* until(wait);
      yield* drain();
    }
  }
  yield* until(decoder.end());
}

/**
 * xz through xz-decompress: xz-embedded compiled to WebAssembly, no native code and no install
 * script. Loaded only when an xz archive comes. Its dictionary is capped (an xz header asking
 * for more fails with XZ_MEMLIMIT_ERROR), so a hostile header cannot make it allocate gigabytes.
 */
async function* decodeXz(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const { default: xz } = await import('xz-decompress');
  // Web streams on both sides: pulled only as fast as the tar walk reads (back-pressure).
  const iterator = source[Symbol.asyncIterator]();
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done === true) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  const reader = new xz.XzReadableStream(input).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield Buffer.from(value.buffer, value.byteOffset, value.length);
    }
  } catch (error) {
    throw new Error(xzErrorText(error));
  } finally {
    // A reader that stops early (an error further on) releases the decoder and the source.
    await reader.cancel().catch(() => undefined);
  }
}

/** xz-embedded's return codes (xz.h, enum xz_ret) in words; the decoder reports only the number. */
const XZ_ERRORS: Readonly<Record<string, string>> = {
  '2': 'the integrity check type is not supported',
  '3': 'out of memory',
  '4': 'the stream needs a dictionary larger than the decoder allows',
  '5': 'not an xz stream',
  '6': 'unsupported xz options (a filter other than LZMA2?)',
  '7': 'the compressed data is corrupt',
  '8': 'unexpected end of the xz stream',
};

function xzErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const code = /error code (\d+)/.exec(text)?.[1];
  return (code !== undefined ? XZ_ERRORS[code] : undefined) ?? text;
}
