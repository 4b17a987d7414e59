import { terminalText } from './report/display-text.js';
import { openInput, type ArchiveInput, type OpenOptions } from './archive/open-input.js';
import { walkArchive, type ArchiveWalk } from './archive/walk-archive.js';
import { walkArchiveFile } from './archive/walk-file.js';
import { walkFolder } from './archive/walk-folder.js';
import { BlobWorkerPool } from './archive/worker-pool.js';
import { BlobStore, parseJsonEntry } from './format/blob-store.js';
import type { FormatContext } from './format/context.js';
import { readDockerManifestList } from './format/docker-save.js';
import { readLegacyRepositories } from './format/legacy.js';
import { readSingleManifest, walkOciIndex, type OciWalk } from './format/oci-layout.js';
import { InputError, InputErrorCode } from './model/errors.js';
import { DEFAULT_JSON_CAP } from './model/limits.js';
import type { Digest } from './model/digest.js';
import { textKey } from './model/text-key.js';
import type { ArchiveFormat, ArchiveReport, ImageReport } from './model/image.js';
import { isObject } from './model/json.js';
import { problem, ProblemCode, type Problem } from './model/problem.js';

export interface ReadOptions extends OpenOptions {
  /** Largest JSON entry kept, in bytes (default 16 MiB). */
  readonly jsonCap?: number;
  /** Keep every layer's file list (for `--files`, trees and waste); default true. */
  readonly keepFiles?: boolean;
  /** Name used in messages and the report; defaults to the path, or `-` for a stream. */
  readonly label?: string;
  /** gzip layers stored uncompressed (level 6, like `docker push`) to estimate their wire size. */
  readonly estimateCompressed?: boolean;
  /** sha256 every file inside the layers (with keepFiles), to find identical files. */
  readonly hashFiles?: boolean;
  /** Keep package database files (dpkg, apk, npm, pip) for `packagesOfImage`; implies keepFiles. */
  readonly keepMetadata?: boolean;
  /**
   * Hash every byte and check digests and diff ids (default true). False reads metadata only:
   * on a regular uncompressed file or a folder, layer contents are skipped by seeking; streams
   * are verified anyway.
   */
  readonly verify?: boolean;
  /** Worker threads for large blobs of a regular file or folder (default: one per core; 0: none). */
  readonly workers?: number;
  /** Blobs at least this large go to a worker (default 8 MiB). */
  readonly workerThreshold?: number;
  /**
   * Called, on a regular file or a folder, when workers are still reading large blobs but some
   * worker has nothing left to do: the images as far as they are known, for work that can start
   * early (`inspect --packages` attributes the lower layers meanwhile). It may come more than
   * once per read, each superseding the last; errors in it are ignored.
   */
  readonly onProvisional?: (provisional: ProvisionalReport) => void;
}

/** The images of an archive while its last large blobs are still being read. */
export interface ProvisionalReport {
  /** The same object for every call of one readArchive. */
  readonly read: object;
  readonly images: readonly ImageReport[];
  /** Archive entries still being read: the layers stored there list no files yet. */
  readonly pending: ReadonlySet<string>;
}

export { DEFAULT_JSON_CAP };
const DEFAULT_WORKER_THRESHOLD = 8 * 1024 * 1024;

/**
 * Reads an image archive in one streaming pass and reports every image, layer and problem.
 * Throws {@link InputError} only when no report can be made (not an archive, truncated, unknown
 * format, unreadable manifest); everything else is in `problems`.
 *
 * @example
 * ```ts
 * import { readArchive } from 'layerlens';
 * const report = await readArchive('app.tar');
 * for (const image of report.images) console.log(image.tags, image.contentSize);
 * ```
 */
