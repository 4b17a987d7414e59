import { terminalText } from '../report/display-text.js';
import { isObject, MAX_JSON_DEPTH, parseUntrustedJson } from '../model/json.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { lastModulesFolderAt, MODULES_FOLDER, npmPackageRootOf } from './metadata-paths.js';
import type { MetadataTexts } from './metadata-texts.js';
import { parentPath } from './image-path.js';
import { column } from '../model/column.js';
import type { PackageClaim } from './types.js';

/**
 * npm: every `node_modules/NAME` and `node_modules/@SCOPE/NAME` folder with a package.json is a
 * package owning every path below it except its own nested `node_modules` (packages of their own).
 * `paths` has the final tree's paths as keys, visited once.
 */
export function readNpm(
  texts: MetadataTexts,
  paths: ReadonlyMap<string, unknown>,
  problems: Problem[],
): PackageClaim[] {
  // Two functions for two loops: as one, the JIT compiled the first on the stack and bailed out
  // where the second began (issue 9).
  const roots = packageFolders(texts, problems);
  if (roots.size === 0) return [];
  ownPaths(roots, paths);
  return [...roots.values()].map(({ name, version, source, paths: owned }) => ({
    ecosystem: 'npm',
    name,
    version,
    paths: owned,
    source,
  }));
}

interface NpmFolder {
  readonly name: string;
  readonly version: string | null;
  readonly source: string;
  readonly paths: string[];
}

/** Every package folder with a package.json that parses, by folder. */
function packageFolders(texts: MetadataTexts, problems: Problem[]): Map<string, NpmFolder> {
  const roots = new Map<string, NpmFolder>();
  // forEach: no [path, text] pair per database while this code is still cold (issue 9).
  texts.ofKind('npm-package').forEach((text, path) => {
    const manifest = parseManifest(path, text, problems);
    if (manifest === null) return;
    const root = parentPath(path);
    const name = typeof manifest['name'] === 'string' && manifest['name'] !== '' ? manifest['name'] : folderName(root);
    const version = typeof manifest['version'] === 'string' ? manifest['version'] : null;
    // Columns that take strings from the start: a `[]` turning into one made the optimized loop
    // below bail out (issue 9).
    roots.set(root, { name, version, source: path, paths: column() });
  });
  return roots;
}

/**
 * Adds each path to the package folder it belongs to. A package's files come one after another:
 * while a path is under the last package folder found, and no nested node_modules starts below
 * it, it is that package's, without the new string and lookup npmPackageRootOf would cost per
 * file (issue 9).
 */
function ownPaths(roots: ReadonlyMap<string, NpmFolder>, paths: ReadonlyMap<string, unknown>): void {
  let lastRoot: string | null = null;
  let lastOwned: string[] | null = null;
  // forEach, not for-of over keys(): the callback is all the JIT compiles, not the Map's
  // iterator inlined around it (22 ms of TurboFan per --packages run, issue 9).
  paths.forEach((_, path) => {
    if (lastRoot !== null && isDirectlyUnder(path, lastRoot)) {
      lastOwned?.push(path);
      return;
    }
    const root = npmPackageRootOf(path);
    if (root === null) return;
    lastRoot = root;
    lastOwned = roots.get(root)?.paths ?? null;
    lastOwned?.push(path);
  });
}

/** Whether npmPackageRootOf(path) is `root`, told without a new string (see readNpm). */
function isDirectlyUnder(path: string, root: string): boolean {
  // No `node_modules/` may end past the root either: a package named node_modules has one that
  // starts inside the root.
  // The length first: charCodeAt past the end made the optimized code bail out (issue 9).
  return (
    path.length > root.length &&
    path.charCodeAt(root.length) === 0x2f &&
    path.startsWith(root) &&
    path.indexOf(MODULES_FOLDER, Math.max(0, root.length - MODULES_FOLDER.length + 1)) === -1
  );
}

/** An app's own package.json: what it needs at run time and what only to build and test. */
export interface AppManifest {
  readonly path: string;
  /** dependencies, optionalDependencies and peerDependencies. */
  readonly dependencies: ReadonlySet<string>;
  readonly devDependencies: ReadonlySet<string>;
}

/** The fields whose packages a program needs at run time. */
const RUNTIME_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'];

