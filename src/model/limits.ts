/** Largest JSON entry (manifest, config, index) kept by default, in bytes. */
export const DEFAULT_JSON_CAP = 16 * 1024 * 1024;

/**
 * `share` computes the pairwise matrix (images² numbers) up to this many images unless
 * `--matrix` asks for it; above it the report carries the most-shared pairs instead.
 */
export const MATRIX_MAX_IMAGES = 500;