export async function readArchive(input: ArchiveInput, options: ReadOptions = {}): Promise<ArchiveReport> {
  const label = options.label ?? (typeof input === 'string' ? input : '-');
  const jsonCap = options.jsonCap ?? DEFAULT_JSON_CAP;
  const opened = await openInput(input, terminalText(label), options);
  const blobOptions = {
    jsonCap,
    keepFiles: (options.keepFiles ?? true) || options.keepMetadata === true,
    estimateCompressed: options.estimateCompressed ?? false,
    hashFiles: options.hashFiles ?? false,
    keepMetadata: options.keepMetadata ?? false,
  };
  const verify = opened.kind === 'stream' || (options.verify ?? true);
  let walk: ArchiveWalk;
  const threshold = options.workerThreshold ?? DEFAULT_WORKER_THRESHOLD;
  // Workers start only when a blob that large turns up. A stream delivers one blob at a time and
  // its reading thread stays at most a few megabytes ahead, so one worker is all it can use. A
  // whole-file gzip or zstd stream keeps its hashing here: zlib already inflates on libuv's pool
  // beside this thread, and a worker added 46 MB (Node 24) for no gain in time.
  const streamWorkers = opened.kind === 'stream' && opened.compression !== 'none' ? 0 : 1;
  const workers = opened.kind === 'stream' ? Math.min(streamWorkers, options.workers ?? 1) : options.workers;
  // diff hashes files without verifying: that reads every byte too, on the same workers.
  const hashing = options.hashFiles === true && blobOptions.keepFiles;
  const pool = (verify || hashing) && workers !== 0 ? BlobWorkerPool.create(workers) : null;
  try {
    if (opened.kind === 'stream') {
      // A stream's reading thread only walks headers; workers hash (and decode) the large blobs.
      const offload = pool ? { pool, threshold } : null;
      walk = await walkArchive(opened.tar, blobOptions, terminalText(label), offload);
    } else {
      const fileOptions = {
        ...blobOptions,
        verify,
        pool,
        workerThreshold: threshold,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.onProvisional ? { onWaiting: provisionalReader(options.onProvisional, jsonCap, label) } : {}),
      };
      walk =
        opened.kind === 'file'
          ? await walkArchiveFile(opened.path, opened.size, fileOptions, terminalText(label))
          : await walkFolder(opened.path, fileOptions, terminalText(label));
    }
  } finally {
    await pool?.close();
  }
  const context: FormatContext = { store: new BlobStore(walk), jsonCap, problems: [] };
  const { format, images, oci } = readFormat(context, walk, terminalText(label));
  const problems: Problem[] = [...context.problems, ...context.store.misnamedBlobs(), ...walkProblems(walk)];
  if (images.length === 0 && !problems.some((p) => p.severity === 'error')) {
    // Nothing a runtime could load: exit 3, not an empty report (issue 12). When an error says
    // why already, that one line is enough.
    const artifacts = oci?.artifacts.length ?? 0;
    problems.push(
      problem(
        ProblemCode.noImage,
        'error',
        `the archive holds no readable image${artifacts > 0 ? ` (only ${artifacts} artifact${artifacts === 1 ? '' : 's'})` : ''}`,
        null,
      ),
    );
  }
  return {
    path: label,
    format,
    compression: opened.compression,
    verified: verify,
    entryCount: walk.entryCount,
    images,
    artifacts: oci?.artifacts ?? [],
    absent: oci?.absent ?? [],
    problems: dedupeProblems(problems),
  };
}

/** An onWaiting handler that reads the images of the walk so far for `onProvisional`. */
function provisionalReader(
  onProvisional: (provisional: ProvisionalReport) => void,
  jsonCap: number,
  label: string,
): (walk: ArchiveWalk, pending: ReadonlySet<string>) => void {
  const read = {};
  return (walk, pending) => {
    try {
      const context: FormatContext = { store: new BlobStore(walk), jsonCap, problems: [] };
      onProvisional({ read, images: readFormat(context, walk, terminalText(label)).images, pending });
    } catch {
      // No head start: everything is done once the read is complete, as without the option.
    }
  };
}

function readFormat(
  context: FormatContext,
  walk: ArchiveWalk,
  label: string,
): { format: ArchiveFormat; images: ImageReport[]; oci: OciWalk | null } {
  const manifest = readTopLevelJson(context, 'manifest.json');
  const index = readTopLevelJson(context, 'index.json');
  if (Array.isArray(manifest)) {
    const images = readDockerManifestList(context, manifest);
    if (index === undefined) return { format: 'docker-save', images, oci: null };
    // Docker 25+ and containerd write an OCI layout beside manifest.json: manifest.json is the
    // image list Docker loads; the layout adds manifest digests, absent platforms, attestations.
    const oci = walkOciIndex(context, index);
    return { format: 'docker-save+oci', images: joinOciImages(context.problems, images, oci.images), oci };
  }
  if (isObject(manifest)) {
    if (!isObject(manifest['config']) || !Array.isArray(manifest['layers'])) {
      throw new InputError(
        InputErrorCode.invalidManifest,
        `${label}: manifest.json is neither a docker save list nor an image manifest`,
        'manifest.json',
      );
    }
    const lookup = context.store.resolve('manifest.json');
    // JSON entries are always read whole and hashed, verified or not.
    const digest = lookup.kind === 'found' ? lookup.entry.blob.digest : null;
    if (digest === null) throw new Error('manifest.json was read without its digest');
    const oci = readSingleManifest(context, manifest, digest);
    return { format: 'docker-dir', images: oci.images, oci };
  }
  if (manifest !== undefined) {
    throw new InputError(
      InputErrorCode.invalidManifest,
      `${label}: manifest.json is not a list of images`,
      'manifest.json',
    );
  }
  if (index !== undefined) {
    const oci = walkOciIndex(context, index);
    return { format: 'oci-layout', images: oci.images, oci };
  }
  const repositories = readTopLevelJson(context, 'repositories');
  if (repositories !== undefined) {
    return { format: 'docker-legacy', images: readLegacyRepositories(context, repositories), oci: null };
  }
  if (!walk.sawEndOfArchive) {
    throw new InputError(
      InputErrorCode.truncated,
      `${label} stops after entry ${terminalText(walk.lastEntry ?? '(none)')} without the end-of-archive blocks, and has no manifest.json, index.json or repositories (truncated download or interrupted save?)`,
    );
  }
  throw new InputError(
    InputErrorCode.unknownFormat,
    `${label} is a tar archive but not an image archive: it has no manifest.json, index.json or repositories (a root filesystem tarball? that is what docker import reads)`,
  );
}

