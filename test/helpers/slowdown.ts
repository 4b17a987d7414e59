/**
 * How many times longer `hostile` takes than `benign`: both run in this process, interleaved,
 * `tries` times each, the median of each compared. Another process on the machine slows both
 * alike, so the ratio holds where a deadline in milliseconds does not (speed targets live in
 * `npm run bench`). For guards that hostile input stays near-linear where the work cannot be
 * counted: give `benign` an input of the same size that any implementation handles in linear
 * time, and bound the ratio generously (quadratic work at test sizes is hundreds of times slower).
 */
export async function slowdown(hostile: () => unknown, benign: () => unknown, tries = 3): Promise<number> {
  const times = { hostile: [] as number[], benign: [] as number[] };
  for (let i = 0; i < tries; i++) {
    times.benign.push(await timed(benign));
    times.hostile.push(await timed(hostile));
  }
  return median(times.hostile) / median(times.benign);
}

/** A run shorter than this is repeated until it is not: a millisecond is mostly noise (JIT, GC). */
const MIN_MEASURED_MS = 10;

/** Milliseconds one run of `work` takes. */
async function timed(work: () => unknown): Promise<number> {
  const started = performance.now();
  let runs = 0;
  let elapsed = 0;
  do {
    await work();
    runs++;
    elapsed = performance.now() - started;
  } while (elapsed < MIN_MEASURED_MS);
  return elapsed / runs;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
