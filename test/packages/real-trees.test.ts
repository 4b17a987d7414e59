import { existsSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildArchive, type FileSpec, type ImageSpec } from '../helpers/fixture-builder.js';
import { allReadable, HostTree, lstatOrNull, sortedEntries } from '../helpers/host-trees.js';

/**
 * `inspect --packages` against the test machine's own package trees (Debian 12 with a merged /usr
 * here and in CI: dpkg, a pyenv site-packages, this project's node_modules), each made into an
 * image at test time and compared package by package with what lstat, readlink and realpath on
 * the host give (the host kernel follows the merged-/usr links, not layerlens's code). A part
 * whose tree the machine lacks is skipped, saying why.
 */

const dir = mkdtempSync(join(tmpdir(), 'layerlens-real-trees-'));
// The archives hold tens of MB of the host's files: gone after the run.
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** One part, for one of the host's trees: skipped, its title saying why (`missing`), when the machine lacks it. */
function hostPart(title: string, missing: string | null, body: () => void): void {
  describe.skipIf(missing !== null)(missing === null ? title : `${title} (skipped: ${missing})`, body);
}

interface Measured {
  name: string;
  version: string | null;
  size: number;
  fileCount: number;
  layerIndex: number | null;
}

interface ImagePackagesJson {
  packages: (Measured & { ecosystem: string })[];
  unownedSize: number;
  packageProblems: unknown[];
}

