import type { ArchiveEntry } from '../archive/walk-archive.js';
import { parseImageConfig, type ImageConfig } from '../model/config.js';
import type { Problem } from '../model/problem.js';
import type { BlobStore, Lookup } from './blob-store.js';
import { readJson, type FormatContext } from './context.js';

interface ParsedConfig {
  readonly config: ImageConfig | null;
  /** Why it could not be read, told again to every image that names it. */
  readonly problems: readonly Problem[];
}

/**
 * Configs read so far, per archive (its store) and entry. Any number of manifest entries may name
 * one config: each used to parse it again and keep its own copy of the history (issue 12).
 */
const readConfigs = new WeakMap<BlobStore, Map<ArchiveEntry, ParsedConfig>>();

/**
 * The image config at `lookup`, parsed once per archive: every image naming it shares the one
 * object, which nothing may change.
 */
export function readImageConfig(context: FormatContext, lookup: Lookup): ImageConfig | null {
  if (lookup.kind !== 'found') return parseImageConfig(readJson(context, lookup, 'image config'));
  let configs = readConfigs.get(context.store);
  if (!configs) {
    configs = new Map();
    readConfigs.set(context.store, configs);
  }
  let parsed = configs.get(lookup.entry);
  if (!parsed) {
    const problems: Problem[] = [];
    parsed = { config: parseImageConfig(readJson({ ...context, problems }, lookup, 'image config')), problems };
    configs.set(lookup.entry, parsed);
  }
  context.problems.push(...parsed.problems);
  return parsed.config;
}
