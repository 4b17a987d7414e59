import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BlobFacts, BlobReaderOptions } from './blob-reader.js';
import type { BlobJob } from './blob-worker.js';

interface Pending {
  resolve: (facts: BlobFacts) => void;
  reject: (error: Error) => void;
  onProgress: ((bytes: number) => void) | undefined;
}

type Reply = { id: number; progress?: number; facts?: BlobFacts; error?: string };

/**
 * Worker threads that read blob ranges of a file in parallel. Jobs go to the least busy worker.
 * Only available where the compiled worker script exists (dist/); from TypeScript sources
 * (tests under vitest) `create` returns null and blobs are read on the main thread.
 */
export class BlobWorkerPool {
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    this.load = workers.map(() => 0);
    workers.forEach((worker, index) => {
      worker.on('message', (reply: Reply) => {
        const job = this.pending.get(reply.id);
        if (!job) return;
        if (reply.progress) job.onProgress?.(reply.progress);
        if (reply.facts === undefined && reply.error === undefined) return;
        this.pending.delete(reply.id);
        this.load[index] = (this.load[index] ?? 1) - 1;
        if (reply.error !== undefined) job.reject(new Error(reply.error));
        else if (reply.facts) job.resolve(reply.facts);
      });
      worker.on('error', (error) => {
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
      });
    });
  }

  /** A pool of `size` workers (default: one per available core), or null when workers cannot run here. */
  static create(size = availableParallelism()): BlobWorkerPool | null {
    const script = new URL('./blob-worker.js', import.meta.url);
    if (size < 1 || script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return null;
    return new BlobWorkerPool(Array.from({ length: size }, () => new Worker(script)));
  }

  run(
    path: string,
    offset: number,
    length: number,
    options: BlobReaderOptions,
    onProgress?: (bytes: number) => void,
  ): Promise<BlobFacts> {
    const id = this.nextId++;
    let index = 0;
    for (let i = 1; i < this.load.length; i++) if ((this.load[i] ?? 0) < (this.load[index] ?? 0)) index = i;
    this.load[index] = (this.load[index] ?? 0) + 1;
    const job: BlobJob = { id, path, offset, length, options };
    return new Promise<BlobFacts>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.workers[index]?.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
