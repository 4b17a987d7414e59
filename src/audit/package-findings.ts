import { terminalText } from '../report/display-text.js';
import { formatSize } from '../report/format.js';
import type { Overlay, TreeEntry } from '../layer/overlay.js';
import type { ImageReport } from '../model/image.js';
import { layerLabels } from '../model/history-step.js';
import { devOnlyPackages, readAppManifests, readInstalledNpm } from '../packages/npm.js';
import type { AttributedPackage } from '../packages/packages-of-image.js';
import { childPath, parentPath } from '../archive/entry-path.js';
import { MODULES_FOLDER } from '../packages/metadata-paths.js';
import type { MetadataTexts } from '../packages/metadata-texts.js';
import type { Ecosystem, PackageRecord } from '../packages/types.js';
import { FindingCode, type Finding } from './findings.js';
import { compileGlob, matchesAny, matchesGlob, NO_GLOBS, type GlobSet } from './glob.js';

/** Compilers, build systems, headers and -dev packages: what a multi-stage build leaves behind. */
const SYSTEM_BUILD_TOOLS: readonly string[] = [
  'gcc',
  'gcc-*',
  'g++',
  'g++-*',
  'cpp',
  'cpp-*',
  'clang',
  'clang-*',
  'make',
  'cmake',
  'build-essential',
  'build-base',
  'binutils',
  'binutils-*',
  'autoconf',
  'automake',
  'libtool',
  'pkg-config',
  'pkgconf',
  'linux-libc-dev',
  '*-dev',
  'golang-go',
  'rustc',
  'cargo',
];

/**
 * Runtime packages the globs above would take for build tools: Debian's and Ubuntu's
 * `gcc-N-base` hold no compiler (copyright and changelog only), and libgcc-s1 and libstdc++6
 * depend on them, so every Debian 12 image has gcc-12-base.
 */
const NOT_SYSTEM_BUILD_TOOLS: readonly string[] = ['gcc-*-base'];

/**
 * npm and pip packages that only build, type-check, lint or test: never what a program imports at
 * run time. Kept short on purpose: bundlers and runners some servers do use (esbuild, tsx,
 * ts-node, vite) are left out, and so are pip, setuptools and wheel, in nearly every Python image.
 */
const LANGUAGE_BUILD_TOOLS: { readonly [E in Ecosystem]?: readonly string[] } = {
  npm: [
    'typescript',
    '@types/*',
    '@babel/core',
    '@babel/cli',
    'webpack',
    'webpack-cli',
    'rollup',
    '@swc/core',
    'node-gyp',
    'eslint',
    'prettier',
    'jest',
    'vitest',
    'mocha',
  ],
  pip: ['cython', 'pytest', 'mypy', 'black', 'flake8', 'pylint', 'maturin', 'tox', 'pre-commit'],
};

const SYSTEM_BUILD_TOOL_GLOBS = SYSTEM_BUILD_TOOLS.map((g) => compileGlob(g, 'tag'));
const NOT_SYSTEM_BUILD_TOOL_GLOBS = NOT_SYSTEM_BUILD_TOOLS.map((g) => compileGlob(g, 'tag'));
const LANGUAGE_BUILD_TOOL_GLOBS = new Map(
  Object.entries(LANGUAGE_BUILD_TOOLS).map(([ecosystem, globs]) => [
    ecosystem,
    globs.map((g) => compileGlob(g, 'tag')),
  ]),
);

/** Whether a package is a build tool (see the lists above); pip names compared as PEP 503 normalizes them. */
function isBuildTool(p: PackageRecord): boolean {
  if (p.ecosystem === 'dpkg' || p.ecosystem === 'apk')
    return (
      SYSTEM_BUILD_TOOL_GLOBS.some((g) => matchesGlob(g, p.name)) &&
      !NOT_SYSTEM_BUILD_TOOL_GLOBS.some((g) => matchesGlob(g, p.name))
    );
  const name = p.ecosystem === 'pip' ? normalizePipName(p.name) : p.name;
  return (LANGUAGE_BUILD_TOOL_GLOBS.get(p.ecosystem) ?? []).some((g) => matchesGlob(g, name));
}

/** `Cython`, `cython_` and `Cy.thon` as pip sees them: lower case, each run of `-`, `_`, `.` one `-`. */
function normalizePipName(name: string): string {
  let out = '';
  let separator = false;
  for (const char of name.toLowerCase()) {
    if (char === '-' || char === '_' || char === '.') {
      separator = true;
      continue;
    }
    if (separator && out !== '') out += '-';
    separator = false;
    out += char;
  }
  return out;
}

