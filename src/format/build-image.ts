import { terminalText } from '../report/display-text.js';
import { plural } from '../model/plural.js';
import { MAX_TAG_LENGTH } from '../model/limits.js';
import type { ArchiveEntry } from '../archive/walk-archive.js';
import { shownEntryPath } from '../archive/entry-path.js';
import type { ImageConfig } from '../model/config.js';
import type { Digest } from '../model/digest.js';
import type { ImageReport, LayerReport } from '../model/image.js';
import {
  compressionOfMediaType,
  dockerLayerMediaType,
  isForeignLayerMediaType,
  type Compression,
} from '../model/media-type.js';
import { formatPlatform } from '../model/platform.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import type { Lookup } from './blob-store.js';
import { FileList } from '../layer/file-list.js';
import { metadataFilesOf } from '../layer/metadata-capture.js';

/** What a manifest says a layer's blob is (OCI descriptor, docker-save LayerSources). */
export interface LayerDescriptor {
  readonly digest: Digest | null;
  readonly size: number | null;
  readonly mediaType: string | null;
  readonly urls: readonly string[];
}

export interface LayerSource {
  readonly index: number;
  /** The manifest's name for it: an entry path or a digest, for messages. */
  readonly reference: string;
  readonly lookup: Lookup;
  readonly descriptor: LayerDescriptor | null;
  /** Whether the descriptor's digest must equal the stored blob's (OCI) or may differ (docker-save LayerSources describe the registry blob). */
  readonly descriptorIsStored: boolean;
}

/**
 * Joins one layer's stored blob with what the config and manifest say about it, and checks them
 * against each other: the one place a layer's figures are decided.
 */
export function buildLayer(
  source: LayerSource,
  config: ImageConfig | null,
  createdBy: string | null,
  problems: Problem[],
): LayerReport {
  const { index, reference, lookup, descriptor } = source;
  const claimedDiffId = config?.diffIds[index] ?? null;
  const where = terminalText(reference);
  const rawDiffId = config?.rawDiffIds[index];
  if (rawDiffId !== undefined && claimedDiffId === null) {
    problems.push(
      problem(
        ProblemCode.invalidConfig,
        'error',
        `layer ${index} (${where}): the config's diff id ${terminalText(JSON.stringify(rawDiffId).slice(0, 80))} is not a sha256 digest, so the layer cannot be verified (md5:, sha512: or hand-edited?)`,
        reference,
      ),
    );
  }
  if (lookup.kind !== 'found') {
    if (lookup.kind === 'problem') problems.push(lookup.problem);
    const external = isForeignLayerMediaType(descriptor?.mediaType ?? undefined);
    if (lookup.kind === 'missing' && !external) {
      problems.push(
        problem(
          ProblemCode.missingBlob,
          'error',
          `layer ${index} (${where}) is listed but the archive has no such entry (truncated or partial save?)`,
          reference,
        ),
      );
    }
    const mediaType = descriptor?.mediaType ?? null;
    const compression = compressionOfMediaType(mediaType ?? undefined);
    return {
      index,
      diffId: claimedDiffId,
      digest: null,
      mediaType,
      compression,
      storedSize: null,
      uncompressedSize: null,
      contentSize: null,
      fileCount: null,
      createdBy,
      present: false,
      external,
      estargz: false,
      entry: null,
      compressedSize: compression !== null && compression !== 'none' ? (descriptor?.size ?? null) : null,
      compressedSizeEstimated: false,
      files: FileList.empty,
    };
  }
  const { entry } = lookup;
  const blob = entry.blob;
  const path = terminalText(entry.path);
  checkLayerBlob(entry, index, problems);
  if (
    claimedDiffId !== null &&
    blob.uncompressedDigest !== null &&
    blob.content === 'tar' &&
    blob.decodeError === null &&
    blob.uncompressedDigest !== claimedDiffId
  ) {
    problems.push(
      problem(
        ProblemCode.diffIdMismatch,
        'error',
        `layer ${index} (${path}) uncompresses to ${blob.uncompressedDigest}, but the config's diff id is ${claimedDiffId} (corrupted or edited layer?)`,
        entry.path,
      ),
    );
  }
  if (descriptor !== null && descriptor.digest !== null && blob.digest !== null && descriptor.digest !== blob.digest) {
    problems.push(
      source.descriptorIsStored
        ? problem(
            ProblemCode.digestMismatch,
            'error',
            `layer ${index} (${path}) hashes to ${blob.digest}, but the manifest says ${descriptor.digest} (corrupted blob?)`,
            entry.path,
          )
        : problem(
            ProblemCode.layerSourceMismatch,
            'warning',
            `layer ${index} (${path}) is ${blob.digest} (${blob.storedSize} bytes), but manifest.json LayerSources says ${descriptor.digest} (${descriptor.size ?? '?'} bytes) (hand-edited manifest.json?)`,
            entry.path,
          ),
    );
  } else if (descriptor?.size != null && descriptor.size !== blob.storedSize && source.descriptorIsStored) {
    problems.push(
      problem(
        ProblemCode.sizeMismatch,
        'error',
        `layer ${index} (${path}) is ${blob.storedSize} bytes, but the manifest says ${descriptor.size}`,
        entry.path,
      ),
    );
  }
  const isTar = blob.content === 'tar';
  return {
    index,
    diffId: claimedDiffId ?? (isTar ? blob.uncompressedDigest : null),
    digest: blob.digest,
    mediaType: descriptor?.mediaType ?? dockerLayerMediaType(blob.compression),
    compression: blob.compression,
    storedSize: blob.storedSize,
    uncompressedSize: blob.uncompressedSize,
    contentSize: blob.layer?.contentSize ?? null,
    fileCount: blob.layer?.fileCount ?? null,
    createdBy,
    present: true,
    external: isForeignLayerMediaType(descriptor?.mediaType ?? undefined),
    estargz: blob.layer?.estargz ?? false,
    entry: entry.path,
    ...compressedSizeOf(blob.compression, blob.storedSize, blob.estimatedCompressedSize, descriptor),
    files: blob.layer?.files ?? FileList.empty,
    ...(blob.layer?.metadata ? { metadataFiles: metadataFilesOf(blob.layer.metadata) } : {}),
  };
}

