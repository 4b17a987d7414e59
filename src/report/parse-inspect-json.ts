import { overPathMax } from '../archive/entry-path.js';
import { InputError, InputErrorCode } from '../model/errors.js';
import { parseDigest } from '../model/digest.js';
import type { ArchiveReport, ImageReport, LayerReport } from '../model/image.js';
import { arrayField, isObject, stringArray, stringField, type JsonObject } from '../model/json.js';
import type { Compression } from '../model/media-type.js';
import { FileList, type FileRecord } from '../layer/file-list.js';
import { INSPECT_SCHEMA_VERSION } from './inspect-json.js';
import { ECOSYSTEMS, type Ecosystem, type ImagePackages, type PackageRecord } from '../packages/types.js';
import { ProblemCode, type Problem } from '../model/problem.js';
import { MAX_PATH_LENGTH } from '../model/limits.js';

/** What a reader keeps of a saved report. */
export interface ParseReportOptions {
  /**
   * Keep each layer's `files` and the image's `packages` (default true). `share` needs neither:
   * they are still checked, so a report gets the same verdict, and then dropped (issue 9: a fleet
   * of 2,000 `--files --packages` reports of 74 kB each held 200 MB while `share` read it).
   */
  readonly keepFiles?: boolean;
}

/**
 * The INVALID_REPORT error for `message`, without a stack: a report's lie is data, not a bug, and
 * `--keep-going` makes one per bad NDJSON line. Capturing the stack was most of the cost of each:
 * 2.9 s of 1,000,000 junk lines' 11.6 s (docs/hardening.md).
 */
