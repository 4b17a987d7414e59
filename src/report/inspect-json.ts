import type { ArchiveReport, ImageReport, LayerReport } from '../model/image.js';

export const INSPECT_SCHEMA_VERSION = 1;

export interface InspectJsonOptions {
  /** Include each layer's file list. */
  readonly files?: boolean;
}

/** The `inspect --json` document (schemaVersion 1, documented in the README). Pure. */
export function buildInspectJson(archives: readonly ArchiveReport[], options: InspectJsonOptions = {}): object {
  return {
    schemaVersion: INSPECT_SCHEMA_VERSION,
    archives: archives.map((archive) => ({
      path: archive.path,
      format: archive.format,
      compression: archive.compression,
      entryCount: archive.entryCount,
      images: archive.images.map((image) => imageJson(image, options)),
      artifacts: archive.artifacts,
      absent: archive.absent,
      problems: archive.problems,
    })),
  };
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
  };
}

function layerJson(layer: LayerReport, options: InspectJsonOptions): object {
  const { files, ...rest } = layer;
  return options.files ? { ...rest, files } : rest;
}
