/** Largest JSON entry (manifest, config, index) kept by default, in bytes. */
export const DEFAULT_JSON_CAP = 16 * 1024 * 1024;

/**
 * The JSON text kept from one archive, all entries together, is at most this many times the JSON
 * cap (256 MiB by default): past it, the largest entries let theirs go (see ArchiveBudget). A
 * real archive's manifests and configs take a few megabytes; without it, an archive of many JSON
 * entries each under the cap kept them all (issue 12: 2.5 GB of memory for 150 of 15 MB).
 */
export const JSON_ARCHIVE_CAPS = 16;

/**
 * `share` computes the pairwise matrix (images² numbers) up to this many images unless
 * `--matrix` asks for it; above it the report carries the most-shared pairs instead.
 */
export const MATRIX_MAX_IMAGES = 500;

/**
 * The longest path, in characters, that a package database may name: Linux's PATH_MAX (4,096
 * bytes with its NUL), so no runtime can create a longer one. Past it a path is a lying line.
 * Longer paths would also defeat every map keyed by path: V8 hashes a string of more than 16,383
 * characters by its length alone (4,000 database paths of one such length took 35 s).
 */
export const MAX_PATH_LENGTH = 4096;