/**
 * The bytes a registry transfers for this layer: the stored blob when it is compressed, else a
 * descriptor's size when it describes a compressed blob, else the gzip -6 estimate if one was made.
 */
function compressedSizeOf(
  compression: Compression,
  storedSize: number,
  estimate: number | null,
  descriptor: LayerDescriptor | null,
): { compressedSize: number | null; compressedSizeEstimated: boolean } {
  if (compression !== 'none') return { compressedSize: storedSize, compressedSizeEstimated: false };
  const declared = compressionOfMediaType(descriptor?.mediaType ?? undefined);
  if (declared !== null && declared !== 'none' && descriptor?.size != null) {
    return { compressedSize: descriptor.size, compressedSizeEstimated: false };
  }
  return { compressedSize: estimate, compressedSizeEstimated: estimate !== null };
}

function checkLayerBlob(entry: ArchiveEntry, index: number, problems: Problem[]): void {
  const blob = entry.blob;
  if (!blob) return;
  const path = terminalText(entry.path);
  if (blob.decodeError !== null) {
    problems.push(
      problem(
        ProblemCode.invalidLayer,
        'error',
        `layer ${index} (${path}) does not decompress as ${blob.compression}: ${blob.decodeError} (corrupted or truncated blob?)`,
        entry.path,
      ),
    );
  } else if (blob.content !== 'tar') {
    problems.push(
      problem(
        ProblemCode.invalidLayer,
        'error',
        `layer ${index} (${path}) is not a tar${blob.compression === 'none' ? '' : ` after ${blob.compression} decompression`} (${blob.content} content)`,
        entry.path,
      ),
    );
  } else if (blob.layer?.tarProblem) {
    problems.push(
      // A tar cut mid-entry or with a bad header is one no runtime can extract (issue 12).
      problem(
        ProblemCode.invalidLayer,
        'error',
        `layer ${index} (${path}): ${blob.layer.tarProblem} (no runtime can extract this layer: a truncated, corrupted or hostile tar)`,
        entry.path,
      ),
    );
  }
  const escapes = blob.layer?.escapes;
  if (escapes) {
    problems.push(
      problem(
        ProblemCode.invalidLayer,
        'error',
        `layer ${index} (${path}): entry ${shownEntryPath(escapes.first)} climbs above the layer's root${escapes.count > 1 ? `, and ${plural(escapes.count - 1, 'more entry', 'more entries')}` : ''}: read at the root, as containerd and older Docker write it (Docker's go-archive 0.3 and later refuses such a layer: a hand-made or hostile tar)`,
        entry.path,
      ),
    );
  }
}

