import { terminalText } from '../report/display-text.js';
import { parseImageConfig, type ImageConfig } from '../model/config.js';
import type { Digest } from '../model/digest.js';
import type { ImageReport, LayerReport } from '../model/image.js';
import { isObject, stringField } from '../model/json.js';
import { problem, ProblemCode } from '../model/problem.js';
import { parseJsonEntry } from './blob-store.js';
import { assembleImage, buildLayer, createdByOf, overlongTags } from './build-image.js';
import { MAX_TAG_LENGTH } from '../model/limits.js';
import { textKey } from '../model/text-key.js';
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
  const tagsById = new Map<string, { id: string; tags: string[] }>();
  let overlong = 0;
  for (const [repo, tags] of Object.entries(repositories)) {
    if (!isObject(tags)) continue;
    for (const [tag, id] of Object.entries(tags)) {
      if (typeof id !== 'string') continue;
      if (repo.length + 1 + tag.length > MAX_TAG_LENGTH) {
        overlong++;
        continue;
      }
      // Ids are archive text of any length (a real one is 64 hex digits): keyed by textKey.
      const key = textKey(id);
      const known = tagsById.get(key);
      if (known) known.tags.push(`${repo}:${tag}`);
      else tagsById.set(key, { id, tags: [`${repo}:${tag}`] });
    }
  }
  if (overlong > 0) problems.push(overlongTags('repositories', overlong));
  const images: ImageReport[] = [];
  const parents = new Map<string, V1Parent>();
  let configs: ReadonlyMap<string, { digest: Digest; config: ImageConfig }> | null = null;
  for (const { id: topId, tags } of tagsById.values()) {
    const chain = v1Chain(context, topId, parents);
    if (chain === null) continue;
    const lookups = chain.map((id) => ({ id, lookup: context.store.resolve(`${id}/layer.tar`) }));
    const diffIds = lookups.map(({ lookup }) =>
      lookup.kind === 'found' ? lookup.entry.blob.uncompressedDigest : null,
    );
    configs ??= configsByDiffIds(context);
    const found = configs.get(diffIdsKey(diffIds)) ?? null;
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

/** A v1 layer's parent as its `json` names it (null: the bottom layer), or that it has no `json`. */
type V1Parent = { readonly parent: string | null } | 'missing';

/**
 * The v1 layer ids from the bottom to `topId`, following `parent`. Each layer's `json` is read
 * once per archive (`parents`), whatever number of images share it.
 */
function v1Chain(context: FormatContext, topId: string, parents: Map<string, V1Parent>): string[] | null {
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
    let known = parents.get(id);
    if (known === undefined) {
      const lookup = context.store.resolve(`${id}/json`);
      const json = lookup.kind === 'missing' ? undefined : readJson(context, lookup, 'v1 layer json');
      known = lookup.kind === 'missing' ? 'missing' : { parent: isObject(json) ? stringField(json, 'parent') : null };
      parents.set(id, known);
    }
    if (known === 'missing') {
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
    id = known.parent;
  }
  return chain.reverse();
}

/** A config's diff ids as one key: past 228 of them the text is one V8 hashes by length (textKey). */
const diffIdsKey = (diffIds: readonly (Digest | null)[]): string => textKey(diffIds.map((d) => d ?? '-').join(' '));

/**
 * The top-level `*.json` configs by their diff ids, each parsed once per archive: the first one
 * (in archive order) for each list of diff ids, as a v1 image is matched to its config by them.
 * Looking through every config for every image was quadratic (6,000 images: 18 million parses, over 30 s).
 */
function configsByDiffIds(context: FormatContext): Map<string, { digest: Digest; config: ImageConfig }> {
  const configs = new Map<string, { digest: Digest; config: ImageConfig }>();
  for (const entry of context.store.walk.entries.values()) {
    if (!entry.blob?.digest || entry.path.includes('/') || !entry.path.endsWith('.json')) continue;
    const parsed = parseJsonEntry(entry, 'image config', context.jsonCap);
    if (!parsed.ok) continue;
    const config = parseImageConfig(parsed.value);
    if (!config) continue;
    const key = diffIdsKey(config.diffIds);
    if (!configs.has(key)) configs.set(key, { digest: entry.blob.digest, config });
  }
  return configs;
}
