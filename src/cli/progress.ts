import prettyBytes from 'pretty-bytes';
import type { CliIo } from './io.js';

const INTERVAL_MS = 200;
const QUIET_FOR_MS = 500;

/** Bytes read, percent when the size is known, and rate, on one stderr line: only on a TTY. */
export function createProgress(
  io: CliIo,
  label: string,
  enabled: boolean,
): {
  update: (bytesRead: number, total: number | null) => void;
  done: () => void;
} {
  if (!enabled || !io.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(bytesRead, total) {
      const now = Date.now();
      if (now - started < QUIET_FOR_MS || now - last < INTERVAL_MS) return;
      last = now;
      const rate = bytesRead / Math.max(0.001, (now - started) / 1000);
      const percent = total ? ` (${Math.floor((bytesRead / total) * 100)}%)` : '';
      const of = total ? ` of ${prettyBytes(total)}` : '';
      io.stderr.write(`\r\x1b[2Kreading ${label}: ${prettyBytes(bytesRead)}${of}${percent}, ${prettyBytes(rate)}/s`);
      drawn = true;
    },
    done() {
      if (drawn) io.stderr.write('\r\x1b[2K');
    },
  };
}

/**
 * Inputs read, images so far and their rate while `share` or `audit` merge many reports: one
 * stderr line, only on a TTY, after the same quiet half second.
 */
export function createMergeProgress(
  io: CliIo,
  enabled: boolean,
): { update: (inputsRead: number, inputs: number, images: number) => void; done: () => void } {
  if (!enabled || !io.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(inputsRead, inputs, images) {
      const now = Date.now();
      if (now - started < QUIET_FOR_MS || now - last < INTERVAL_MS) return;
      last = now;
      const rate = Math.round(images / Math.max(0.001, (now - started) / 1000));
      io.stderr.write(`\r\x1b[2Kmerging reports: ${inputsRead}/${inputs} inputs, ${images} images, ${rate} images/s`);
      drawn = true;
    },
    done() {
      if (drawn) io.stderr.write('\r\x1b[2K');
    },
  };
}
