import { isObject, stringField } from './json.js';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant: string | null;
}

/** Reads `os`, `architecture`, `variant` from a config or a descriptor's `platform`. */
export function platformOf(value: unknown): Platform | null {
  if (!isObject(value)) return null;
  const os = stringField(value, 'os');
  const architecture = stringField(value, 'architecture');
  if (os === null || architecture === null || os === '' || architecture === '') return null;
  const variant = stringField(value, 'variant');
  return { os, architecture, variant: variant === '' ? null : variant };
}

/** `linux/arm/v7`, the form docker and the OCI tools print. */
export function formatPlatform(platform: Platform | null): string | null {
  if (platform === null) return null;
  return [platform.os, platform.architecture, platform.variant].filter((p) => p !== null).join('/');
}

/** Whether `platform` matches a `--platform os/arch[/variant]` filter. */
export function platformMatches(platform: string | null, filter: string): boolean {
  if (platform === null) return false;
  if (platform === filter) return true;
  const want = filter.split('/');
  const have = platform.split('/');
  return want.every((part, i) => have[i] === part);
}
