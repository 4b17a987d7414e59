/** Largest JSON entry (manifest, config, index) kept by default, in bytes. */
export const DEFAULT_JSON_CAP = 16 * 1024 * 1024;
