import { V8_HASHED_LENGTH } from '../../src/model/text-key.js';

type Insert = (this: object, key: unknown, ...rest: unknown[]) => unknown;
const INSERTS: readonly (readonly [object, 'set' | 'add'])[] = [
  [Map.prototype, 'set'],
  [Set.prototype, 'add'],
];

/**
 * Runs `work` and counts the string keys longer than V8_HASHED_LENGTH put in each Map and Set it
 * fills: V8 hashes such a key by its length alone, so thousands of them of one length in one
 * collection collide, and each lookup compares against all of them (seconds at a few thousand;
 * quadratic). `mostLongKeys` is the largest such count of one collection: a count, not a deadline,
 * so it holds on a loaded machine. Map.prototype.set and Set.prototype.add are wrapped for the
 * call only.
 */
export async function longKeysPerCollection<T>(
  work: () => T | Promise<T>,
): Promise<{ result: T; mostLongKeys: number }> {
  const counts = new WeakMap<object, number>();
  let mostLongKeys = 0;
  const originals = INSERTS.map(([proto, name]) => {
    const original = (proto as Record<typeof name, Insert>)[name];
    const counted: Insert = function (key, ...rest) {
      if (typeof key === 'string' && key.length > V8_HASHED_LENGTH) {
        const count = (counts.get(this) ?? 0) + 1;
        counts.set(this, count);
        mostLongKeys = Math.max(mostLongKeys, count);
      }
      return original.call(this, key, ...rest);
    };
    Object.defineProperty(proto, name, { configurable: true, writable: true, value: counted });
    return [proto, name, original] as const;
  });
  try {
    const result = await work();
    return { result, mostLongKeys };
  } finally {
    for (const [proto, name, original] of originals)
      Object.defineProperty(proto, name, { configurable: true, writable: true, value: original });
  }
}
