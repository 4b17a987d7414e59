/** Images with real-format package databases of all four ecosystems, shared by the package tests. */
import type { FileSpec, ImageSpec } from './fixture-builder.js';
import {
  apkInstalled,
  appPackageJson,
  dpkgLayer,
  dpkgStatus,
  npmPackageFiles,
  pipPackageFiles,
  type DpkgPackage,
  type NpmPackage,
} from './package-metadata.js';

export const bytes = (n: number, fill = 'x'): string => fill.repeat(n);
export const len = (text: string): number => Buffer.byteLength(text);

export const libc: DpkgPackage = {
  name: 'libc6',
  version: '2.36-9+deb12u4',
  multiArch: true,
  installedSize: 12000,
  files: [
    { path: 'usr/lib/x86_64-linux-gnu/libc.so.6', content: bytes(1000) },
    { path: 'usr/lib/x86_64-linux-gnu/libc.so', symlink: 'libc.so.6' },
  ],
};
export const coreutils: DpkgPackage = {
  name: 'coreutils',
  version: '9.1-1',
  files: [
    { path: 'usr/bin/ls', content: bytes(500) },
    { path: 'usr/share/doc/coreutils/copyright', content: bytes(100) },
  ],
};
export const gcc: DpkgPackage = {
  name: 'gcc-12',
  version: '12.2.0-14',
  files: [{ path: 'usr/bin/gcc-12', content: bytes(2000) }],
};
export const curl: DpkgPackage = {
  name: 'curl',
  version: '7.88.1-10',
  files: [{ path: 'usr/bin/curl', content: bytes(300) }],
};
/** bash as Debian 12 lists it: `/bin/bash`, where a merged /usr (mergedUsrDpkgLayer) keeps it under usr/bin. */
export const bashOnBin: DpkgPackage = {
  name: 'bash',
  version: '5.2.15-2+b2',
  files: [
    { path: 'bin/bash', content: bytes(900) },
    { path: 'usr/share/doc/bash/copyright', content: bytes(100) },
  ],
};
export const stale: DpkgPackage = { name: 'old-tool', version: '1', status: 'deinstall ok config-files', files: [] };

export const express: NpmPackage = {
  name: 'express',
  version: '4.19.2',
  files: [{ path: 'index.js', content: bytes(200) }],
};
export const debug: NpmPackage = {
  name: 'debug',
  version: '2.6.9',
  files: [{ path: 'src/index.js', content: bytes(40) }],
};
export const types: NpmPackage = {
  name: '@types/node',
  version: '20.11.0',
  files: [{ path: 'index.d.ts', content: bytes(50) }],
};
export const typescript: NpmPackage = {
  name: 'typescript',
  version: '5.4.5',
  files: [{ path: 'lib/tsc.js', content: bytes(5000) }],
};
/** Content bytes of fixture files (links and folders count none here). */
export const filesSize = (files: readonly FileSpec[]): number =>
  files.reduce((sum, f) => sum + ('content' in f ? len(String(f.content ?? '')) : 0), 0);
export const npmSize = (p: NpmPackage, root = 'app'): number => filesSize(npmPackageFiles(root, p));

export const site = 'usr/local/lib/python3.12/site-packages';
export const requests = {
  name: 'requests',
  version: '2.31.0',
  files: [
    { path: 'requests/__init__.py', content: bytes(700) },
    { path: '../../../bin/req', content: bytes(30) },
  ],
};
export const pipFiles = pipPackageFiles(site, requests);
export const pipSize = filesSize(pipFiles);

/** Debian base, then apt (status rewritten, gcc removed, docs deleted), then an npm app, then pip. */
export const debianApp: ImageSpec = {
  tags: ['example.com/debian-app:1'],
  layers: [
    {
      files: [
        // Real tars list folders; the opaque whiteout below acts on them.
        { path: 'usr/share/doc/', type: 'dir' },
        { path: 'usr/share/doc/coreutils/', type: 'dir' },
        ...dpkgLayer([libc, coreutils, gcc]),
        { path: 'etc/hostname', content: bytes(10) },
      ],
    },
    {
      compression: 'gzip',
      files: [
        ...dpkgLayer([curl], { status: false }),
        { path: 'var/lib/dpkg/status', content: dpkgStatus([libc, coreutils, curl, stale]) },
        { path: 'usr/bin/.wh.gcc-12', content: '' },
        { path: 'var/lib/dpkg/info/.wh.gcc-12.list', content: '' },
        { path: 'usr/share/doc/.wh..wh..opq', content: '' },
      ],
    },
    {
      files: [
        {
          path: 'app/package.json',
          content: appPackageJson({ express: '^4' }, { typescript: '^5', '@types/node': '^20' }),
        },
        { path: 'app/server.js', content: bytes(80) },
        ...npmPackageFiles('app', express),
        ...npmPackageFiles('app/node_modules/express', debug),
        ...npmPackageFiles('app', types),
        ...npmPackageFiles('app', typescript),
      ],
    },
    { compression: 'zstd', files: pipFiles },
  ],
};

export const apkFiles: FileSpec[] = [
  { path: 'lib/ld-musl-x86_64.so.1', content: bytes(700) },
  { path: 'bin/busybox', content: bytes(900) },
  { path: 'bin/sh', type: 'symlink', target: '/bin/busybox' },
  {
    path: 'lib/apk/db/installed',
    content: apkInstalled([
      { name: 'musl', version: '1.2.4-r2', files: [{ path: 'lib/ld-musl-x86_64.so.1' }] },
      { name: 'busybox', version: '1.36.1-r15', files: [{ path: 'bin/busybox' }, { path: 'bin/sh' }] },
    ]),
  },
  { path: 'etc/alpine-release', content: '3.19.1\n' },
];
export const alpine: ImageSpec = { tags: ['example.com/alpine:3'], layers: [{ files: apkFiles }] };

export const distroless: ImageSpec = {
  tags: ['example.com/distroless:1'],
  layers: [
    {
      files: [
        {
          path: 'var/lib/dpkg/status.d/libssl3',
          content: dpkgStatus([{ name: 'libssl3', version: '3.0.11-1', installedSize: 6000, files: [] }]),
        },
        { path: 'var/lib/dpkg/status.d/libssl3.md5sums', content: 'abc  usr/lib/libssl.so.3\n' },
        { path: 'usr/lib/libssl.so.3', content: bytes(600) },
      ],
    },
  ],
};
