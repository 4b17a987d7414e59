/**
 * A worker thread that reads byte ranges of an archive file through a BlobReader, so that two
 * cores hash and decompress different layers at once. Messages: a job in, progress and the
 * BlobFacts (or an error message) out.
 */
import { parentPort } from 'node:worker_threads';
import type { BlobReaderOptions } from './blob-reader.js';
import { readBlobRangeOfFile } from './read-range.js';

export interface BlobJob {
  readonly id: number;
  readonly path: string;
  readonly offset: number;
  readonly length: number;
  readonly options: BlobReaderOptions;
}

const PROGRESS_EVERY = 16 * 1024 * 1024;

parentPort?.on('message', (job: BlobJob) => {
  let unreported = 0;
  const progress = (bytes: number): void => {
    unreported += bytes;
    if (unreported >= PROGRESS_EVERY) {
      parentPort?.postMessage({ id: job.id, progress: unreported });
      unreported = 0;
    }
  };
  readBlobRangeOfFile(job.path, job.offset, job.length, job.options, progress).then(
    (facts) => parentPort?.postMessage({ id: job.id, progress: unreported, facts }),
    (error: unknown) =>
      parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