/** Documentation, man and info pages, and translations: runtime images rarely read them. */
const DOC_FOLDERS = [
  'usr/share/doc/',
  'usr/share/man/',
  'usr/share/info/',
  'usr/local/share/doc/',
  'usr/local/share/man/',
];
const LOCALE_FOLDER = 'usr/share/locale/';
/** Translations kept: English and the C locale are what an image without LANG uses. */
const LOCALES_IN_USE: ReadonlySet<string> = new Set(['en', 'en_US', 'en_GB', 'C', 'C.UTF-8', 'C.utf8']);

/**
 * The translation folders an image uses: English and C, and those of the locales its Env selects,
 * each also without its modifier, codeset and territory, as gettext looks them up
 * (`de_DE.UTF-8@euro`: that, `de_DE.UTF-8`, `de_DE`, `de`).
 */
export function localesInUse(image: ImageReport): ReadonlySet<string> {
  if (!image.locales || image.locales.length === 0) return LOCALES_IN_USE;
  const kept = new Set(LOCALES_IN_USE);
  for (const locale of image.locales) {
    kept.add(locale);
    const bare = cutAt(locale, '@');
    kept.add(bare);
    const noCodeset = cutAt(bare, '.');
    kept.add(noCodeset);
    kept.add(cutAt(noCodeset, '_'));
  }
  return kept;
}

const cutAt = (text: string, mark: string): string => {
  const at = text.indexOf(mark);
  return at === -1 ? text : text.slice(0, at);
};
/** Below this a layer's documentation is not worth a finding. */
const DOCS_MIN = 1024 * 1024;
const NAMES_SHOWN = 8;

/** The packages only an app's devDependencies bring in, as a finding tells them. */
interface DevSummary {
  readonly dev: readonly PackageRecord[];
  readonly bytes: number;
  readonly layer: number | null;
  readonly paths: readonly string[];
}

export interface PackageFacts {
  readonly packages: readonly PackageRecord[];
  /** Each package's database file, and the final database texts; null for a saved report. */
  readonly attributed: readonly AttributedPackage[] | null;
  readonly texts: MetadataTexts | null;
}

/**
 * Findings about what the packages of an image are: build tools in a final image, npm
 * devDependencies installed, and documentation, man pages and translations shipped. Pure.
 */
