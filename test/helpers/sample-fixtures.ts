/**
 * The sample archives in fixtures/, used by the README and `npm start`: a small product line of
 * images on a shared base, written in three formats. `npm run fixtures` rewrites them;
 * test/fixtures.test.ts fails when the committed bytes differ from what this produces.
 */
import type { BuildOptions, FixtureFormat, ImageSpec, LayerSpec } from './fixture-builder.js';
import { appPackageJson, dpkgList, dpkgStatus, type DpkgPackage } from './package-metadata.js';

/** Deterministic text that compresses like real files do (words from a small vocabulary). */
export function pseudoText(seed: number, bytes: number): string {
  const words = [
    'lib',
    'init',
    'config',
    'daemon',
    'socket',
    'buffer',
    'module',
    'export',
    'return',
    'value',
    'error',
    'state',
  ];
  let x = seed >>> 0 || 1;
  let out = '';
  while (out.length < bytes) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += words[x % words.length] ?? '';
    out += x % 9 === 0 ? '\n' : ' ';
  }
  return out.slice(0, bytes);
}

// The dpkg databases list the files the layers below really hold (formats as dpkg writes them).
const busyboxPackage: DpkgPackage = {
  name: 'busybox',
  version: '1:1.36.1-6',
  installedSize: 176,
  files: [{ path: 'bin/busybox' }, { path: 'bin/sh' }, { path: 'bin/ls' }],
};
const libcPackage: DpkgPackage = {
  name: 'libc6',
  version: '2.36-9+deb12u7',
  installedSize: 118,
  multiArch: true,
  files: [{ path: 'lib/libc.so' }],
};
const nodejsPackage: DpkgPackage = {
  name: 'nodejs',
  version: '18.19.0+dfsg-6~deb12u2',
  installedSize: 147,
  files: [{ path: 'usr/lib/node' }],
};
const dpkgInfo = (p: DpkgPackage): { path: string; content: string } => ({
  path: `var/lib/dpkg/info/${p.name}${p.multiArch ? ':amd64' : ''}.list`,
  content: dpkgList(p),
});

const osLayer: LayerSpec = {
  files: [
    { path: 'bin/', type: 'dir' },
    { path: 'bin/busybox', content: pseudoText(1, 180_000) },
    { path: 'bin/sh', type: 'symlink', target: 'busybox' },
    { path: 'bin/ls', type: 'hardlink', target: 'bin/busybox' },
    { path: 'etc/', type: 'dir' },
    { path: 'etc/os-release', content: 'NAME="Sample Linux"\nVERSION_ID=1.0\n' },
    { path: 'lib/', type: 'dir' },
    { path: 'lib/libc.so', content: pseudoText(2, 120_000) },
    { path: 'var/lib/dpkg/status', content: dpkgStatus([busyboxPackage, libcPackage]) },
    dpkgInfo(busyboxPackage),
    dpkgInfo(libcPackage),
  ],
};

const aptLayer: LayerSpec = {
  files: [
    { path: 'usr/', type: 'dir' },
    { path: 'usr/lib/', type: 'dir' },
    { path: 'usr/lib/node', content: pseudoText(3, 150_000) },
    { path: 'var/', type: 'dir' },
    { path: 'var/lib/', type: 'dir' },
    { path: 'var/lib/apt/', type: 'dir' },
    { path: 'var/lib/apt/lists/', type: 'dir' },
    { path: 'var/lib/apt/lists/deb.example.org_main_Packages', content: pseudoText(4, 60_000) },
    { path: 'var/lib/dpkg/status', content: dpkgStatus([busyboxPackage, libcPackage, nodejsPackage]) },
    dpkgInfo(nodejsPackage),
  ],
};

/** A package folder as npm installs it: package.json and the code. */
const npmPackage = (
  name: string,
  version: string,
  file: string,
  content: string,
): { path: string; content: string }[] => [
  {
    path: `app/node_modules/${name}/package.json`,
    content: `${JSON.stringify({ name, version, main: file, license: 'MIT' }, null, 2)}\n`,
  },
  { path: `app/node_modules/${name}/${file}`, content },
];

