import { terminalText } from '../report/display-text.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { joinImagePath, parentPath } from './image-path.js';
import { forEachLine } from './stanzas.js';
import type { MetadataTexts } from './metadata-texts.js';
import type { ListedPaths } from './listed-paths.js';
import type { PackageClaim } from './types.js';

/**
 * pip: every `NAME-VERSION.dist-info/RECORD` (PEP 376 / 627): CSV lines `path,hash,size`, paths
 * relative to the folder holding the `.dist-info` (`../../../bin/x` for scripts is normal);
 * name and version come from the folder's name (wheel names spell `-` as `_`).
 */
export function readPip(texts: MetadataTexts, listed: ListedPaths, problems: Problem[]): PackageClaim[] {
  const claims: PackageClaim[] = [];
  // forEach: no [path, text] pair per database while this code is still cold (issue 9).
  texts.ofKind('pip-record').forEach((text, path) => {
    const distInfo = parentPath(path);
    const site = parentPath(distInfo);
    const folder = distInfo.slice(site === '' ? 0 : site.length + 1, -'.dist-info'.length);
    const dash = folder.indexOf('-');
    const name = dash === -1 ? folder : folder.slice(0, dash);
    const version = dash === -1 ? null : folder.slice(dash + 1);
    const paths: string[] = [];
    const room = listed.room;
    let cut = false;
    let bad = 0;
    forEachLine(text, (line) => {
      if (line === '' || cut) return;
      const field = firstCsvField(line);
      const joined = field === null || field === '' ? null : joinImagePath(site, field);
      if (joined === null || joined === '') bad++;
      else if (paths.length === room) cut = true;
      else paths.push(joined);
    });
    listed.took(path, paths.length, cut);
    if (bad > 0) {
      problems.push(
        problem(
          ProblemCode.packageDatabase,
          'warning',
          `${terminalText(path)}: ${bad} lines name no path inside the image (corrupt, or lying ../ paths?); they are ignored`,
          path,
        ),
      );
    }
    claims.push({ ecosystem: 'pip', name, version: version === '' ? null : version, paths, source: path });
  });
  return claims;
}

/** The first field of a CSV line (RFC 4180 quoting, as Python's csv module writes it), or null. */
function firstCsvField(line: string): string | null {
  if (!line.startsWith('"')) {
    const comma = line.indexOf(',');
    return comma === -1 ? line : line.slice(0, comma);
  }
  let out = '';
  let i = 1;
  while (i < line.length) {
    const quote = line.indexOf('"', i);
    if (quote === -1) return null;
    out += line.slice(i, quote);
    if (line[quote + 1] === '"') {
      out += '"';
      i = quote + 2;
    } else {
      return out;
    }
  }
  return null;
}