export function invalidReport(message: string): InputError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new InputError(InputErrorCode.invalidReport, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Reads a saved `inspect --json` report back into archive reports, so CI jobs on different
 * machines can each inspect their image and one job merges them. Validates what sharing and
 * auditing rely on; a report that lies about its shape is an INVALID_REPORT error.
 */
export function parseInspectJson(value: unknown, label: string, options: ParseReportOptions = {}): ArchiveReport[] {
  const fail = (why: string): never => {
    throw invalidReport(`${label} is not a layerlens inspect --json report: ${why}`);
  };
  if (!isObject(value)) return fail('not a JSON object');
  checkSchemaVersion(value, fail);
  const archives = arrayField(value, 'archives') ?? fail('no archives list');
  return archives
    .filter((a) => isObject(a) && !('error' in a))
    .map((archive, i) => readArchiveJson(archive as JsonObject, `${label} archives[${i}]`, fail, keeps(options)));
}

const keeps = (options: ParseReportOptions): boolean => options.keepFiles ?? true;

function checkSchemaVersion(value: JsonObject, fail: (why: string) => never): void {
  const version = value['schemaVersion'];
  if (version === INSPECT_SCHEMA_VERSION) return;
  // Shown as a number or a type name only: the value is hostile text.
  if (typeof version === 'number' && Number.isSafeInteger(version) && version > INSPECT_SCHEMA_VERSION) {
    fail(
      `schemaVersion is ${version}, newer than the ${INSPECT_SCHEMA_VERSION} this layerlens reads (upgrade layerlens)`,
    );
  }
  fail(
    `schemaVersion is ${typeof version === 'number' ? String(version) : JSON.stringify(version ?? null).slice(0, 20)}, this layerlens reads ${INSPECT_SCHEMA_VERSION}`,
  );
}

/**
 * Reads one line of `inspect --format ndjson` (one image with its archive) into an archive
 * report holding that image.
 */
export function parseImageLine(value: unknown, label: string, options: ParseReportOptions = {}): ArchiveReport {
  const fail = (why: string): never => {
    throw invalidReport(`${label} is not a layerlens inspect --format ndjson line: ${why}`);
  };
  if (!isObject(value)) return fail('not a JSON object');
  checkSchemaVersion(value, fail);
  const archive = isObject(value['archive']) ? value['archive'] : fail('no archive object');
  return archiveReport(archive, label, [readImageJson(value, 'the image', fail, keeps(options))]);
}

function readArchiveJson(
  archive: JsonObject,
  where: string,
  fail: (why: string) => never,
  keepFiles: boolean,
): ArchiveReport {
  const images = (arrayField(archive, 'images') ?? fail(`${where} has no images list`)).map((image, i) =>
    readImageJson(image, `${where}.images[${i}]`, fail, keepFiles),
  );
  return archiveReport(archive, where, images);
}

function archiveReport(archive: JsonObject, where: string, images: ImageReport[]): ArchiveReport {
  const compression = stringField(archive, 'compression');
  return {
    path: stringField(archive, 'path') ?? where,
    format: (stringField(archive, 'format') ?? 'docker-save') as ArchiveReport['format'],
    compression: isCompression(compression) || compression === 'xz' ? compression : 'none',
    verified: archive['verified'] !== false,
    entryCount: numberOr(archive['entryCount'], 0),
    images,
    artifacts: [],
    absent: [],
    problems: [],
  };
}

function readImageJson(value: unknown, where: string, fail: (why: string) => never, keepFiles: boolean): ImageReport {
  if (!isObject(value)) return fail(`${where} is not an object`);
  const layers = (arrayField(value, 'layers') ?? fail(`${where} has no layers`)).map((layer, i) =>
    readLayerJson(layer, i, `${where}.layers[${i}]`, fail, keepFiles),
  );
  const packages = readPackagesJson(value, where, fail);
  return {
    tags: stringArray(value['tags']),
    configDigest: parseDigest(value['configDigest']),
    manifestDigest: parseDigest(value['manifestDigest']),
    platform: stringField(value, 'platform'),
    created: stringField(value, 'created'),
    contentSize: numberOr(value['contentSize'], 0),
    uncompressedSize: numberOr(value['uncompressedSize'], 0),
    compressedSize: numberOrNull(value['compressedSize']),
    layers,
    history: [],
    ...(keepFiles ? packages : {}),
  };
}

/** `packages` and `unownedSize` of `inspect --json --packages`, so packagesOfImage works on reports. */
function readPackagesJson(
  image: JsonObject,
  where: string,
  fail: (why: string) => never,
): { packages?: ImagePackages } {
  const list = arrayField(image, 'packages');
  if (list === null) return {};
  const packages = list.map((value, i): PackageRecord => {
    const at = `${where}.packages[${i}]`;
    if (!isObject(value)) return fail(`${at} is not an object`);
    const ecosystem = stringField(value, 'ecosystem');
    const name = stringField(value, 'name');
    const size = numberOrNull(value['size']);
    if (!isEcosystem(ecosystem) || name === null || size === null)
      return fail(`${at} needs an ecosystem, a name and a size`);
    const layerIndex = numberOrNull(value['layerIndex']);
    return {
      ecosystem,
      name,
      version: stringField(value, 'version'),
      size,
      fileCount: numberOr(value['fileCount'], 0),
      layerIndex,
      ...(value['declared'] === true ? { declared: true as const } : {}),
    };
  });
  const unownedByFolder = (arrayField(image, 'unownedByFolder') ?? []).flatMap((value) => {
    if (!isObject(value)) return [];
    const folder = stringField(value, 'folder');
    const size = numberOrNull(value['size']);
    return folder === null || size === null ? [] : [{ folder, size }];
  });
  const problems = (arrayField(image, 'packageProblems') ?? []).flatMap((value): Problem[] => {
    if (!isObject(value)) return [];
    const message = stringField(value, 'message');
    return message === null
      ? []
      : [{ code: ProblemCode.packageDatabase, severity: 'warning', message, entry: stringField(value, 'entry') }];
  });
  return { packages: { packages, unownedSize: numberOr(image['unownedSize'], 0), unownedByFolder, problems } };
}

function isEcosystem(value: string | null): value is Ecosystem {
  return (ECOSYSTEMS as readonly (string | null)[]).includes(value);
}

function readLayerJson(
  value: unknown,
  index: number,
  where: string,
  fail: (why: string) => never,
  keepFiles: boolean,
): LayerReport {
  if (!isObject(value)) return fail(`${where} is not an object`);
  const diffId = parseDigest(value['diffId']);
  if (value['diffId'] !== null && diffId === null) fail(`${where}.diffId is not a sha256 digest`);
  const compression = stringField(value, 'compression');
  return {
    index,
    diffId,
    digest: parseDigest(value['digest']),
    mediaType: stringField(value, 'mediaType'),
    compression: isCompression(compression) ? compression : null,
    storedSize: numberOrNull(value['storedSize']),
    uncompressedSize: numberOrNull(value['uncompressedSize']),
    contentSize: numberOrNull(value['contentSize']),
    fileCount: numberOrNull(value['fileCount']),
    createdBy: stringField(value, 'createdBy'),
    present: value['present'] !== false,
    external: value['external'] === true,
    estargz: value['estargz'] === true,
    entry: stringField(value, 'entry'),
    compressedSize: numberOrNull(value['compressedSize']),
    compressedSizeEstimated: value['compressedSizeEstimated'] === true,
    files: readFiles(arrayField(value, 'files'), where, fail, keepFiles),
  };
}

/**
 * One empty list for every layer without files (FileList.empty): a fleet has a million layers.
 * Without keepFiles each record is checked and dropped.
 */
function readFiles(
  list: readonly unknown[] | null,
  where: string,
  fail: (why: string) => never,
  keepFiles: boolean,
): FileList {
  if (list === null || list.length === 0) return FileList.empty;
  if (!keepFiles) {
    list.forEach((file, i) => readFileJson(file, `${where}.files[${i}]`, fail));
    return FileList.empty;
  }
  return FileList.fromRecords(list.map((file, i) => readFileJson(file, `${where}.files[${i}]`, fail)));
}

const FILE_TYPES: ReadonlySet<string> = new Set([
  'file',
  'hardlink',
  'symlink',
  'directory',
  'char',
  'block',
  'fifo',
  'other',
]);

/** A file record from `inspect --json --files`, so audits of saved reports can measure waste. */
function readFileJson(value: unknown, where: string, fail: (why: string) => never): FileRecord {
  if (!isObject(value)) return fail(`${where} is not an object`);
  const path = stringField(value, 'path');
  const type = stringField(value, 'type');
  if (path === null || type === null || !FILE_TYPES.has(type)) return fail(`${where} needs a path and a known type`);
  // A layer holding such a path is invalid (layer-contents.ts), so no report of one lists it; and
  // paths of one length past 16,383 characters collide in every map keyed by path (V8 hashes them
  // by length alone): diffing two reports of 2,000 such paths took 16 s, 4,000 about a minute.
  if (path.length > MAX_PATH_LENGTH) {
    fail(`${where}.path is ${overPathMax(path.length)}: no layer can hold it`);
  }
  const whiteout = stringField(value, 'whiteout');
  return {
    path,
    type: type as FileRecord['type'],
    size: numberOr(value['size'], 0),
    mode: numberOr(value['mode'], 0),
    uid: numberOr(value['uid'], 0),
    gid: numberOr(value['gid'], 0),
    linkTarget: stringField(value, 'linkTarget'),
    whiteout: whiteout === 'delete' || whiteout === 'opaque' ? whiteout : null,
    sha256: stringField(value, 'sha256'),
  };
}

function isCompression(value: string | null): value is Compression {
  return value === 'none' || value === 'gzip' || value === 'zstd';
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function numberOr(value: unknown, fallback: number): number {
  return numberOrNull(value) ?? fallback;
}
