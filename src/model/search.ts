/**
 * The first of `count` positions where `past(position)` holds, or `count` when none does, for a
 * `past` that is false up to some position and true from there on: a binary search, the one the
 * sorted lists of the project share (joined path ends, sorted folders, sorted class numbers).
 */
export function firstPast(count: number, past: (position: number) => boolean): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (past(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}
