import type { ArchiveReport, ImageLookup, ImageReport, LayerReport } from '../model/image.js';
import type { Overlay } from '../layer/overlay.js';
import type { ImagePackages } from '../packages/types.js';
import { jsonLogText } from './display-text.js';

export const INSPECT_SCHEMA_VERSION = 1;
/** The JSON Schema of the document, shipped as `schemas/inspect.schema.json` (its `$id`). */
export const INSPECT_SCHEMA_ID = 'layerlens/schemas/inspect.schema.json';

export interface InspectJsonOptions {
  /** Include each layer's file list. */
  readonly files?: boolean;
  /** Final trees (flat, by path) with waste figures, by image. */
  readonly trees?: ImageLookup<{ readonly overlay: Overlay }>;
  /** Size by package, by image (`--packages`). */
  readonly packages?: ReadonlyMap<ImageReport, ImagePackages>;
}

/**
 * Where writeJson writes an image's `packages` list in this document (archives > archive > images
 * > image > packages, two spaces a level): what `inspect --packages --json` renders it ahead for.
 */
export const PACKAGE_LIST_INDENT = ' '.repeat(10);

/** The `inspect --json` document (schemaVersion 1, documented in the README). Pure. */
export function buildInspectJson(archives: readonly ArchiveReport[], options: InspectJsonOptions = {}): object {
  return {
    $schema: INSPECT_SCHEMA_ID,
    schemaVersion: INSPECT_SCHEMA_VERSION,
    archives: archives.map((archive) => ({
      path: archive.path,
      format: archive.format,
      compression: archive.compression,
      verified: archive.verified,
      entryCount: archive.entryCount,
      images: archive.images.map((image) => imageJson(image, options)),
      artifacts: archive.artifacts,
      absent: archive.absent,
      problems: archive.problems,
    })),
  };
}

/**
 * `inspect --format ndjson`: one line per image, with its archive (path, format, compression,
 * verified, entryCount) and everything `inspect --json` says of the image. Data engines load it
 * as a table of images; `share` reads it back line by line. `##[` in a line is written `##\u005b`
 * (jsonLogText: a CI runner acts on it anywhere in a line). Pure.
 */
export function buildInspectNdjsonLines(archive: ArchiveReport, options: InspectJsonOptions = {}): string[] {
  const archiveJson = {
    path: archive.path,
    format: archive.format,
    compression: archive.compression,
    verified: archive.verified,
    entryCount: archive.entryCount,
  };
  return archive.images.map((image) =>
    jsonLogText(
      JSON.stringify({ schemaVersion: INSPECT_SCHEMA_VERSION, archive: archiveJson, ...imageJson(image, options) }),
    ),
  );
}

function imageJson(image: ImageReport, options: InspectJsonOptions): object {
  return {
    tags: image.tags,
    configDigest: image.configDigest,
    manifestDigest: image.manifestDigest,
    platform: image.platform,
    created: image.created,
    contentSize: image.contentSize,
    uncompressedSize: image.uncompressedSize,
    compressedSize: image.compressedSize,
    layers: image.layers.map((layer) => layerJson(layer, options)),
    history: image.history,
    ...treeJson(options.trees?.get(image)?.overlay),
    ...packagesJson(options.packages?.get(image)),
  };
}

/** `packages` biggest first, the bytes no package owns, and warnings about package databases. */
function packagesJson(result: ImagePackages | undefined): object {
  if (!result) return {};
  return {
    packages: result.packages,
    unownedSize: result.unownedSize,
    unownedByFolder: result.unownedByFolder,
    packageProblems: result.problems,
  };
}

function treeJson(overlay: Overlay | undefined): object {
  if (!overlay) return {};
  return {
    wastedSize: overlay.wastedSize,
    efficiency: overlay.efficiency,
    tree: [...overlay.tree].map(([path, entry]) => ({
      path,
      type: entry.record.type,
      size: entry.record.size,
      linkTarget: entry.record.linkTarget,
      layerIndex: entry.layerIndex,
    })),
  };
}

function layerJson(layer: LayerReport, options: InspectJsonOptions): object {
  // Package database texts are an input to `packages`, never output.
  const { files, metadataFiles: _metadata, ...rest } = layer;
  return options.files ? { ...rest, files: files.records() } : rest;
}
