import { terminalText } from '../report/display-text.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { joinImagePath } from './image-path.js';
import { firstField, linesOf, splitStanzas, type Stanza } from './stanzas.js';
import type { MetadataTexts, PackageClaim } from './types.js';

const STATUS = 'var/lib/dpkg/status';
const STATUS_D = 'var/lib/dpkg/status.d/';
const INFO = 'var/lib/dpkg/info/';
const KEY_MAX = 64;

/**
 * dpkg: packages of `var/lib/dpkg/status` whose Status ends in `installed`, their files from
 * `info/NAME:ARCH.list` or `info/NAME.list`; distroless `status.d/NAME` stanzas have no file list
 * and give their Installed-Size (KiB) as a declared size.
 */
export function readDpkg(texts: MetadataTexts, problems: Problem[]): PackageClaim[] {
  const claims: PackageClaim[] = [];
  const status = texts.get(STATUS);
  if (status !== undefined) {
    for (const stanza of readStanzas(STATUS, status, problems)) {
      const name = firstField(stanza, 'Package');
      const state = firstField(stanza, 'Status') ?? '';
      if (name === null || !state.endsWith(' installed')) continue;
      const arch = firstField(stanza, 'Architecture');
      const listPath = [arch === null ? null : `${INFO}${name}:${arch}.list`, `${INFO}${name}.list`].find(
        (p) => p !== null && texts.has(p),
      );
      const version = firstField(stanza, 'Version');
      if (listPath == null) {
        claims.push(declared(name, version, stanza, STATUS));
        continue;
      }
      claims.push({
        ecosystem: 'dpkg',
        name,
        version,
        paths: readList(listPath, texts.get(listPath) ?? '', problems),
        source: listPath,
      });
    }
  }
  for (const [path, text] of texts) {
    if (!path.startsWith(STATUS_D)) continue;
    for (const stanza of readStanzas(path, text, problems)) {
      const name = firstField(stanza, 'Package');
      if (name !== null) claims.push(declared(name, firstField(stanza, 'Version'), stanza, path));
    }
  }
  return claims;
}

function declared(name: string, version: string | null, stanza: Stanza, source: string): PackageClaim {
  const kib = Number(firstField(stanza, 'Installed-Size') ?? '');
  const size = Number.isSafeInteger(kib) && kib >= 0 ? kib * 1024 : 0;
  return { ecosystem: 'dpkg', name, version, paths: null, declaredSize: size, source };
}

function readStanzas(path: string, text: string, problems: Problem[]): Stanza[] {
  const stanzas = splitStanzas(text, KEY_MAX);
  const bad = stanzas.filter((s) => s.badLines > 0 || firstField(s, 'Package') === null).length;
  if (bad > 0) {
    problems.push(
      problem(
        ProblemCode.packageDatabase,
        'warning',
        `${terminalText(path)}: ${bad} of ${stanzas.length} stanzas are not valid dpkg records (corrupt or truncated?); what they own counts as unowned`,
        path,
      ),
    );
  }
  return stanzas.filter((s) => s.badLines === 0);
}

/** A `.list`: one absolute path per line, folders included (`/.`, `/usr`). */
function readList(path: string, text: string, problems: Problem[]): string[] {
  const paths: string[] = [];
  let bad = 0;
  for (const line of linesOf(text)) {
    if (line === '') continue;
    const joined = line.startsWith('/') ? joinImagePath('', line) : null;
    if (joined === null) bad++;
    else if (joined !== '') paths.push(joined);
  }
  if (bad > 0) {
    problems.push(
      problem(
        ProblemCode.packageDatabase,
        'warning',
        `${terminalText(path)}: ${bad} lines are not absolute paths inside the image (corrupt or lying file list?); they are ignored`,
        path,
      ),
    );
  }
  return paths;
}
