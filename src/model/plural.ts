/**
 * `1 image`, `2 images`, `1 entry`, `3 entries`: counts in messages and reports read right. The
 * one home for plurals; `many` is given where adding `s` is wrong.
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