/** `tags` without those longer than MAX_TAG_LENGTH, and how many those were. */
export function tagsWithinLength(tags: readonly string[]): { tags: readonly string[]; overlong: number } {
  let overlong = 0;
  for (const tag of tags) if (tag.length > MAX_TAG_LENGTH) overlong++;
  return { tags: overlong === 0 ? tags : tags.filter((tag) => tag.length <= MAX_TAG_LENGTH), overlong };
}

/** The error for the tags `where` names that tagsWithinLength left out. */
export function overlongTags(where: string, count: number): Problem {
  return problem(
    ProblemCode.invalidManifest,
    'error',
    `${terminalText(where)} names ${plural(count, 'tag')} longer than ${MAX_TAG_LENGTH} characters, left out (no image reference is that long; docker load refuses them: a hostile archive?)`,
    null,
  );
}

/** Sums an image's figures over its distinct layers (a layer listed twice is stored once). */
export function assembleImage(parts: {
  tags: readonly string[];
  configDigest: Digest | null;
  manifestDigest: Digest | null;
  config: ImageConfig | null;
  layers: readonly LayerReport[];
}): ImageReport {
  const seen = new Set<string>();
  let contentSize = 0;
  let uncompressedSize = 0;
  let compressedSize: number | null = 0;
  for (const layer of parts.layers) {
    const key = layer.diffId ?? layer.digest ?? `#${layer.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    contentSize += layer.contentSize ?? 0;
    uncompressedSize += layer.uncompressedSize ?? 0;
    compressedSize =
      compressedSize === null || layer.compressedSize === null ? null : compressedSize + layer.compressedSize;
  }
  return {
    tags: [...new Set(parts.tags)],
    configDigest: parts.configDigest,
    manifestDigest: parts.manifestDigest,
    platform: formatPlatform(parts.config?.platform ?? null),
    created: parts.config?.created ?? null,
    contentSize,
    uncompressedSize,
    compressedSize: parts.layers.length === 0 ? null : compressedSize,
    layers: parts.layers,
    history: parts.config?.history ?? [],
    ...(parts.config && parts.config.locales.length > 0 ? { locales: parts.config.locales } : {}),
  };
}

/** The history step that made each layer, by position among non-empty steps. */
/** Each config's layer-making steps by layer index, built once: a find per layer was quadratic (issue 12). */
const stepsByLayer = new WeakMap<ImageConfig, Map<number, string | null>>();

export function createdByOf(config: ImageConfig | null, index: number): string | null {
  if (config === null) return null;
  let steps = stepsByLayer.get(config);
  if (!steps) {
    steps = new Map();
    for (const step of config.history) {
      if (step.layerIndex !== null && !steps.has(step.layerIndex)) steps.set(step.layerIndex, step.createdBy);
    }
    stepsByLayer.set(config, steps);
  }
  return steps.get(index) ?? null;
}

/** Docker and BuildKit write one non-empty history step per layer; say so when they disagree. */
export function checkHistory(config: ImageConfig | null, layerCount: number, where: string, problems: Problem[]): void {
  if (config === null || config.history.length === 0) return;
  const steps = config.history.filter((step) => step.layerIndex !== null).length;
  if (steps !== layerCount) {
    problems.push(
      problem(
        ProblemCode.historyMismatch,
        'info',
        `${where} has ${plural(steps, 'history step')} that made layers but ${plural(layerCount, 'layer')}; "created by" may be misattributed`,
        null,
      ),
    );
  }
}