/** `inspect --packages --json` of an OCI archive of `images`, written to a temp file. */
async function inspect(name: string, images: ImageSpec[]): Promise<ImagePackagesJson[]> {
  const { bytes } = await buildArchive('oci', images);
  const path = join(dir, `${name}.tar`);
  writeFileSync(path, bytes);
  const run = await runCli(['inspect', '--packages', '--json', path]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const doc = JSON.parse(run.stdout) as { archives: { images: ImagePackagesJson[] }[] };
  return doc.archives[0]?.images ?? [];
}

const byName = (a: Measured, b: Measured): number =>
  a.name.localeCompare(b.name) ||
  (a.version ?? '').localeCompare(b.version ?? '') ||
  a.size - b.size ||
  a.fileCount - b.fileCount;

/** The packages of one ecosystem as layerlens measured them, in the truth's order. */
const measuredOf = (image: ImagePackagesJson | undefined, ecosystem: string): Measured[] =>
  (image?.packages ?? [])
    .filter((p) => p.ecosystem === ecosystem)
    .map(({ name, version, size, fileCount, layerIndex }) => ({ name, version, size, fileCount, layerIndex }))
    .sort(byName);

/**
 * The truth for one package from the host: each listed path where a process reaches it (folders
 * as the host kernel resolves them, the last part as it is), once; folders and absent paths add
 * nothing; a file its bytes on its inode's first name in the tar still in the image (a hard link
 * adds nothing while that name is there), a symlink its target's length. `present` says whether a
 * later layer left the path in the image.
 */
function truthOf(
  tree: HostTree,
  listed: Iterable<string>,
  present: (location: string) => boolean = () => true,
): { size: number; fileCount: number; owned: Set<string> } {
  const owned = new Set<string>();
  let size = 0;
  for (const path of listed) {
    const location = tree.locate(path);
    if (location === null || owned.has(location) || !present(location)) continue;
    const stats = lstatOrNull(location);
    if (stats === null || !(stats.isFile() || stats.isSymbolicLink())) continue;
    owned.add(location);
    if (stats.isSymbolicLink()) size += Buffer.byteLength(readlinkSync(location));
    else size += tree.entryAt(location, present)?.kind === 'file' ? (tree.entryAt(location, present)?.bytes ?? 0) : 0;
  }
  return { size, fileCount: owned.size, owned };
}

/**
 * An image of one layer measured as the truth has it: each package of `ecosystem` (its layer 0
 * when it has files), the bytes no package owns, and no database problem.
 */
function expectOneLayerImage(
  image: ImagePackagesJson | undefined,
  ecosystem: string,
  tree: HostTree,
  truth: readonly (Omit<Measured, 'layerIndex'> & { owned: Set<string> })[],
): void {
  expect(measuredOf(image, ecosystem)).toEqual(
    truth
      .map(({ name, version, size, fileCount }) => ({
        name,
        version,
        size,
        fileCount,
        layerIndex: fileCount > 0 ? 0 : null,
      }))
      .sort(byName),
  );
  expect(image?.unownedSize).toBe(
    unownedTruth(
      tree,
      tree.contentSize(),
      truth.map((t) => t.owned),
    ),
  );
  expect(image?.packageProblems).toEqual([]);
}

/** The final tree's bytes no package owns: all of it less each owned path once. */
function unownedTruth(
  tree: HostTree,
  total: number,
  owned: Iterable<Set<string>>,
  present?: (location: string) => boolean,
): number {
  const all = new Set<string>();
  for (const set of owned) set.forEach((location) => all.add(location));
  let ownedBytes = 0;
  for (const location of all) ownedBytes += tree.entryAt(location, present)?.bytes ?? 0;
  return total - ownedBytes;
}

/** What a test covers, in the log of a run (the figures docs/packages.md gives). */
function logCoverage(part: string, packages: number, tree: HostTree, more = ''): void {
  const { files, hardLinks } = tree.fileCount();
  const megabytes = (tree.contentSize() / 1e6).toFixed(1);
  console.log(
    `real-trees ${part}: ${packages} packages, ${files} files (${hardLinks} hard links), ${megabytes} MB${more}`,
  );
}

// ---------------------------------------------------------------------------------------------
// dpkg

const DPKG = '/var/lib/dpkg';
/** About 48 MB (Installed-Size) and a few thousand paths: a real base system's core, read in a second or two. */
const DPKG_BUDGET = { bytes: 48_000_000, paths: 6000 };
/** Packages whose lists name /bin, /lib... (merged /usr), taken first when installed. */
const DPKG_ANCHORS = ['libc6', 'bash', 'dash', 'coreutils'];

interface DpkgStanza {
  name: string;
  version: string | null;
  text: string;
  list: string;
  listed: string[];
  installedSize: number;
}

const field = (text: string, name: string): string | null =>
  text
    .split('\n')
    .find((line) => line.startsWith(`${name}: `))
    ?.slice(name.length + 2) ?? null;

/** Installed packages of the host's status with a .list (NAME:ARCH.list first, as dpkg names Multi-Arch: same ones). */
function hostDpkg(): DpkgStanza[] {
  const stanzas: DpkgStanza[] = [];
  for (const text of readFileSync(`${DPKG}/status`, 'utf8').split(/\n\n+/)) {
    const name = field(text, 'Package');
    if (name === null || !(field(text, 'Status') ?? '').endsWith(' installed')) continue;
    const arch = field(text, 'Architecture');
    const list = [`${DPKG}/info/${name}:${arch}.list`, `${DPKG}/info/${name}.list`].find((p) => existsSync(p));
    if (list === undefined) continue;
    stanzas.push({
      name,
      version: field(text, 'Version'),
      text: text.trim(),
      list,
      listed: readFileSync(list, 'utf8')
        .split('\n')
        .filter((line) => line !== '' && line !== '/.'),
      installedSize: Number(field(text, 'Installed-Size') ?? 0) * 1024,
    });
  }
  return stanzas;
}

/** The root's symlinks to folders (`bin -> usr/bin` on a merged /usr). */
const rootLinks = (): string[] =>
  sortedEntries('/').filter(
    (name) => lstatOrNull(`/${name}`)?.isSymbolicLink() && lstatOrNull(`/${name}/.`)?.isDirectory(),
  );

/**
 * A deterministic subset under DPKG_BUDGET: the anchors, then every package whose list names a
 * path under a root link, smallest Installed-Size first, while it fits.
 */
function chooseDpkg(stanzas: readonly DpkgStanza[], links: readonly string[]): DpkgStanza[] {
  const throughLink = (s: DpkgStanza): boolean => s.listed.some((p) => links.some((l) => p.startsWith(`/${l}/`)));
  const ordered = [
    ...DPKG_ANCHORS.flatMap((name) => stanzas.filter((s) => s.name === name)),
    ...stanzas
      .filter((s) => !DPKG_ANCHORS.includes(s.name) && throughLink(s))
      .sort((a, b) => a.installedSize - b.installedSize || a.name.localeCompare(b.name)),
  ];
  const chosen: DpkgStanza[] = [];
  let bytes = 0;
  let paths = 0;
  for (const s of ordered) {
    if (bytes + s.installedSize > DPKG_BUDGET.bytes || paths + s.listed.length > DPKG_BUDGET.paths) continue;
    if (!allReadable(s.listed)) continue;
    chosen.push(s);
    bytes += s.installedSize;
    paths += s.listed.length;
  }
  return chosen;
}

const statusOf = (stanzas: readonly DpkgStanza[]): string => `${stanzas.map((s) => s.text).join('\n\n')}\n`;

/** `dir/.wh.name`: the whiteout deleting `path` (an image path). */
const whiteout = (path: string): FileSpec => ({ path: join(dirname(path), `.wh.${basename(path)}`), content: '' });

hostPart(
  'inspect --packages on the host dpkg tree',
  existsSync(`${DPKG}/status`) ? null : 'no /var/lib/dpkg/status: not Debian',
  () => {
    it('measures each package of a real Debian tree, merged /usr included, as lstat on the host does; also after a purge and rm -rf /usr/share/doc/*', async () => {
      const links = rootLinks();
      const chosen = chooseDpkg(hostDpkg(), links);
      const tree = new HostTree();
      for (const link of links) tree.addAt(`/${link}`);
      for (const s of chosen) {
        s.listed.forEach((path) => tree.addReached(path));
        tree.addReached(s.list);
        // Beside each list, dpkg's checksums: a database file layerlens does not read.
        tree.addReached(s.list.replace(/\.list$/, '.md5sums'));
      }
      tree.addText('var/lib/dpkg/status', statusOf(chosen));
      const viaLinks = chosen.filter((s) => s.listed.some((p) => links.some((l) => p.startsWith(`/${l}/`))));
      logCoverage('dpkg', chosen.length, tree, `; ${viaLinks.length} of them list paths under ${links.join(', ')}`);

      // Layer 1, as `apt-get purge` of one package and `rm -rf /usr/share/doc/*` write it: whiteouts
      // of the package's own files (not folders, not paths another package lists, not a name of a
      // file with others) and of its list, each folder under usr/share/doc, and a status without its
      // stanza; and, as a Dockerfile `rm` of one name of a file with two (perl beside perl5.36.0, bunzip2 beside bzip2), the
      // first name of the first such file outside the docs: its bytes stay with the other name.
      const purged = chosen.filter((s) => !DPKG_ANCHORS.includes(s.name)).at(-1);
      if (purged === undefined) throw new Error('no package to purge');
      const others = chosen.filter((s) => s !== purged);
      const listedByOthers = new Set(others.flatMap((s) => s.listed.map((p) => tree.locate(p))));
      const deleted = new Set<string>(
        [purged.list, purged.list.replace(/\.list$/, '.md5sums')].filter((p) => tree.has(p)),
      );
      for (const path of purged.listed) {
        const location = tree.locate(path);
        const stats = location === null ? null : lstatOrNull(location);
        if (location === null || stats === null || stats.isDirectory() || listedByOthers.has(location)) continue;
        if (stats.isFile() && stats.nlink > 1) continue;
        deleted.add(location);
      }
      const docs = sortedEntries('/usr/share/doc')
        .map((name) => `/usr/share/doc/${name}`)
        .filter((path) => tree.has(path));
      const linked = tree.firstOfSeveralNames((location) => !location.startsWith('/usr/share/doc/'));
      if (linked !== null) deleted.add(linked);
      const purgeLayer: FileSpec[] = [
        ...[...deleted].map((location) => whiteout(tree.imagePath(location))),
        ...docs.map((path) => whiteout(tree.imagePath(path))),
        { path: 'var/lib/dpkg/status', content: statusOf(others) },
      ];
      const underDocs = (location: string): boolean => docs.some((d) => location === d || location.startsWith(`${d}/`));
      const present = (location: string): boolean => !deleted.has(location) && !underDocs(location);

      // What makes the second image a check of whiteouts: files of the purged package gone, doc folders gone.
      expect(deleted.size).toBeGreaterThan(2);
      expect(docs.length).toBeGreaterThan(10);
      console.log(
        `real-trees dpkg, second layer: purge of ${purged.name} (${deleted.size} whiteouts), ${docs.length} doc folders, rm of ${linked ?? 'no file with two names'}`,
      );

      const base = { files: tree.files() };
      const [one, two] = await inspect('dpkg', [
        { tags: ['host-dpkg:one-layer'], layers: [base] },
        { tags: ['host-dpkg:purged'], layers: [base, { files: purgeLayer }] },
      ]);

      const truths = (kept: readonly DpkgStanza[], keep?: (location: string) => boolean) =>
        kept.map((s) => ({ stanza: s, ...truthOf(tree, s.listed, keep) }));
      const expected = (measured: ReturnType<typeof truths>): Measured[] =>
        measured
          .map(({ stanza, size, fileCount }) => ({
            name: stanza.name,
            version: stanza.version,
            size,
            fileCount,
            layerIndex: fileCount > 0 ? 0 : null,
          }))
          .sort(byName);

      const truthOne = truths(chosen);
      expect(measuredOf(one, 'dpkg')).toEqual(expected(truthOne));
      expect(one?.unownedSize).toBe(
        unownedTruth(
          tree,
          tree.contentSize(),
          truthOne.map((t) => t.owned),
        ),
      );

      const truthTwo = truths(others, present);
      expect(measuredOf(two, 'dpkg')).toEqual(expected(truthTwo));
      const statusPath = 'var/lib/dpkg/status';
      const finalTwo =
        tree.contentSize((p) => p !== statusPath && present(`/${p}`), present) + Buffer.byteLength(statusOf(others));
      expect(two?.unownedSize).toBe(
        unownedTruth(
          tree,
          finalTwo,
          truthTwo.map((t) => t.owned),
          present,
        ),
      );

      // The parts that make this a check of the merged /usr, as this host has them.
      if (links.includes('bin')) {
        expect(viaLinks.length).toBeGreaterThan(20);
        expect(chosen.map((s) => s.name)).toEqual(expect.arrayContaining(DPKG_ANCHORS));
      }
      expect(one?.packageProblems).toEqual([]);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// pip

const PIP_BUDGET = { bytes: 8_000_000, paths: 2000 };

/** Site-packages folders to look in; the one with the most RECORDs is taken. */
function sitePackagesCandidates(): string[] {
  const pyenv = process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv');
  const found: string[] = [];
  for (const version of sortedEntries(join(pyenv, 'versions'))) {
    const lib = join(pyenv, 'versions', version, 'lib');
    for (const python of sortedEntries(lib))
      if (python.startsWith('python')) found.push(join(lib, python, 'site-packages'));
  }
  found.push('/usr/lib/python3/dist-packages');
  for (const python of sortedEntries('/usr/local/lib')) {
    if (python.startsWith('python'))
      found.push(`/usr/local/lib/${python}/dist-packages`, `/usr/local/lib/${python}/site-packages`);
  }
  return found;
}

const recordsIn = (site: string): string[] =>
  sortedEntries(site)
    .filter((name) => name.endsWith('.dist-info') && existsSync(join(site, name, 'RECORD')))
    .map((name) => join(site, name));

function hostSitePackages(): { site: string; distInfos: string[] } | null {
  let best: { site: string; distInfos: string[] } | null = null;
  for (const site of sitePackagesCandidates()) {
    const distInfos = recordsIn(site);
    if (distInfos.length > (best?.distInfos.length ?? 0)) best = { site, distInfos };
  }
  return best;
}

/** A RECORD line's first field (Python's csv: a quoted field doubles its quotes). */
function recordPath(line: string): string {
  if (!line.startsWith('"')) return line.slice(0, line.indexOf(',') === -1 ? undefined : line.indexOf(','));
  const match = /^"((?:[^"]|"")*)"/.exec(line);
  return (match?.[1] ?? '').replace(/""/g, '"');
}

interface DistInfo {
  folder: string;
  /** Host paths the RECORD names. */
  listed: string[];
  declaredBytes: number;
}

function readDistInfo(site: string, folder: string): DistInfo {
  const lines = readFileSync(join(folder, 'RECORD'), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  return {
    folder,
    listed: lines.map((line) => resolve(site, recordPath(line))),
    declaredBytes: lines.reduce((sum, line) => sum + (Number(line.slice(line.lastIndexOf(',') + 1)) || 0), 0),
  };
}

const sitePackages = hostSitePackages();

/** The version a dist-info's METADATA gives. */
const metadataVersion = (distInfo: string): string | null =>
  /^Version: (.*)$/m.exec(readFileSync(join(distInfo, 'METADATA'), 'utf8'))?.[1]?.trim() ?? null;

/** The version a dist-info's folder name gives (`name-1.0.dist-info`). */
const folderVersion = (distInfo: string): string => {
  const folder = basename(distInfo, '.dist-info');
  return folder.slice(folder.indexOf('-') + 1);
};

hostPart(
  'inspect --packages on a host site-packages',
  sitePackages === null ? 'none with a *.dist-info/RECORD found' : null,
  () => {
    it('measures each pip package of a real site-packages, bin/ scripts included, as lstat on the host does', async ({
      skip,
    }) => {
      if (sitePackages === null) return;
      const { site, distInfos } = sitePackages;
      const chosen: DistInfo[] = [];
      let bytes = 0;
      let paths = 0;
      for (const folder of distInfos) {
        const info = readDistInfo(site, folder);
        if (bytes + info.declaredBytes > PIP_BUDGET.bytes || paths + info.listed.length > PIP_BUDGET.paths) continue;
        // layerlens takes the version from the folder's name (docs/packages.md); a wheel that spells it
        // otherwise in METADATA (`1.0rc1` against `1.0-rc1`) is a rule question, not this test's.
        if (folderVersion(info.folder) !== metadataVersion(info.folder) || !allReadable(info.listed)) continue;
        chosen.push(info);
        bytes += info.declaredBytes;
        paths += info.listed.length;
      }
      // Not a vacuous pass: a site-packages whose every dist-info this user cannot read is skipped.
      if (chosen.length === 0) skip(`no dist-info of ${site} readable with one version`);
      const tree = new HostTree();
      for (const info of chosen) info.listed.forEach((path) => tree.addReached(path));
      const outside = chosen.flatMap((info) => info.listed).filter((path) => !path.startsWith(`${site}/`)).length;
      logCoverage('pip', chosen.length, tree, `; ${outside} RECORD paths outside ${site} (../../../bin)`);
      const [image] = await inspect('pip', [{ tags: ['host-pip:1'], layers: [{ files: tree.files() }] }]);

      const truth = chosen.map((info) => {
        // The name from the folder (`typing_extensions-4.9.0.dist-info`), the version from METADATA.
        const folder = basename(info.folder, '.dist-info');
        return {
          name: folder.slice(0, folder.indexOf('-')),
          version: metadataVersion(info.folder),
          ...truthOf(tree, info.listed),
        };
      });
      expectOneLayerImage(image, 'pip', tree, truth);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// npm

const NPM_BUDGET = { bytes: 16_000_000, paths: 3000 };
const projectModules = join(import.meta.dirname, '..', '..', 'node_modules');

interface NpmFolder {
  /** The package folder (host path). */
  folder: string;
  paths: string[];
}

/**
 * The packages below `tops` (`name` or `@scope/name` in the node_modules folder `modules`) and
 * what each owns: a folder directly in a node_modules folder (or in an @scope there) holding a
 * package.json owns every path below it except those in a node_modules folder inside it, whose
 * packages own their own. Other paths belong to none (`unowned`).
 */
function npmPackagesUnder(modules: string, tops: readonly string[]): { packages: NpmFolder[]; unowned: string[] } {
  type Role = 'modules' | 'scope' | 'entry' | 'plain';
  const packages: NpmFolder[] = [];
  const unowned: string[] = [];
  const pending: { path: string; owner: NpmFolder | null; role: Role }[] = tops.map((top) => ({
    path: join(modules, top),
    owner: null,
    role: 'entry',
  }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { path, role } = next;
    let owner = next.owner;
    const stats = lstatOrNull(path);
    if (stats === null) continue;
    if (stats.isDirectory() && role === 'entry' && lstatOrNull(join(path, 'package.json'))?.isFile()) {
      owner = { folder: path, paths: [] };
      packages.push(owner);
    }
    (owner?.paths ?? unowned).push(path);
    if (!stats.isDirectory()) continue;
    for (const child of sortedEntries(path)) {
      const childRole: Role =
        role === 'modules' || role === 'scope'
          ? role === 'modules' && child.startsWith('@')
            ? 'scope'
            : 'entry'
          : child === 'node_modules'
            ? 'modules'
            : 'plain';
      pending.push({ path: join(path, child), owner: childRole === 'plain' ? owner : null, role: childRole });
    }
  }
  return { packages, unowned };
}

hostPart(
  'inspect --packages on this project node_modules',
  existsSync(projectModules) ? null : 'no node_modules: run npm ci',
  () => {
    it('measures each npm package of a real node_modules, nested and scoped ones included, as lstat on the host does', async () => {
      const modules = realpathSync(projectModules);
      const tops = sortedEntries(modules).flatMap((name) =>
        name.startsWith('.')
          ? []
          : name.startsWith('@')
            ? sortedEntries(join(modules, name)).map((n) => `${name}/${n}`)
            : [name],
      );
      // Whole top-level packages (with what they nest) by name while they fit.
      const chosen: string[] = [];
      let bytes = 0;
      let paths = 0;
      for (const top of tops) {
        const { packages, unowned } = npmPackagesUnder(modules, [top]);
        const all = [...packages.flatMap((p) => p.paths), ...unowned];
        const size = all.reduce((sum, path) => sum + (lstatOrNull(path)?.size ?? 0), 0);
        if (bytes + size > NPM_BUDGET.bytes || paths + all.length > NPM_BUDGET.paths) continue;
        chosen.push(top);
        bytes += size;
        paths += all.length;
      }
      const { packages, unowned } = npmPackagesUnder(modules, chosen);
      const tree = new HostTree((path) => `app/node_modules${path.slice(modules.length)}`);
      for (const path of [...packages.flatMap((p) => p.paths), ...unowned]) tree.addAt(path);
      // npm's own files beside the packages: the .bin links to the packages taken, and the lock.
      const bin = join(modules, '.bin');
      for (const name of sortedEntries(bin)) {
        const target = resolve(bin, readlinkSync(join(bin, name)));
        if (chosen.some((top) => target.startsWith(join(modules, top, '/')))) tree.addAt(join(bin, name));
      }
      tree.addAt(join(modules, '.package-lock.json'));
      const scoped = packages.filter((p) => basename(dirname(p.folder)).startsWith('@')).length;
      const nested = packages.filter((p) => p.folder.slice(modules.length).includes('/node_modules/')).length;
      logCoverage('npm', packages.length, tree, `; ${scoped} scoped, ${nested} nested`);
      expect(scoped).toBeGreaterThan(0);
      expect(nested).toBeGreaterThan(0);

      const [image] = await inspect('npm', [{ tags: ['host-npm:1'], layers: [{ files: tree.files() }] }]);
      const truth = packages.map((p) => {
        const manifest = JSON.parse(readFileSync(join(p.folder, 'package.json'), 'utf8')) as Record<string, unknown>;
        return {
          name: typeof manifest['name'] === 'string' ? manifest['name'] : basename(p.folder),
          version: typeof manifest['version'] === 'string' ? manifest['version'] : null,
          ...truthOf(tree, p.paths),
        };
      });
      expectOneLayerImage(image, 'npm', tree, truth);
    });
  },
);
