/**
 * Real-format package databases for fixtures: the FORMATS of dpkg status stanzas and `.list`
 * files, apk's `installed` (P:/V:/F:/R: lines), npm package.json and pip RECORD csv lines,
 * written from a small spec. No machine's files are copied.
 */
import { createHash } from 'node:crypto';
import type { FileSpec } from './fixture-builder.js';

export interface PackageFile {
  path: string;
  /** Content (a regular file), or a symlink target. */
  content?: string | Buffer;
  symlink?: string;
}

export interface DpkgPackage {
  name: string;
  version: string;
  arch?: string;
  /** Installed-Size in KiB (dpkg's unit). */
  installedSize?: number;
  status?: string;
  files: PackageFile[];
  /** Multi-Arch: same packages name their list NAME:ARCH.list. */
  multiArch?: boolean;
}

const fileSpecs = (files: readonly PackageFile[]): FileSpec[] =>
  files.map((f) =>
    f.symlink !== undefined
      ? { path: f.path, type: 'symlink' as const, target: f.symlink }
      : { path: f.path, content: f.content ?? '' },
  );

const foldersOf = (paths: readonly string[]): string[] => {
  const folders = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
  }
  return [...folders].sort();
};

/** One stanza of /var/lib/dpkg/status, as dpkg writes it. */
export function dpkgStanza(p: DpkgPackage): string {
  return [
    `Package: ${p.name}`,
    `Status: ${p.status ?? 'install ok installed'}`,
    'Priority: optional',
    'Section: libs',
    `Installed-Size: ${p.installedSize ?? 1}`,
    'Maintainer: Example Maintainers <maint@example.org>',
    `Architecture: ${p.arch ?? 'amd64'}`,
    ...(p.multiArch ? ['Multi-Arch: same'] : []),
    `Version: ${p.version}`,
    'Depends: libc6 (>= 2.34)',
    `Description: the ${p.name} package`,
    ' A longer description, continued on an indented line.',
    ' .',
    ' Another paragraph.',
  ].join('\n');
}

export function dpkgStatus(packages: readonly DpkgPackage[]): string {
  return `${packages.map(dpkgStanza).join('\n\n')}\n`;
}

/** A `.list` file: `/.`, every parent folder, every file, absolute, one a line. */
export function dpkgList(p: DpkgPackage): string {
  const paths = p.files.map((f) => f.path);
  return `${['/.', ...foldersOf(paths).map((d) => `/${d}`), ...paths.map((f) => `/${f}`)].join('\n')}\n`;
}

export function dpkgListPath(p: DpkgPackage): string {
  return `var/lib/dpkg/info/${p.name}${p.multiArch ? `:${p.arch ?? 'amd64'}` : ''}.list`;
}

/** A layer's files for installing `packages` with dpkg: their files, lists and the status file. */
export function dpkgLayer(packages: readonly DpkgPackage[], options: { status?: boolean } = {}): FileSpec[] {
  return [
    ...packages.flatMap((p) => fileSpecs(p.files)),
    ...packages.map((p) => ({ path: dpkgListPath(p), content: dpkgList(p) })),
    ...(options.status === false ? [] : [{ path: 'var/lib/dpkg/status', content: dpkgStatus(packages) }]),
  ];
}

/**
 * Debian 12, Ubuntu 22.04 and later have a merged /usr: `bin`, `sbin`, `lib` and `lib64` are
 * symlinks into `usr`, while dpkg's `.list` files still name `/bin/bash` (dpkg writes through the
 * file system, which follows the links).
 */
export const MERGED_USR = { bin: 'usr/bin', sbin: 'usr/sbin', lib: 'usr/lib', lib64: 'usr/lib64' } as const;

export const mergedUsrLinks: FileSpec[] = Object.entries(MERGED_USR).map(([path, target]) => ({
  path,
  type: 'symlink' as const,
  target,
}));

/** Where a merged-/usr system keeps a path that names `bin/...`, `lib/...`: under usr/. */
export function onMergedUsr(path: string): string {
  const slash = path.indexOf('/');
  const head = slash === -1 ? path : path.slice(0, slash);
  return Object.hasOwn(MERGED_USR, head)
    ? `${MERGED_USR[head as keyof typeof MERGED_USR]}${slash === -1 ? '' : path.slice(slash)}`
    : path;
}

