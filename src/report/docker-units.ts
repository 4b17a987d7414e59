/**
 * Sizes as Docker prints them (go-units HumanSize): decimal units, four significant digits,
 * trailing zeros dropped, as `%.4g` does: 2146242 -> "2.146MB", 78362 -> "78.36kB", 37 -> "37B".
 */
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

export function formatDockerSize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  const text = size.toPrecision(4);
  const trimmed = text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  return `${trimmed}${UNITS[unit] ?? 'B'}`;
}
