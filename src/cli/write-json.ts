/**
 * Writes `value` as `JSON.stringify(value, null, 2)` followed by a newline would, byte for byte,
 * but in pieces: the top two levels of arrays and objects are walked, so a fleet's 300 MB share
 * report is never one string (V8 caps strings at about 512 MB).
 */
export function writeJson(write: (text: string) => unknown, value: unknown): void {
  const FLUSH_AT = 1 << 20;
  let parts: string[] = [];
  let size = 0;
  const emit = (text: string): void => {
    parts.push(text);
    size += text.length;
    if (size >= FLUSH_AT) flush();
  };
  const flush = (): void => {
    if (parts.length > 0) write(parts.join(''));
    parts = [];
    size = 0;
  };
  const walk = (item: unknown, indent: string, depth: number): void => {
    const inner = `${indent}  `;
    if (depth < 2 && Array.isArray(item) && item.length > 0) {
      emit('[\n');
      item.forEach((element: unknown, i) => {
        emit(inner);
        walk(element === undefined || typeof element === 'function' ? null : element, inner, depth + 1);
        emit(i < item.length - 1 ? ',\n' : '\n');
      });
      emit(`${indent}]`);
      return;
    }
    if (depth < 2 && isPlainObject(item)) {
      const entries = Object.entries(item).filter(([, v]) => v !== undefined && typeof v !== 'function');
      if (entries.length === 0) {
        emit('{}');
        return;
      }
      emit('{\n');
      entries.forEach(([key, v], i) => {
        emit(`${inner}${JSON.stringify(key)}: `);
        walk(v, inner, depth + 1);
        emit(i < entries.length - 1 ? ',\n' : '\n');
      });
      emit(`${indent}}`);
      return;
    }
    const text = JSON.stringify(item, null, 2);
    emit(indent === '' ? text : text.replaceAll('\n', `\n${indent}`));
  };
  walk(value, '', 0);
  emit('\n');
  flush();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if ('toJSON' in value) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
