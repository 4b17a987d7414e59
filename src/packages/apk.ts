import { terminalText } from '../report/display-text.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { joinImagePath } from './image-path.js';
import { firstField, splitStanzas } from './stanzas.js';
import type { MetadataTexts } from './metadata-texts.js';
import type { ListedPaths } from './listed-paths.js';
import type { PackageClaim } from './types.js';

const INSTALLED = 'lib/apk/db/installed';
/** The fields read below (an apk stanza has a dozen more: A:, S:, I:, T:, U:, Z:, ...): once each, */
const SINGLE: ReadonlySet<string> = new Set(['P', 'V']);
/** and the file list, F: and R: lines in order. */
const LIST: ReadonlySet<string> = new Set(['F', 'R']);

/** apk: `lib/apk/db/installed` stanzas, P: name, V: version, F: a folder, R: a file in the last F:. */
export function readApk(texts: MetadataTexts, listed: ListedPaths, problems: Problem[]): PackageClaim[] {
  const text = texts.get(INSTALLED);
  if (text === undefined) return [];
  const claims: PackageClaim[] = [];
  let bad = 0;
  let stanzaCount = 0;
  // R: lines past the room are never used: F: and R: lines past twice the room are not kept (a
  // real database has fewer folders than files).
  for (const stanza of splitStanzas(text, 1, SINGLE, LIST, 2 * listed.room)) {
    stanzaCount++;
    const name = firstField(stanza, 'P');
    if (stanza.badLines > 0 || name === null || name === '') {
      bad++;
      continue;
    }
    const paths: string[] = [];
    const room = listed.room;
    let cut = stanza.dropped > 0;
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
