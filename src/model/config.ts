import { parseDigest, type Digest } from './digest.js';
import { arrayField, isObject, objectField, stringField, type JsonObject } from './json.js';
import { platformOf, type Platform } from './platform.js';

export interface HistoryStep {
  readonly created: string | null;
  readonly createdBy: string | null;
  readonly comment: string | null;
  readonly emptyLayer: boolean;
  /** The layer this step made, or null for `empty_layer` steps (ENV, LABEL, CMD...). */
  readonly layerIndex: number | null;
}

export interface ImageConfig {
  readonly platform: Platform | null;
  readonly created: string | null;
  /** `rootfs.diff_ids`; null entries are malformed ones. */
  readonly diffIds: readonly (Digest | null)[];
  /** `rootfs.diff_ids` as written, for messages about the ones that are not sha256 digests. */
  readonly rawDiffIds: readonly unknown[];
  readonly history: readonly HistoryStep[];
  /** Locales the config's Env selects (LANG, LC_ALL, then each of LANGUAGE's), as written. */
  readonly locales: readonly string[];
}

/** Env variables that choose the translations programs load. */
const LOCALE_VARIABLES = ['LANG=', 'LC_ALL=', 'LANGUAGE='];
/** An Env longer than this is not a real one: the rest is not looked at. */
const ENV_MAX = 10_000;

/** Reads an image config (OCI or Docker). Returns null when it is not one. */
export function parseImageConfig(value: unknown): ImageConfig | null {
  if (!isObject(value)) return null;
  const rootfs = objectField(value, 'rootfs');
  const diffIds = rootfs ? (arrayField(rootfs, 'diff_ids') ?? []) : null;
  if (diffIds === null) return null;
  const history: HistoryStep[] = [];
  let layerIndex = 0;
  for (const step of arrayField(value, 'history') ?? []) {
    if (!isObject(step)) continue;
    const emptyLayer = step['empty_layer'] === true;
    history.push({
      created: stringField(step, 'created'),
      createdBy: stringField(step, 'created_by'),
      comment: stringField(step, 'comment'),
      emptyLayer,
      layerIndex: emptyLayer ? null : layerIndex++,
    });
  }
  return {
    platform: platformOf(value),
    created: stringField(value, 'created'),
    diffIds: diffIds.map((d) => parseDigest(d)),
    rawDiffIds: diffIds,
    history,
    locales: localesOf(objectField(value, 'config')),
  };
}

/** The locales named by the Env of a config's `config` object (`LANGUAGE=de:fr` names two). */
function localesOf(config: JsonObject | null): string[] {
  const env = config ? (arrayField(config, 'Env') ?? []) : [];
  const locales: string[] = [];
  for (const entry of env.slice(0, ENV_MAX)) {
    if (typeof entry !== 'string') continue;
    const variable = LOCALE_VARIABLES.find((prefix) => entry.startsWith(prefix));
    if (variable === undefined) continue;
    for (const name of entry.slice(variable.length).split(':')) if (name !== '') locales.push(name);
  }
  return locales;
}