/** Reads manifest.json / index.json / repositories; an unreadable one means no report at all. */
function readTopLevelJson(context: FormatContext, path: string): unknown {
  const lookup = context.store.resolve(path);
  if (lookup.kind === 'missing') return undefined;
  if (lookup.kind === 'problem') throw new InputError(InputErrorCode.invalidManifest, lookup.problem.message, path);
  const parsed = parseJsonEntry(lookup.entry, path, context.jsonCap);
  if (parsed.ok) return parsed.value;
  throw new InputError(
    parsed.problem.code === ProblemCode.entryTooLarge ? InputErrorCode.entryTooLarge : InputErrorCode.invalidManifest,
    parsed.problem.message,
    path,
  );
}

/**
 * Joins manifest.json's images with the OCI manifests for the same config: the OCI side adds the
 * manifest digest (and its tags, to the first image of that config and platform only: Docker
 * lists an image once), and must list the same blobs in the same order.
 */
export function joinOciImages(problems: Problem[], docker: ImageReport[], oci: readonly ImageReport[]): ImageReport[] {
  const unmatched = new Set(oci);
  // The first OCI image of each config and platform (archive text of any length: by textKey),
  // found once: a search per image was quadratic.
  const twins = new Map<Digest | null, Map<string | null, ImageReport>>();
  for (const o of oci) {
    let byPlatform = twins.get(o.configDigest);
    if (!byPlatform) {
      byPlatform = new Map();
      twins.set(o.configDigest, byPlatform);
    }
    const platform = o.platform === null ? null : textKey(o.platform);
    if (!byPlatform.has(platform)) byPlatform.set(platform, o);
  }
  const joined = docker.map((image) => {
    const twin = twins.get(image.configDigest)?.get(image.platform === null ? null : textKey(image.platform));
    if (!twin) return image;
    // The twin's tags go to the first image of its config and platform only: manifest.json
    // listing one config D times beside an OCI manifest of T tags made D × T tags (8,000 of each,
    // a 3.4 MB archive: inspect 37 s and 637 MB, --json 2 GB; issue 12). Docker lists an image once.
    const first = unmatched.delete(twin);
    const dockerBlobs = image.layers.map((l) => l.digest ?? l.diffId);
    const ociBlobs = twin.layers.map((l) => l.digest ?? l.diffId);
    if (dockerBlobs.length !== ociBlobs.length || dockerBlobs.some((d, i) => d !== ociBlobs[i])) {
      problems.push(
        problem(
          ProblemCode.manifestMismatch,
          'error',
          `manifest.json and OCI manifest ${twin.manifestDigest ?? '?'} list different layers for config ${image.configDigest ?? '?'}`,
          'manifest.json',
        ),
      );
    }
    return {
      ...image,
      manifestDigest: twin.manifestDigest,
      tags: first ? [...new Set([...image.tags, ...twin.tags])] : image.tags,
      layers: image.layers.map((layer, i) => ({ ...layer, mediaType: twin.layers[i]?.mediaType ?? layer.mediaType })),
    };
  });
  return [...joined, ...unmatched];
}

function walkProblems(walk: ArchiveWalk): Problem[] {
  const out: Problem[] = [];
  if (!walk.sawEndOfArchive) {
    out.push(
      problem(
        ProblemCode.missingEndOfArchive,
        'warning',
        `the archive stops after ${terminalText(walk.lastEntry ?? '(none)')} without its end-of-archive blocks (truncated?); every entry it lists is complete`,
        walk.lastEntry,
      ),
    );
  }
  for (const path of new Set(walk.duplicates)) {
    out.push(
      problem(
        ProblemCode.duplicateEntry,
        'info',
        `${terminalText(path)} appears more than once; the last copy is used`,
        path,
      ),
    );
  }
  return out;
}

function dedupeProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