/** dpkgLayer on a merged /usr: the lists and status name the paths as given, the files lie under usr/. */
export function mergedUsrDpkgLayer(packages: readonly DpkgPackage[], options: { links?: boolean } = {}): FileSpec[] {
  return [
    ...(options.links === false ? [] : mergedUsrLinks),
    ...dpkgLayer(packages).map((f) => ({ ...f, path: onMergedUsr(f.path) })),
  ];
}

export interface ApkPackage {
  name: string;
  version: string;
  files: PackageFile[];
}

/** `lib/apk/db/installed`: P:, V:, then F: per folder with its R: files. */
export function apkInstalled(packages: readonly ApkPackage[]): string {
  return `${packages
    .map((p) => {
      const lines = [
        `C:Q1${createHash('sha1').update(p.name).digest('base64')}`,
        `P:${p.name}`,
        `V:${p.version}`,
        'A:x86_64',
      ];
      lines.push('S:1000', 'I:4096', `T:the ${p.name} package`, 'L:MIT', `o:${p.name}`);
      const byFolder = new Map<string, string[]>();
      for (const f of p.files) {
        const slash = f.path.lastIndexOf('/');
        const folder = f.path.slice(0, slash);
        (byFolder.get(folder) ?? byFolder.set(folder, []).get(folder))?.push(f.path.slice(slash + 1));
      }
      for (const [folder, names] of byFolder) {
        lines.push(`F:${folder}`);
        for (const name of names) lines.push(`R:${name}`, `Z:Q1${createHash('sha1').update(name).digest('base64')}`);
      }
      return lines.join('\n');
    })
    .join('\n\n')}\n\n`;
}

export interface NpmPackage {
  /** `express` or `@scope/name`. */
  name: string;
  version: string;
  files: { path: string; content: string }[];
  /** Its package.json's dependencies. */
  dependencies?: Record<string, string>;
}

/** `ROOT/node_modules/NAME/...` files with the package.json npm writes. */
export function npmPackageFiles(root: string, p: NpmPackage): FileSpec[] {
  const dir = `${root}/node_modules/${p.name}`;
  const manifest = { name: p.name, version: p.version, main: 'index.js', license: 'MIT' };
  return [
    {
      path: `${dir}/package.json`,
      content: `${JSON.stringify(p.dependencies ? { ...manifest, dependencies: p.dependencies } : manifest, null, 2)}\n`,
    },
    ...p.files.map((f) => ({ path: `${dir}/${f.path}`, content: f.content })),
  ];
}

/** The app's own package.json. */
export function appPackageJson(dependencies: Record<string, string>, devDependencies: Record<string, string>): string {
  return `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies, devDependencies }, null, 2)}\n`;
}

export interface PipPackage {
  name: string;
  version: string;
  /** Paths relative to site-packages (`../../../bin/x` for scripts). */
  files: { path: string; content: string }[];
}

const b64 = (text: string): string =>
  createHash('sha256').update(text).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Files of a wheel installed into `site`, with its RECORD (`path,sha256=…,size`). */
export function pipPackageFiles(site: string, p: PipPackage): FileSpec[] {
  const distInfo = `${p.name}-${p.version}.dist-info`;
  const metadata = `Metadata-Version: 2.1\nName: ${p.name}\nVersion: ${p.version}\n`;
  const join = (path: string): string => {
    const parts = site.split('/');
    for (const part of path.split('/')) {
      if (part === '..') parts.pop();
      else parts.push(part);
    }
    return parts.join('/');
  };
  const record = [
    ...p.files.map((f) => `${f.path},sha256=${b64(f.content)},${Buffer.byteLength(f.content)}`),
    `${distInfo}/METADATA,sha256=${b64(metadata)},${metadata.length}`,
    `${distInfo}/RECORD,,`,
  ].join('\n');
  return [
    ...p.files.map((f) => ({ path: join(f.path), content: f.content })),
    { path: `${site}/${distInfo}/METADATA`, content: metadata },
    { path: `${site}/${distInfo}/RECORD`, content: `${record}\n` },
  ];
}