/** The app's own package.json files (outside node_modules, near the root). */
export function readAppManifests(texts: MetadataTexts): AppManifest[] {
  const apps: AppManifest[] = [];
  for (const [path, text] of texts.ofKind('npm-app')) {
    const manifest = parseManifest(path, text, []);
    if (manifest === null) continue;
    apps.push({
      path,
      dependencies: namesIn(manifest, RUNTIME_FIELDS),
      devDependencies: namesIn(manifest, ['devDependencies']),
    });
  }
  return apps;
}

/** Packages folders nest at most this deep when a name is resolved (real trees: under 10). */
const MAX_NESTING = 64;

/** A folder whose node_modules names are looked in, and the one looked in next. */
interface Scope {
  readonly folder: string;
  /** The packages installed in its node_modules, by the name they are installed under. */
  readonly names: ReadonlyMap<string, string> | undefined;
  /** Where to look next, found on first use: null above the top. */
  up?: Scope | null;
}

/** What the packages named from one folder reach through their dependencies. */
interface Reach {
  readonly reached: ReadonlySet<string>;
  /** False when a package reached has a package.json that does not parse. */
  readonly complete: boolean;
}

/**
 * Installed npm package folders and their run-time dependencies (null: the package.json does not
 * parse), read once for all the apps of an image. Names resolve through a lookup per folder (a
 * `<folder>/node_modules/<name>` string per dependency cost a 16 kB string per name under a long
 * folder), and what a set of packages reaches is walked once for all the apps that name them
 * (every app walked the whole graph, twice).
 */
export class InstalledNpm {
  /** Each installed folder by the folder whose node_modules holds it, then by its name there. */
  private readonly byOwner = new Map<string, Map<string, string>>();
  private readonly ids = new Map<string, number>();
  private readonly scopes = new Map<string, Scope>();
  private readonly reaches = new Map<string, Reach>();
  private readonly devOnly = new Map<string, ReadonlySet<string>>();

  constructor(readonly dependencies: ReadonlyMap<string, ReadonlySet<string> | null>) {
    for (const folder of dependencies.keys()) {
      this.ids.set(folder, this.ids.size);
      const at = lastModulesFolderAt(folder);
      if (at === -1) continue;
      const owner = at === 0 ? '' : folder.slice(0, at - 1);
      if (at > 0 && owner === '') continue; // `/node_modules/x`: no `<owner>/node_modules/<name>`
      const names = this.byOwner.get(owner) ?? new Map<string, string>();
      names.set(folder.slice(at + MODULES_FOLDER.length), folder);
      this.byOwner.set(owner, names);
    }
  }

  /**
   * The installed folder `name` resolves to from `from`, as Node resolves it: `from`'s own
   * node_modules, then each one above, MAX_NESTING of them at most. A name with a `node_modules`
   * folder in it is no npm name (npm allows one slash, after a scope): it resolves to nothing.
   */
  resolve(from: string, name: string): string | null {
    if (lastModulesFolderAt(name) !== -1) return null;
    let scope: Scope | null = this.scopeOf(from);
    for (let depth = 0; scope !== null && depth < MAX_NESTING; depth++) {
      const found = scope.names?.get(name);
      if (found !== undefined) return found;
      if (scope.up === undefined) {
        const owner: string | null = scope.folder === '' ? null : ownerOf(scope.folder);
        scope.up = owner === null ? null : this.scopeOf(owner);
      }
      scope = scope.up;
    }
    return null;
  }

  /** The packages `names` resolve to from `from`, as a key of their ids (sorted), and the folders. */
  resolveAll(from: string, names: ReadonlySet<string>): { key: string; folders: string[] } {
    const folders: string[] = [];
    const ids: number[] = [];
    for (const name of names) {
      const found = this.resolve(from, name);
      if (found === null) continue;
      folders.push(found);
      ids.push(this.ids.get(found) ?? -1);
    }
    return { key: [...new Set(ids)].sort((a, b) => a - b).join(','), folders };
  }

