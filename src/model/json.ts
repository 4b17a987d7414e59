/** Small guards for reading parsed JSON without `any`. */
export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(object: JsonObject, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = object[key];
    if (typeof value === 'string') return value;
  }
  return null;
}

export function arrayField(object: JsonObject, ...keys: string[]): readonly unknown[] | null {
  for (const key of keys) {
    const value = object[key];
    if (Array.isArray(value)) return value as unknown[];
  }
  return null;
}

export function objectField(object: JsonObject, ...keys: string[]): JsonObject | null {
  for (const key of keys) {
    const value = object[key];
    if (isObject(value)) return value;
  }
  return null;
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
