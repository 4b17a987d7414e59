import { terminalText } from '../report/display-text.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { joinImagePath } from './image-path.js';
import { firstField, splitStanzas } from './stanzas.js';
import type { MetadataTexts } from './metadata-texts.js';
import type { ListedPaths } from './listed-paths.js';
import type { PackageClaim } from './types.js';

const INSTALLED = 'lib/apk/db/installed';
/** The fields read below (an apk stanza has a dozen more: A:, S:, I:, T:, U:, Z:, ...). */
const FIELDS: ReadonlySet<string> = new Set(['P', 'V', 'F', 'R']);

/** apk: `lib/apk/db/installed` stanzas, P: name, V: version, F: a folder, R: a file in the last F:. */
export function readApk(texts: MetadataTexts, listed: ListedPaths, problems: Problem[]): PackageClaim[] {
  const text = texts.get(INSTALLED);
  if (text === undefined) return [];
  const claims: PackageClaim[] = [];
  let bad = 0;
  let stanzaCount = 0;
  for (const stanza of splitStanzas(text, 1, FIELDS)) {
    stanzaCount++;
    const name = firstField(stanza, 'P');
    if (stanza.badLines > 0 || name === null || name === '') {
      bad++;
      continue;
    }
    const paths: string[] = [];
    const room = listed.room;
    let cut = false;
    let folder = '';
    let lying = false;
    for (const [key, value] of stanza.fields) {
      if (key === 'F') {
        const joined = joinImagePath('', value);
        lying ||= joined === null || value.startsWith('/');
        folder = joined ?? '';
      } else if (key === 'R') {
        const joined = value.includes('/') || value === '..' ? null : joinImagePath(folder, value);
        if (joined === null || joined === '') lying = true;
        else if (paths.length === room) cut = true;
        else paths.push(joined);
      }
    }
    listed.took(INSTALLED, paths.length, cut);
    if (lying) bad++;
    claims.push({ ecosystem: 'apk', name, version: firstField(stanza, 'V'), paths, source: INSTALLED });
  }
  if (bad > 0) {
    problems.push(
      problem(
        ProblemCode.packageDatabase,
        'warning',
        `${terminalText(INSTALLED)}: ${bad} of ${stanzaCount} stanzas are not valid apk records (corrupt, truncated or lying?); what they own counts as unowned`,
        INSTALLED,
      ),
    );
  }
  return claims;
}
