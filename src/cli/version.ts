import { readFileSync } from 'node:fs';

/**
 * The version in package.json, read next to the code that runs: `src/cli/` in tests and
 * `dist/cli/` when installed are both two levels below the package root.
 */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string')
    return parsed.version;
  throw new Error('package.json has no version');
}
