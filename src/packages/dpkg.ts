import { terminalText } from '../report/display-text.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { MAX_PATH_LENGTH } from '../model/limits.js';
import { joinImagePath } from './image-path.js';
import { firstField, splitStanzas, type Stanza } from './stanzas.js';
import type { ListedPaths } from './listed-paths.js';
import type { MetadataTexts } from './metadata-texts.js';
import type { PackageClaim } from './types.js';

const STATUS = 'var/lib/dpkg/status';
const INFO = 'var/lib/dpkg/info/';
const KEY_MAX = 64;
/** The fields read below; a status stanza has a dozen more (Description, Depends, ...). */
const FIELDS: ReadonlySet<string> = new Set(['Package', 'Status', 'Architecture', 'Version', 'Installed-Size']);

/**
 * dpkg: packages of `var/lib/dpkg/status` whose Status ends in `installed`, their files from
 * `info/NAME:ARCH.list` or `info/NAME.list`; distroless `status.d/NAME` stanzas have no file list
 * and give their Installed-Size (KiB) as a declared size.
 */
export function readDpkg(texts: MetadataTexts, listed: ListedPaths, problems: Problem[]): PackageClaim[] {
  const claims: PackageClaim[] = [];
  const status = texts.get(STATUS);
  if (status !== undefined) {
    const stanzas = readStanzas(STATUS, status, problems);
    // dpkg keeps one record per package name and architecture, a later stanza replacing an
    // earlier one; and a .list is read once, whatever stanzas lead to it. Each stanza re-read the
    // list before: 4,000 stanzas of `Package: a` over a list of 400,000 bad lines took 25 s.
    const last = new Map<string, Map<string | null, Stanza>>();
    for (const stanza of stanzas) {
      const name = firstField(stanza, 'Package');
      if (name === null) continue;
      const byArch = last.get(name) ?? new Map<string | null, Stanza>();
      byArch.set(firstField(stanza, 'Architecture'), stanza);
      last.set(name, byArch);
    }
    const read = new Set<string>();
    let repeats = 0;
    for (const stanza of stanzas) {
      const name = firstField(stanza, 'Package');
      if (name === null) continue;
      const arch = firstField(stanza, 'Architecture');
      if (last.get(name)?.get(arch) !== stanza) {
        repeats++;
        continue;
      }
      const state = firstField(stanza, 'Status') ?? '';
      if (!state.endsWith(' installed')) continue;
      const listPath = [arch === null ? null : `${INFO}${name}:${arch}.list`, `${INFO}${name}.list`].find(
        (p) => p !== null && texts.has(p),
      );
      const version = firstField(stanza, 'Version');
      if (listPath == null) {
        claims.push(declared(name, version, stanza, STATUS));
        continue;
      }
      if (read.has(listPath)) {
        repeats++;
        continue;
      }
      read.add(listPath);
      claims.push({
        ecosystem: 'dpkg',
        name,
        version,
        paths: readList(listPath, texts.get(listPath) ?? '', listed, problems),
        source: listPath,
      });
    }
    if (repeats > 0) {
      problems.push(
        problem(
          ProblemCode.packageDatabase,
          'warning',
          `${terminalText(STATUS)}: ${repeats} stanzas repeat a package or a .list read before (corrupt?); only one of each is read`,
          STATUS,
        ),
      );
    }
  }
  texts.ofKind('dpkg-status-d').forEach((text, path) => {
    for (const stanza of readStanzas(path, text, problems)) {
      const name = firstField(stanza, 'Package');
      if (name !== null) claims.push(declared(name, firstField(stanza, 'Version'), stanza, path));
    }
  });
  return claims;
}

function declared(name: string, version: string | null, stanza: Stanza, source: string): PackageClaim {
  const kib = Number(firstField(stanza, 'Installed-Size') ?? '');
  const size = Number.isSafeInteger(kib) && kib >= 0 ? kib * 1024 : 0;
  return { ecosystem: 'dpkg', name, version, paths: null, declaredSize: size, source };
}

function readStanzas(path: string, text: string, problems: Problem[]): Stanza[] {
  const stanzas = splitStanzas(text, KEY_MAX, FIELDS);
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

/**
 * A `.list`: one absolute path per line, folders included (`/.`, `/usr`). Nearly every line is
 * already clean: one that holds no `/.` or `//`, starts with `/` and does not end with one is cut
 * out of the text as its path, without a string for the line; the others go through
 * joinImagePath. Where the next `/.` and `//` are is kept as the lines go by, so that finding them
 * stays linear. The main thread reads 20k lines cold while workers still hash (issue 9).
 */
function readList(path: string, text: string, listed: ListedPaths, problems: Problem[]): string[] {
  const paths: string[] = [];
  const room = listed.room;
  let cut = false;
  let bad = 0;
  let dot = nextAt(text, '/.', 0);
  let double = nextAt(text, '//', 0);
  for (let start = 0; start < text.length;) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    if (dot < start) dot = nextAt(text, '/.', start);
    if (double < start) double = nextAt(text, '//', start);
    if (
      end === start ||
      (end === start + 2 && text.charCodeAt(start) === 0x2f && text.charCodeAt(start + 1) === 0x2e)
    ) {
      // A blank line, or `/.`: the root, the first line of every list. Told here, a clean list
      // never calls joinImagePath, and the JIT leaves it out of this loop: 15 -> 4 ms of
      // background compiling per --packages run, while the workers hash (issue 9).
    } else if (text.charCodeAt(start) !== 0x2f || end - start > MAX_PATH_LENGTH + 1) {
      // Not absolute, or longer than any path a runtime can create (see MAX_PATH_LENGTH).
      bad++;
    } else if (paths.length === room) {
      cut = true;
      break;
    } else if (dot >= end && double >= end && text.charCodeAt(end - 1) !== 0x2f) {
      paths.push(text.slice(start + 1, end));
    } else {
      const joined = joinImagePath('', text.slice(start, end));
      if (joined === null) bad++;
      else if (joined !== '') paths.push(joined);
    }
    start = next;
  }
  listed.took(path, paths.length, cut);
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

/**
 * Where `pattern` next occurs from `from`, or the text's length: never -1. The same loop testing
 * `at === -1 || at >= end` ran 30 times slower once optimized (Node 20 and 24, 400 lists), for
 * no reason we could find; one comparison does not.
 */
function nextAt(text: string, pattern: string, from: number): number {
  const at = text.indexOf(pattern, from);
  return at === -1 ? text.length : at;
}
