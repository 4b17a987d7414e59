/**
 * A worker thread that reads blobs through a BlobReader, so that two cores hash and decompress
 * different layers at once, and a stream's reading thread never hashes. Two kinds of job:
 * a byte range of a file it opens itself, or a blob whose bytes the main thread streams to it in
 * transferred (not copied) buffers. Messages out: progress, acknowledgements of streamed bytes
 * (the main thread's back-pressure), and the BlobFacts or an error message.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import type { FileBatch } from '../layer/file-list.js';
import { BlobReader, type BlobFacts, type BlobReaderOptions } from './blob-reader.js';
import { readBlobRangeOfFile } from './read-range.js';
import { transferablesOf } from '../layer/metadata-capture.js';

export type BlobJob =
  | {
      readonly kind: 'range';
      readonly id: number;
      readonly path: string;
      readonly offset: number;
      readonly length: number;
      readonly options: BlobReaderOptions;
    }
  | { readonly kind: 'open'; readonly id: number; readonly options: BlobReaderOptions }
  /** The next `length` bytes of a streamed blob, in a transferred buffer that goes back when read. */
  | { readonly kind: 'data'; readonly id: number; readonly buffer: ArrayBuffer; readonly length: number }
  | { readonly kind: 'end'; readonly id: number };

export type BlobReply =
  | { readonly id: number; readonly progress: number }
  | { readonly id: number; readonly consumed: number; readonly buffer: ArrayBuffer }
  /** The next batch of the layer's entries: the facts that follow list none. */
  | { readonly id: number; readonly files: FileBatch }
  | { readonly id: number; readonly facts: BlobFacts }
  | { readonly id: number; readonly error: string };

const PROGRESS_EVERY = 16 * 1024 * 1024;
const COLLECT_EVERY = 8 * 1024 * 1024;

/**
 * This thread allocates almost nothing on its own heap, so V8 seldom collects it, while the
 * buffers zlib decodes into pile up outside the heap until it does: on Node 24 a gzip-layer
 * archive peaked at 238 MB (152 MB on Node 20). A young-generation collection every 8 MiB
 * decoded frees them (147 MB); reads reuse their buffers and need none. The flag is set once per
 * worker; contexts that already exist (the host program's) do not get a `gc` global from it.
 */
const collectYoung = ((): (() => void) => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') {
      const collect = gc as (options: { type: string }) => void;
      return () => {
        collect({ type: 'minor' });
      };
    }
  } catch {
    // Without it memory is still bounded, by V8's own schedule.
  }
  return () => undefined;
})();

/** Collects after every COLLECT_EVERY bytes a reader's decoders have produced. */
function collector(reader: BlobReader): () => void {
  let collectedAt = 0;
  return () => {
    if (reader.decodedSize - collectedAt < COLLECT_EVERY) return;
    collectedAt = reader.decodedSize;
    collectYoung();
  };
}

/** Streamed blobs being read: their reader and the tail of their chain of writes. */
const streams = new Map<number, { reader: BlobReader; collect: () => void; chain: Promise<void>; failure: unknown }>();

function post(reply: BlobReply): void {
  parentPort?.postMessage(reply);
}

/** The facts of a blob, the buffers of its kept databases moved rather than copied. */
function postFacts(id: number, facts: BlobFacts): void {
  const metadata = facts.layer?.metadata ?? null;
  parentPort?.postMessage({ id, facts } satisfies BlobReply, metadata === null ? [] : transferablesOf(metadata));
}
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The job's options, with records posted in batches as the walk goes: this thread never holds a
 * 300k-entry layer's records, and the main thread receives them in small clones (issue 12).
 */
function withFileBatches(id: number, options: BlobReaderOptions): BlobReaderOptions {
  return options.keepFiles
    ? {
        ...options,
        onFiles: (files) => {
          // The typed arrays move rather than copy; the strings are cloned.
          parentPort?.postMessage({ id, files } satisfies BlobReply, [
            files.ends.buffer as ArrayBuffer,
            files.kinds.buffer as ArrayBuffer,
            files.numbers.buffer as ArrayBuffer,
            files.linked.buffer as ArrayBuffer,
          ]);
        },
      }
    : options;
}

function readRange(job: Extract<BlobJob, { kind: 'range' }>): void {
  const options = withFileBatches(job.id, job.options);
  const reader = new BlobReader(options);
  const collect = collector(reader);
  let unreported = 0;
  const progress = (bytes: number): void => {
    collect();
    unreported += bytes;
    if (unreported >= PROGRESS_EVERY) {
      post({ id: job.id, progress: unreported });
      unreported = 0;
    }
  };
  readBlobRangeOfFile(job.path, job.offset, job.length, options, progress, reader).then(
    (facts) => {
      if (unreported > 0) post({ id: job.id, progress: unreported });
      postFacts(job.id, facts);
    },
    (error: unknown) => {
      post({ id: job.id, error: messageOf(error) });
    },
  );
}

parentPort?.on('message', (job: BlobJob) => {
  switch (job.kind) {
    case 'range':
      readRange(job);
      return;
    case 'open': {
      const reader = new BlobReader(withFileBatches(job.id, job.options));
      streams.set(job.id, { reader, collect: collector(reader), chain: Promise.resolve(), failure: null });
      return;
    }
    case 'data': {
      const stream = streams.get(job.id);
      if (!stream) return;
      stream.chain = stream.chain.then(async () => {
        try {
          if (stream.failure === null) {
            const wait = stream.reader.write(Buffer.from(job.buffer, 0, job.length));
            if (wait) await wait;
          }
        } catch (error) {
          stream.failure = error;
        }
        stream.collect();
        // Handed back even after a failure: the main thread's back-pressure waits for it.
        parentPort?.postMessage({ id: job.id, consumed: job.length, buffer: job.buffer }, [job.buffer]);
      });
      return;
    }
    case 'end': {
      const stream = streams.get(job.id);
      if (!stream) return;
      streams.delete(job.id);
      stream.chain
        .then(() => {
          if (stream.failure !== null) throw new Error(messageOf(stream.failure));
          return stream.reader.end();
        })
        .then(
          (facts) => {
            postFacts(job.id, facts);
          },
          (error: unknown) => {
            post({ id: job.id, error: messageOf(error) });
          },
        );
      return;
    }
  }
});