const depsLayer = (version: number): LayerSpec => ({
  files: [
    { path: 'app/', type: 'dir' },
    { path: 'app/node_modules/', type: 'dir' },
    ...npmPackage('express', version >= 2 ? '4.19.2' : '4.18.2', 'index.js', pseudoText(10 + version, 40_000)),
    ...npmPackage('lodash', '4.17.21', 'lodash.js', pseudoText(20, 30_000)),
    // A devDependency `npm ci` installed and nobody pruned.
    ...npmPackage('typescript', '5.4.5', 'lib/tsc.js', pseudoText(50, 12_000)),
    // v2 downloads a build tarball that a later step deletes: the bytes stay in this layer.
    ...(version >= 2
      ? [
          { path: 'tmp/', type: 'dir' as const },
          { path: 'tmp/build-cache.tgz', content: pseudoText(40, 90_000) },
        ]
      : []),
  ],
});

/** v2's cleanup step: deletes the tarball and chmods server.js, which copies the file up. */
const cleanupLayer = (version: number): LayerSpec => ({
  files: [
    { path: 'tmp/', type: 'dir' },
    { path: 'tmp/.wh.build-cache.tgz', content: '' },
    { path: 'app/', type: 'dir' },
    { path: 'app/server.js', content: `// version ${version}\n${pseudoText(30 + version, 3_000)}` },
  ],
});

const codeLayer = (version: number): LayerSpec => ({
  files: [
    { path: 'app/server.js', content: `// version ${version}\n${pseudoText(30 + version, 3_000)}` },
    {
      path: 'app/package.json',
      content: appPackageJson({ express: '^4.18.0', lodash: '^4.17.21' }, { typescript: '^5.4.0' }).replace(
        '"1.0.0"',
        `"${version}.0.0"`,
      ),
    },
  ],
});

const baseHistory = [
  { createdBy: '/bin/sh -c #(nop) ADD file:0b5f0c1d in / ' },
  { createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', emptyLayer: true },
  { createdBy: '/bin/sh -c apt-get update && apt-get install -y nodejs' },
];

const base: ImageSpec = { tags: ['example/base:1'], layers: [osLayer, aptLayer], history: baseHistory };

const app = (version: number, compression: LayerSpec['compression'] = 'none'): ImageSpec => ({
  tags: [`example/app:${version}.0`],
  layers: [
    osLayer,
    aptLayer,
    depsLayer(version),
    codeLayer(version),
    ...(version >= 2 ? [cleanupLayer(version)] : []),
  ].map((l) => ({ ...l, compression })),
  history: [
    ...baseHistory,
    { createdBy: '/bin/sh -c #(nop) WORKDIR /app', emptyLayer: true },
    { createdBy: '/bin/sh -c npm ci' },
    { createdBy: '/bin/sh -c #(nop) COPY dir:5e1c in /app ' },
    ...(version >= 2 ? [{ createdBy: '/bin/sh -c rm /tmp/build-cache.tgz && chmod 755 /app/server.js' }] : []),
    { createdBy: '/bin/sh -c #(nop)  CMD ["node","server.js"]', emptyLayer: true },
  ],
  created: `2024-0${version}-01T00:00:00Z`,
});

const worker: ImageSpec = {
  tags: ['example/worker:1.0'],
  layers: [osLayer, aptLayer, { files: [{ path: 'worker.sh', content: '#!/bin/sh\nexec node /app/worker.js\n' }] }],
  history: [...baseHistory, { createdBy: '/bin/sh -c #(nop) COPY file:9a1b in /worker.sh ' }],
};

export interface SampleFixture {
  readonly file: string;
  readonly format: FixtureFormat;
  readonly images: readonly ImageSpec[];
  readonly options?: BuildOptions;
}

export const SAMPLE_FIXTURES: readonly SampleFixture[] = [
  { file: 'app-v1.docker-save.tar', format: 'docker-classic', images: [app(1), worker] },
  { file: 'app-v2.oci.tar', format: 'oci', images: [app(2, 'gzip')] },
  { file: 'base.podman.tar.gz', format: 'podman', images: [base], options: { outer: 'gzip' } },
];
