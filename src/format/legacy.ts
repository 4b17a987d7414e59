import { terminalText } from '../report/display-text.js';
import { parseImageConfig, type ImageConfig } from '../model/config.js';
import type { Digest } from '../model/digest.js';
import type { ImageReport, LayerReport } from '../model/image.js';
import { isObject, stringField } from '../model/json.js';
import { problem, ProblemCode } from '../model/problem.js';
import { parseJsonEntry } from './blob-store.js';
import { assembleImage, buildLayer, createdByOf } from './build-image.js';
import { readJson, type FormatContext } from './context.js';

const MAX_CHAIN = 256;

/**
 * The pre-1.10 layout: `repositories` maps repo -> tag -> top v1 id; each `<id>/json` names its
 * parent, and `<id>/layer.tar` holds the layer. There are no diff ids in it: a layer's diff id is
 * the sha256 of its tar, which the pass computed. If the archive also holds an image config whose
 * diff ids are that chain (some writers add one), it supplies the config digest, platform and
 * history.
 */
export function readLegacyRepositories(context: FormatContext, repositories: unknown): ImageReport[] {
  const { problems } = context;
  if (!isObject(repositories)) {
    problems.push(problem(ProblemCode.invalidManifest, 'error', 'repositories is not a JSON object', 'repositories'));
    return [];
  }
  const tagsById = new Map<string, string[]>();
  for (const [repo, tags] of Object.entries(repositories)) {
    if (!isObject(tags)) continue;
    for (const [tag, id] of Object.entries(tags)) {
      if (typeof id !== 'string') continue;
      const list = tagsById.get(id) ?? [];
      list.push(`${repo}:${tag}`);
      tagsById.set(id, list);
    }
  }
  const images: ImageReport[] = [];
  for (const [topId, tags] of tagsById) {
    const chain = v1Chain(context, topId);
    if (chain === null) continue;
    const lookups = chain.map((id) => ({ id, lookup: context.store.resolve(`${id}/layer.tar`) }));
    const diffIds = lookups.map(({ lookup }) =>
      lookup.kind === 'found' ? lookup.entry.blob.uncompressedDigest : null,
    );
    const found = findConfig(context, diffIds);
    const layers: LayerReport[] = lookups.map(({ id, lookup }, index) =>
      buildLayer(
        { index, reference: `${id}/layer.tar`, lookup, descriptor: null, descriptorIsStored: false },
        found?.config ?? null,
        createdByOf(found?.config ?? null, index),
        problems,
      ),
    );
    images.push(
      assembleImage({
        tags,
        configDigest: found?.digest ?? null,
        manifestDigest: null,
        config: found?.config ?? null,
        layers,
      }),
    );
  }
  return images;
}

function v1Chain(context: FormatContext, topId: string): string[] | null {
  const chain: string[] = [];
  let id: string | null = topId;
  while (id !== null) {
    if (chain.includes(id) || chain.length >= MAX_CHAIN) {
      context.problems.push(
        problem(
          ProblemCode.invalidManifest,
          'error',
          `the v1 parent chain of ${terminalText(topId)} loops`,
          `${id}/json`,
        ),
      );
      return null;
    }
    chain.push(id);
    const lookup = context.store.resolve(`${id}/json`);
    if (lookup.kind === 'missing') {
      context.problems.push(
        problem(
          ProblemCode.missingBlob,
          'error',
          `repositories names ${terminalText(id)} but the archive has no ${terminalText(id)}/json (truncated?)`,
          `${id}/json`,
        ),
      );
      return null;
    }
    const json = readJson(context, lookup, 'v1 layer json');
    id = isObject(json) ? stringField(json, 'parent') : null;
  }
  return chain.reverse();
}

function findConfig(
  context: FormatContext,
  diffIds: readonly (Digest | null)[],
): { digest: Digest; config: ImageConfig } | null {
  for (const entry of context.store.walk.entries.values()) {
    if (!entry.blob || entry.path.includes('/') || !entry.path.endsWith('.json')) continue;
    const parsed = parseJsonEntry(entry, 'image config', context.jsonCap);
    if (!parsed.ok) continue;
    const config = parseImageConfig(parsed.value);
    if (config && config.diffIds.length === diffIds.length && config.diffIds.every((d, i) => d === diffIds[i])) {
      if (entry.blob.digest) return { digest: entry.blob.digest, config };
    }
  }
  return null;
}