  /** What `start` (keyed by `key`, see resolveAll) reaches, walked once per key with an explicit queue. */
  reach(key: string, start: readonly string[]): Reach {
    const known = this.reaches.get(key);
    if (known !== undefined) return known;
    const reached = new Set<string>();
    let complete = true;
    const queue: string[] = [];
    for (const found of start) {
      if (!reached.has(found)) {
        reached.add(found);
        queue.push(found);
      }
    }
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      const dependencies = this.dependencies.get(next);
      if (dependencies === null || dependencies === undefined) {
        complete = false;
        continue;
      }
      for (const name of dependencies) {
        const found = this.resolve(next, name);
        if (found !== null && !reached.has(found)) {
          reached.add(found);
          queue.push(found);
        }
      }
    }
    const reach = { reached, complete };
    this.reaches.set(key, reach);
    return reach;
  }

  /** The folders `dev` reaches and `production` does not, once per pair of keys. */
  difference(production: string, dev: string, reachDev: () => Reach): ReadonlySet<string> {
    const key = `${production}|${dev}`;
    const known = this.devOnly.get(key);
    if (known !== undefined) return known;
    const kept = this.reaches.get(production)?.reached ?? new Set<string>();
    const only = new Set<string>();
    for (const folder of reachDev().reached) if (!kept.has(folder)) only.add(folder);
    this.devOnly.set(key, only);
    return only;
  }

  private scopeOf(folder: string): Scope {
    let scope = this.scopes.get(folder);
    if (scope === undefined) {
      scope = { folder, names: this.byOwner.get(folder) };
      this.scopes.set(folder, scope);
    }
    return scope;
  }
}

/** Every installed npm package of the texts, read once for all the apps of an image. */
export function readInstalledNpm(texts: MetadataTexts): InstalledNpm {
  const installed = new Map<string, ReadonlySet<string> | null>();
  for (const [path, text] of texts.ofKind('npm-package')) {
    const manifest = parseManifest(path, text, []);
    installed.set(parentPath(path), manifest === null ? null : namesIn(manifest, RUNTIME_FIELDS));
  }
  return new InstalledNpm(installed);
}

/**
 * The installed npm packages only the app's devDependencies bring in: the package folders (below
 * the app's folder) that its devDependencies reach through dependencies, and its dependencies do
 * not. Names resolve as Node resolves them (InstalledNpm.resolve). A package whose package.json
 * does not parse might need anything: then only direct devDependencies are reported, as before.
 * Apps that name the same packages share one walk and one answer (do not change it).
 */
export function devOnlyPackages(app: AppManifest, installed: InstalledNpm): ReadonlySet<string> {
  const dir = parentPath(app.path);
  const production = installed.resolveAll(dir, app.dependencies);
  if (!installed.reach(production.key, production.folders).complete) {
    const direct = new Set<string>();
    for (const name of app.devDependencies) {
      const found = installed.resolve(dir, name);
      if (found !== null && !app.dependencies.has(name)) direct.add(found);
    }
    return direct;
  }
  const dev = installed.resolveAll(dir, app.devDependencies);
  return installed.difference(production.key, dev.key, () => installed.reach(dev.key, dev.folders));
}

/** The folder whose node_modules holds `folder` (`a/node_modules/@s/b` -> `a`), or null at the top. */
function ownerOf(folder: string): string | null {
  const at = lastModulesFolderAt(folder);
  if (at === -1) return parentPath(folder);
  return at === 0 ? '' : folder.slice(0, at - 1);
}

function namesIn(manifest: Record<string, unknown>, fields: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const field of fields) {
    const value = manifest[field];
    if (isObject(value)) for (const name of Object.keys(value)) names.add(name);
  }
  return names;
}

function parseManifest(path: string, text: string, problems: Problem[]): Record<string, unknown> | null {
  const parsed = parseUntrustedJson(text);
  if (!parsed.ok && parsed.why === 'too-deep') {
    problems.push(
      problem(
        ProblemCode.packageDatabase,
        'warning',
        `${terminalText(path)} nests deeper than ${MAX_JSON_DEPTH} levels (hostile?); it is not read, and the files of its package count as unowned`,
        path,
      ),
    );
    return null;
  }
  const value = parsed.ok ? parsed.value : undefined;
  if (isObject(value)) return value;
  problems.push(
    problem(
      ProblemCode.packageDatabase,
      'warning',
      `${terminalText(path)} is not a JSON object (corrupt or truncated?); the files of its package count as unowned`,
      path,
    ),
  );
  return null;
}

function folderName(root: string): string {
  const parts = root.split('/');
  const last = parts[parts.length - 1] ?? root;
  const scope = parts[parts.length - 2];
  return scope?.startsWith('@') === true ? `${scope}/${last}` : last;
}
