import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FileListBuilder } from '../layer/file-list.js';
import type { BlobFacts, BlobReaderOptions } from './blob-reader.js';
import type { BlobJob, BlobReply } from './blob-worker.js';

interface Pending {
  readonly worker: number;
  readonly size: number;
  readonly resolve: (facts: BlobFacts) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress: ((bytes: number) => void) | undefined;
  /** The layer's entries the worker has posted so far, joined as they come. */
  readonly files: FileListBuilder;
}

/** A blob whose bytes the caller streams to a worker: `write` in order, then `end`. */
export interface StreamedBlob {
  write(chunk: Buffer): void;
  end(): Promise<BlobFacts>;
}

/** Streamed bytes posted to workers but not yet read by them: the bound on memory in flight. */
const MAX_IN_FLIGHT = 16 * 1024 * 1024;
/** Streamed bytes go in batches: one message per megabyte, not one per 64 KiB pipe read. */
const BATCH_BYTES = 1024 * 1024;

/**
 * Worker threads that read blobs in parallel: byte ranges of a file (`run`), or blobs streamed
 * to them from the main thread (`stream`) in transferred buffers, with back-pressure (`room`).
 * A job goes to the worker with the fewest bytes still to read. Workers start on first use, so a
 * small archive costs none. Only available where the compiled worker script exists (dist/);
 * from TypeScript sources (tests under vitest) `create` returns null and blobs are read on the
 * main thread.
 */
export class BlobWorkerPool {
  private readonly workers: (Worker | null)[];
  private readonly load: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private inFlight = 0;
  private waiting: (() => void)[] = [];
  private failure: Error | null = null;
  /** Batch buffers the workers have handed back. */
  private readonly free: ArrayBuffer[] = [];

  private constructor(
    private readonly script: URL,
    size: number,
  ) {
    this.workers = Array.from({ length: size }, () => null);
    this.load = this.workers.map(() => 0);
  }

  /** A pool of `size` workers (default: one per available core), or null when workers cannot run here. */
  static create(size = availableParallelism()): BlobWorkerPool | null {
    const script = new URL('./blob-worker.js', import.meta.url);
    if (size < 1 || script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return null;
    return new BlobWorkerPool(script, size);
  }

  /** How many workers the pool has. */
  get size(): number {
    return this.workers.length;
  }

  /** Whether jobs are still running while some worker has none left (jobs never move between workers). */
  get hasIdleWorker(): boolean {
    return this.pending.size > 0 && this.load.some((bytes) => bytes === 0);
  }

  /** Reads `length` bytes at `offset` of the file at `path` on a worker. */
  run(
    path: string,
    offset: number,
    length: number,
    options: BlobReaderOptions,
    onProgress?: (bytes: number) => void,
  ): Promise<BlobFacts> {
    const { id, worker, facts } = this.begin(length, onProgress);
    this.post(worker, { kind: 'range', id, path, offset, length, options });
    return facts;
  }

  /**
   * Starts a blob of `size` bytes whose bytes the caller will write, in order. They are copied
   * into megabyte buffers that go to the worker and come back when it has read them (moved, not
   * copied, both ways): a fixed set of buffers circulates, so the workers allocate nothing per
   * chunk and memory stays bounded whatever the pipe delivers.
   */
  stream(options: BlobReaderOptions, size: number): StreamedBlob {
    const { id, worker, facts } = this.begin(size, undefined);
    this.post(worker, { kind: 'open', id, options });
    let batch: Buffer | null = null;
    let filled = 0;
    const flush = (): void => {
      if (batch === null || filled === 0) return;
      const buffer = batch.buffer as ArrayBuffer;
      this.inFlight += filled;
      this.post(worker, { kind: 'data', id, buffer, length: filled }, [buffer]);
      batch = null;
      filled = 0;
    };
    return {
      write: (chunk) => {
        let offset = 0;
        while (offset < chunk.length) {
          batch ??= this.freeBuffer();
          const copied = chunk.copy(batch, filled, offset);
          filled += copied;
          offset += copied;
          if (filled === batch.length) flush();
        }
      },
      end: () => {
        flush();
        this.post(worker, { kind: 'end', id });
        return facts;
      },
    };
  }

  private freeBuffer(): Buffer {
    const buffer = this.free.pop();
    // allocUnsafeSlow: a buffer of its own (never a slice of Node's pool), so it can be moved.
    return buffer ? Buffer.from(buffer) : Buffer.allocUnsafeSlow(BATCH_BYTES);
  }

  /** A promise while too many streamed bytes wait for workers; undefined when there is room. */
  room(): Promise<void> | undefined {
    if (this.inFlight < MAX_IN_FLIGHT || this.failure) return undefined;
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.flatMap((w) => (w ? [w.terminate()] : [])));
  }

  private begin(
    size: number,
    onProgress: ((bytes: number) => void) | undefined,
  ): { id: number; worker: number; facts: Promise<BlobFacts> } {
    const id = this.nextId++;
    let worker = 0;
    for (let i = 1; i < this.load.length; i++) if ((this.load[i] ?? 0) < (this.load[worker] ?? 0)) worker = i;
    this.load[worker] = (this.load[worker] ?? 0) + size;
    const facts = new Promise<BlobFacts>((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else this.pending.set(id, { worker, size, resolve, reject, onProgress, files: new FileListBuilder() });
    });
    return { id, worker, facts };
  }

  private post(index: number, job: BlobJob, transfer: ArrayBuffer[] = []): void {
    if (this.failure) return;
    this.workerAt(index).postMessage(job, transfer);
  }

  private workerAt(index: number): Worker {
    const existing = this.workers[index];
    if (existing) return existing;
    const worker = new Worker(this.script);
    worker.on('message', (reply: BlobReply) => {
      this.onReply(reply);
    });
    worker.on('error', (error) => {
      this.fail(error);
    });
    this.workers[index] = worker;
    return worker;
  }

  private onReply(reply: BlobReply): void {
    if ('consumed' in reply) {
      this.inFlight -= reply.consumed;
      this.free.push(reply.buffer);
      if (this.inFlight < MAX_IN_FLIGHT) this.release();
      return;
    }
    const job = this.pending.get(reply.id);
    if (!job) return;
    if ('progress' in reply) {
      job.onProgress?.(reply.progress);
      return;
    }
    if ('files' in reply) {
      job.files.add(reply.files);
      return;
    }
    this.pending.delete(reply.id);
    this.load[job.worker] = (this.load[job.worker] ?? 0) - job.size;
    if ('error' in reply) job.reject(new Error(reply.error));
    else job.resolve(withFiles(reply.facts, job.files));
  }

  /** A worker died (a bug): every job fails, and nobody waits for room any more. */
  private fail(error: Error): void {
    this.failure = error;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
    this.release();
  }

  private release(): void {
    const list = this.waiting;
    this.waiting = [];
    for (const resolve of list) resolve();
  }
}

/** The facts with the layer's entries, which the worker posted in batches before them. */
function withFiles(facts: BlobFacts, posted: FileListBuilder): BlobFacts {
  if (facts.layer === null) return facts;
  return { ...facts, layer: { ...facts.layer, files: posted.finish() } };
}
