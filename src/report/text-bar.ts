/**
 * A proportional bar for terminals: `parts` drawn with their characters, `total` mapping to
 * `width` cells. A nonzero part gets at least one cell so nothing vanishes.
 */
export function textBar(parts: readonly { value: number; char: string }[], total: number, width: number): string {
  if (total <= 0) return '';
  let out = '';
  for (const part of parts) {
    if (part.value <= 0) continue;
    const cells = Math.max(1, Math.round((part.value / total) * width));
    out += part.char.repeat(cells);
  }
  return out.slice(0, Math.max(width, parts.filter((p) => p.value > 0).length));
}
