import { escapeControl } from '../archive/entry-path.js';
import { isObject } from '../model/json.js';
import { problem, ProblemCode, type Problem } from '../model/problem.js';
import { metadataKindOf, npmPackageRootOf } from './metadata-paths.js';
import { parentPath } from './image-path.js';
import type { MetadataTexts, PackageClaim } from './types.js';

/**
 * npm: every `node_modules/NAME` and `node_modules/@SCOPE/NAME` folder with a package.json is a
 * package owning every path below it except its own nested `node_modules` (packages of their own).
 * `paths` are the final tree's paths, visited once.
 */
export function readNpm(texts: MetadataTexts, paths: Iterable<string>, problems: Problem[]): PackageClaim[] {
  const roots = new Map<string, { name: string; version: string | null; source: string; paths: string[] }>();
  for (const [path, text] of texts) {
    if (metadataKindOf(path) !== 'npm-package') continue;
    const manifest = parseManifest(path, text, problems);
    if (manifest === null) continue;
    const root = parentPath(path);
    const name = typeof manifest['name'] === 'string' && manifest['name'] !== '' ? manifest['name'] : folderName(root);
    const version = typeof manifest['version'] === 'string' ? manifest['version'] : null;
    roots.set(root, { name, version, source: path, paths: [] });
  }
  if (roots.size === 0) return [];
  for (const path of paths) {
    const root = npmPackageRootOf(path);
    if (root !== null) roots.get(root)?.paths.push(path);
  }
  return [...roots.values()].map(({ name, version, source, paths: owned }) => ({
    ecosystem: 'npm',
    name,
    version,
    paths: owned,
    source,
  }));
}

/** The app's own package.json files (outside node_modules, near the root): their devDependencies. */
export function readAppManifests(
  texts: MetadataTexts,
): { path: string; dependencies: Set<string>; devDependencies: Set<string> }[] {
  const apps: { path: string; dependencies: Set<string>; devDependencies: Set<string> }[] = [];
  for (const [path, text] of texts) {
    if (metadataKindOf(path) !== 'npm-app') continue;
    const manifest = parseManifest(path, text, []);
    if (manifest === null) continue;
    const keys = (field: string): Set<string> => {
      const value = manifest[field];
      return new Set(isObject(value) ? Object.keys(value) : []);
    };
    apps.push({ path, dependencies: keys('dependencies'), devDependencies: keys('devDependencies') });
  }
  return apps;
}

function parseManifest(path: string, text: string, problems: Problem[]): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (isObject(value)) return value;
  problems.push(
    problem(
      ProblemCode.packageDatabase,
      'warning',
      `${escapeControl(path)} is not a JSON object (corrupt or truncated?); the files of its package count as unowned`,
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
