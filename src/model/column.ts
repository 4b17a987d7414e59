/**
 * Arrays that hold strings and nulls from the start, for code the JIT optimizes, and appending
 * one array to another without overflowing the call stack.
 */

/**
 * A new, empty column that already takes strings and nulls: `[]` starts as an array of small
 * integers, and the first string pushed into each new batch deoptimized the walk's hot loop,
 * a recompile of a few tens of milliseconds each time in each worker (issue 9).
 */
export function column<T>(): T[] {
  const values: unknown[] = [''];
  values.length = 0;
  return values as T[];
}

/** Arguments per push: `into.push(...values)` overflows the call stack past ~100k values. */
const PUSH_CHUNK = 4096;

/** Appends `values` to `into`, a bounded spread at a time: builtins, not a loop per entry. */
export function pushAll<T>(into: T[], values: readonly T[]): void {
  if (values.length <= PUSH_CHUNK) into.push(...values);
  else for (let at = 0; at < values.length; at += PUSH_CHUNK) into.push(...values.slice(at, at + PUSH_CHUNK));
}
