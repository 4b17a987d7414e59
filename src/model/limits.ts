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
 * The longest path, in characters, that a layer entry, an outer archive entry, a saved report's
 * file or a package database may name: Linux's PATH_MAX (4,096 bytes with its NUL), so no runtime
 * can create a longer one. Past it a layer or an archive is invalid, a report too, and a
 * database's line is a lying line.
 * Longer paths would also defeat every map keyed by path: V8 hashes a string of more than 16,383
 * characters by its length alone (4,000 database paths of one such length took 35 s).
 */
export const MAX_PATH_LENGTH = 4096;

/**
 * Entries an image's overlay applies again, at most: those of each layer whose file list is
 * listed more than once in the image's manifest, from its second listing on. An archive stores
 * such a layer once, yet each listing is applied (and may take over or hide its paths): one layer
 * of 100,000 entries listed 1,000 times, a 51 MB archive, took `audit` 38.8 s and 939 MB. Real
 * images repeat small layers only (the empty one); docker itself stops at about 125 layers.
 */
export const MAX_REPEATED_ENTRIES = 1_000_000;

/**
 * Characters of the folders an image's overlay finds new, together, at most. Each new folder is a
 * key of its own (so that a file over it hides what is below, and the climb above the next entry
 * stops there), and hashing it costs its length: a path whose folders are all new costs its
 * length times its depth, 4 million characters at PATH_MAX. 2,000 such paths, a 10 MB archive,
 * took `audit` 27.6 s. Folders over V8_HASHED_LENGTH count for nothing: V8 hashes them by their
 * length alone, and the library applies such paths (no archive or report brings them now). The bench's packages image has 88,860 characters of them; an
 * image of 500,000 unlisted folders of 120 characters would have 60 million. At the cap (64 such
 * paths) `audit` takes 1.6 s on a busy machine.
 */
export const MAX_NEW_FOLDER_CHARACTERS = 1 << 28;

/**
 * The longest tag read from an archive, in characters. A docker reference is at most 255
 * characters of name and 128 of tag (`docker load` refuses longer ones); past 16,383 characters V8
 * hashes a string by its length alone, so tags of one such length collided in every set of tags
 * (2,000 of 16,400 characters on one OCI manifest: 15 s, 4,000: 52 s; issue 12).
 */
export const MAX_TAG_LENGTH = 4096;

/**
 * The longest tag or platform an image id spells out; a longer one (no registry or runtime makes
 * one: Docker caps a tag at 128 characters) stands in the id as its sha256. Ids key every map of
 * the index and each unknown layer's key holds one: V8 hashes a string of more than 16,383
 * characters by its length alone, so 1,000 such ids of one length took 9.1 s, and an image of
 * 1,000 layers without digests on a 20,000-character platform 18 s (issue 12).
 */
export const ID_PART_MAX = 1024;

/**
 * Listings that an OCI layout's later index walks may hand tags down to, per archive. An index
 * reached again with other tags hands them to each untagged listing below it, once per tag set:
 * an index listed 2,000 times with a tag each, over 2,000 untagged indexes of one manifest (a
 * 2.8 MB layout, one image), took 5.7 s and 236 MB. Real layouts hand tags down a few times per
 * platform; past this the rest of the tags are left out with an error.
 */
export const MAX_TAG_HAND_DOWNS = 100_000;
