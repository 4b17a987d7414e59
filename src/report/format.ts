import { terminalText } from './display-text.js';
import prettyBytes from 'pretty-bytes';
import { shortDigest } from '../model/digest.js';
import type { ImageReport } from '../model/image.js';

/**
 * The one way renderers print a byte count: pretty-bytes, `~` before an estimate, and `missing`
 * where the count is not known.
 */
export function formatSize(bytes: number | null, estimated = false, missing = 'n/a'): string {
  return bytes === null ? missing : `${estimated ? '~' : ''}${prettyBytes(bytes)}`;
}

/** A signed change in bytes: `+93 kB`, `-1.2 MB`. */
export function formatGrowth(bytes: number): string {
  return `${bytes >= 0 ? '+' : '-'}${prettyBytes(Math.abs(bytes))}`;
}

/** A short, terminal-safe name for an image: its first tag, or `untagged <config>`. */
export function imageName(image: Pick<ImageReport, 'tags' | 'configDigest'>): string {
  const tag = image.tags[0];
  return tag !== undefined ? terminalText(tag) : `untagged ${shortDigest(image.configDigest)}`;
}
