import { terminalText } from '../report/display-text.js';
import { plural } from '../model/plural.js';
import { parseDigest } from '../model/digest.js';
import type { ImageReport, LayerReport } from '../model/image.js';
import { arrayField, isObject, objectField, stringArray, stringField, type JsonObject } from '../model/json.js';
import { problem, ProblemCode } from '../model/problem.js';
import {
  assembleImage,
  buildLayer,
  checkHistory,
  createdByOf,
  overlongTags,
  tagsWithinLength,
  type LayerDescriptor,
} from './build-image.js';
import type { FormatContext } from './context.js';
import { readImageConfig } from './image-config.js';

/**
 * `docker save` manifest.json (Docker 1.10+, podman, skopeo docker-archive, crane, kaniko, Jib):
 * an array of { Config, RepoTags, Layers, LayerSources? }. Jib writes the keys in lower case.
 */
export function readDockerManifestList(context: FormatContext, manifest: readonly unknown[]): ImageReport[] {
  const images: ImageReport[] = [];
  manifest.forEach((item, position) => {
    const where = `manifest.json[${position}]`;
    if (!isObject(item)) {
      context.problems.push(
        problem(ProblemCode.invalidManifest, 'error', `${where} is not an object`, 'manifest.json'),
      );
      return;
    }
    const image = readOne(context, item, where);
    if (image) images.push(image);
  });
  return images;
}

function readOne(context: FormatContext, item: JsonObject, where: string): ImageReport | null {
  const { store, problems } = context;
  const configPath = stringField(item, 'Config', 'config');
  const layerPaths = arrayField(item, 'Layers', 'layers');
  if (configPath === null || layerPaths === null) {
    problems.push(
      problem(
        ProblemCode.invalidManifest,
        'error',
        `${where} has no Config or no Layers (not a docker save manifest?)`,
        'manifest.json',
      ),
    );
    return null;
  }
  const configLookup = store.resolve(configPath);
  if (configLookup.kind === 'missing') {
    problems.push(
      problem(
        ProblemCode.missingBlob,
        'error',
        `manifest.json lists config ${terminalText(configPath)} but the archive has no such entry (truncated or partial save?)`,
        configPath,
      ),
    );
    return null;
  }
  const config = readImageConfig(context, configLookup);
  if (configLookup.kind !== 'found') return null;
  if (config === null) {
    problems.push(
      problem(
        ProblemCode.invalidConfig,
        'error',
        `${terminalText(configPath)} is not an image config (no rootfs.diff_ids)`,
        configPath,
      ),
    );
  }
  const layerSources = objectField(item, 'LayerSources', 'layerSources');
  if (config !== null && config.diffIds.length !== layerPaths.length) {
    problems.push(
      problem(
        ProblemCode.layerCountMismatch,
        'error',
        `${where} lists ${plural(layerPaths.length, 'layer')} but its config has ${plural(config.diffIds.length, 'diff id')} (hand-edited manifest.json?)`,
        'manifest.json',
      ),
    );
  }
  const layers: LayerReport[] = layerPaths.map((raw, index) => {
    const reference = typeof raw === 'string' ? raw : '';
    const diffId = config?.diffIds[index] ?? null;
    const source = diffId !== null && layerSources ? layerSources[diffId] : undefined;
    return buildLayer(
      {
        index,
        reference,
        lookup: reference === '' ? { kind: 'missing' } : store.resolve(reference),
        descriptor: descriptorOf(source),
        descriptorIsStored: false,
      },
      config,
      createdByOf(config, index),
      problems,
    );
  });
  checkHistory(config, layers.length, terminalText(configPath), problems);
  const { tags, overlong } = tagsWithinLength(stringArray(item['RepoTags'] ?? item['repoTags']));
  if (overlong > 0) problems.push(overlongTags(where, overlong));
  return assembleImage({
    tags,
    configDigest: configLookup.entry.blob.digest,
    manifestDigest: null,
    config,
    layers,
  });
}

export function descriptorOf(value: unknown): LayerDescriptor | null {
  if (!isObject(value)) return null;
  const size = value['size'];
  return {
    digest: parseDigest(value['digest']),
    size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : null,
    mediaType: stringField(value, 'mediaType'),
    urls: stringArray(value['urls']),
  };
}
