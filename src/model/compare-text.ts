/**
 * Code-unit order of two strings: the same on every machine, whatever its locale (unlike
 * `localeCompare`, which follows the process's ICU locale), so sorted output is reproducible.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