export function findPackageIssues(
  image: ImageReport,
  overlay: Overlay | null,
  facts: PackageFacts | null,
  ignore: GlobSet = NO_GLOBS,
  paths: Iterable<[string, TreeEntry]> | null = overlay?.tree ?? null,
): Finding[] {
  const findings: Finding[] = [];
  const step = (index: number | null): string | null =>
    index === null ? null : (image.layers[index]?.createdBy ?? null);
  const label = layerLabels(image.layers);
  const where = (index: number | null): string => (index === null ? 'the image' : label(index));

  if (facts) {
    // devDependencies first: a build tool that is one is told there, with its own remedy.
    const devRecords = new Set<PackageRecord>();
    if (facts.attributed && facts.texts) {
      const installed = readInstalledNpm(facts.texts);
      const attributed = facts.attributed;
      // The attributed npm packages by folder, once: each app filtered all of them (A x P).
      const byFolder = new Map<string, number[]>();
      attributed.forEach(({ record, source }, at) => {
        if (record.ecosystem !== 'npm') return;
        const folder = parentPath(source);
        const ats = byFolder.get(folder);
        if (ats === undefined) byFolder.set(folder, [at]);
        else ats.push(at);
      });
      // Apps that name the same packages get the same set: its packages are summed once.
      const summaries = new Map<ReadonlySet<string>, DevSummary | null>();
      for (const app of readAppManifests(facts.texts)) {
        const devOnly = devOnlyPackages(app, installed);
        let summary = summaries.get(devOnly);
        if (summary === undefined) {
          const ats: number[] = [];
          for (const folder of devOnly) for (const at of byFolder.get(folder) ?? []) ats.push(at);
          ats.sort((a, b) => a - b);
          const found = ats.map((at) => attributed[at] as AttributedPackage);
          const dev = found.map((a) => a.record);
          for (const record of dev) devRecords.add(record);
          summary =
            found.length === 0
              ? null
              : {
                  dev,
                  bytes: dev.reduce((sum, p) => sum + p.size, 0),
                  layer: latestLayer(dev),
                  paths: found.slice(0, NAMES_SHOWN).map((a) => parentPath(a.source)),
                };
          summaries.set(devOnly, summary);
        }
        if (summary === null) continue;
        const { dev, layer } = summary;
        const dir = parentPath(app.path);
        const modules = childPath(dir, MODULES_FOLDER);
        findings.push({
          code: FindingCode.devDependencies,
          severity: 'warning',
          message: `${terminalText(app.path)} lists ${dev.length === 1 ? '1 package' : `${dev.length} packages`} only under devDependencies (or only those need ${dev.length === 1 ? 'it' : 'them'}), yet ${terminalText(modules)} has ${dev.length === 1 ? 'it' : 'them'}, from ${where(layer)}: ${nameList(dev)} (npm ci --omit=dev, or npm prune --omit=dev in the build stage)`,
          bytes: summary.bytes,
          layerIndex: layer,
          paths: summary.paths,
          createdBy: step(layer),
        });
      }
    }
    const tools = facts.packages.filter((p) => isBuildTool(p) && !devRecords.has(p));
    if (tools.length > 0) {
      const layer = latestLayer(tools);
      findings.push({
        code: FindingCode.buildToolsInImage,
        severity: 'warning',
        message: `${tools.length} build ${tools.length === 1 ? 'tool or -dev package ships' : 'tools and -dev packages ship'} in the final image, the latest from ${where(layer)}: ${nameList(tools)} (build in a separate stage and copy only its output)`,
        bytes: tools.reduce((sum, p) => sum + p.size, 0),
        layerIndex: layer,
        paths: [],
        createdBy: step(layer),
      });
    }
  }

  if (paths) {
    const byLayer = new Map<number, { bytes: number; folders: Set<string> }>();
    const locales = localesInUse(image);
    for (const [path, entry] of paths) {
      const folder = docFolderOf(path, locales);
      if (folder === null || matchesAny(path, ignore)) continue;
      const { size } = entry;
      if (size === 0) continue;
      const group = byLayer.get(entry.layerIndex) ?? { bytes: 0, folders: new Set<string>() };
      group.bytes += size;
      group.folders.add(folder);
      byLayer.set(entry.layerIndex, group);
    }
    for (const [layer, group] of byLayer) {
      if (group.bytes < DOCS_MIN) continue;
      findings.push({
        code: FindingCode.docsAndManPages,
        severity: 'info',
        message: `${where(layer)} ships ${formatSize(group.bytes)} of documentation, man pages and translations (${[...group.folders].sort().join(', ')}; copyright files not counted): delete them in the step that installs them, or keep dpkg from unpacking them (path-exclude in /etc/dpkg/dpkg.cfg.d)`,
        bytes: group.bytes,
        layerIndex: layer,
        paths: [...group.folders].sort(),
        createdBy: step(layer),
      });
    }
  }
  return findings;
}

/**
 * Whether findPackageIssues may look at this path of a tree (documentation or translations, in
 * any locale): the paths it is given are the tree's, in its order, that this tells or more.
 */
export function mayFindPackageIssue(path: string): boolean {
  return docFolderOf(path, ALL_LOCALES) !== null;
}

/** No locale is in use: every translation folder is one docFolderOf tells. */
const ALL_LOCALES: ReadonlySet<string> = new Set();

/** The doc folder a path is under (`usr/share/man/`, `usr/share/locale/`), or null; `locales` are kept. */
export function docFolderOf(path: string, locales: ReadonlySet<string> = LOCALES_IN_USE): string | null {
  if (path.endsWith('/copyright')) return null;
  for (const folder of DOC_FOLDERS) if (path.startsWith(folder)) return folder;
  if (!path.startsWith(LOCALE_FOLDER)) return null;
  const end = path.indexOf('/', LOCALE_FOLDER.length);
  if (end === -1) return null; // locale.alias and friends at the top
  const locale = path.slice(LOCALE_FOLDER.length, end);
  return locales.has(locale) ? null : LOCALE_FOLDER;
}

function latestLayer(packages: readonly PackageRecord[]): number | null {
  let latest: number | null = null;
  for (const p of packages)
    if (p.layerIndex !== null && (latest === null || p.layerIndex > latest)) latest = p.layerIndex;
  return latest;
}

function nameList(packages: readonly PackageRecord[]): string {
  const shown = packages
    .slice(0, NAMES_SHOWN)
    .map((p) => `${terminalText(p.name)} (${formatSize(p.size)})`)
    .join(', ');
  return packages.length > NAMES_SHOWN ? `${shown} and ${packages.length - NAMES_SHOWN} more` : shown;
}
