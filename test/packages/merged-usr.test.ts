import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { packagesOfImage, readArchive, type ImagePackages } from '../../src/index.js';
import { buildArchive, type FileSpec, type LayerSpec } from '../helpers/fixture-builder.js';
import {
  apkInstalled,
  dpkgList,
  dpkgListPath,
  dpkgStatus,
  mergedUsrDpkgLayer,
  type DpkgPackage,
} from '../helpers/package-metadata.js';
import { bashOnBin, bytes, len } from '../helpers/package-specs.js';

/**
 * A real `debootstrap bookworm` tree (merged /usr, see MERGED_USR) had 40 of its 88 packages
 * listing paths under the links: libc6 owns 12.8 MB there, measured as 8.3 MB before.
 */
const bash: DpkgPackage = bashOnBin;

const LOADER_TARGET = '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2';
const libc: DpkgPackage = {
  name: 'libc6',
  version: '2.36-9+deb12u4',
  multiArch: true,
  files: [
    { path: 'lib/x86_64-linux-gnu/libc.so.6', content: bytes(1000) },
    { path: 'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', content: bytes(200) },
    // A symlink listed as the last part is the package's symlink: counted, never followed.
    { path: 'lib64/ld-linux-x86-64.so.2', symlink: LOADER_TARGET },
  ],
};

const login: DpkgPackage = {
  name: 'login',
  version: '1:4.13+dfsg1-1',
  files: [{ path: 'sbin/nologin', content: bytes(70) }],
};

async function packagesOf(layers: LayerSpec[]): Promise<ImagePackages> {
  const { bytes: archive } = await buildArchive('oci', [{ tags: ['merged:1'], layers }]);
  const report = await readArchive(Readable.from([archive]), { keepMetadata: true });
  const image = report.images[0];
  if (!image) throw new Error('no image');
  return packagesOfImage(image);
}

/** A .list naming the package's files only, not their folders (which would be links here). */
const filesOnly = (p: DpkgPackage): string => `/.\n${p.files.map((f) => `/${f.path}\n`).join('')}`;

/** `count` links `name -> name1 -> ... -> last`. */
const chain = (name: string, count: number, last: string): FileSpec[] =>
  Array.from({ length: count }, (_, i) => ({
    path: `${name}${i === 0 ? '' : i}`,
    type: 'symlink' as const,
    target: i === count - 1 ? last : `${name}${i + 1}`,
  }));

/** The dpkg database of `packages`, their lists naming their files only. */
const databaseOf = (packages: readonly DpkgPackage[]): FileSpec[] => [
  ...packages.map((p) => ({ path: dpkgListPath(p), content: filesOnly(p) })),
  { path: 'var/lib/dpkg/status', content: dpkgStatus(packages) },
];

const measured = (result: ImagePackages) =>
  Object.fromEntries(result.packages.map((p) => [p.name, { size: p.size, fileCount: p.fileCount }]));

const unownedIn = (result: ImagePackages, folder: string) =>
  result.unownedByFolder.find((f) => f.folder === folder)?.size ?? 0;

describe('packages on a merged /usr: listed paths are followed through symlinked folders', () => {
  it('measures what .list files name under bin, sbin, lib and lib64 where usr keeps it', async () => {
    const result = await packagesOf([{ files: mergedUsrDpkgLayer([bash, libc, login]) }]);
    // The lists name `/bin`, `/lib`, `/lib64` and `/sbin` as folders; on disk they are the merge's
    // links, and what a listed path is on disk is what the package owns (a link there counts).
    expect(measured(result)).toEqual({
      bash: { size: 1000 + len('usr/bin'), fileCount: 3 },
      libc6: { size: 1200 + len(LOADER_TARGET) + len('usr/lib') + len('usr/lib64'), fileCount: 5 },
      login: { size: 70 + len('usr/sbin'), fileCount: 2 },
    });
    // The bytes under usr/ are owned now; only the four links of the merge are not.
    expect(unownedIn(result, 'usr/bin/')).toBe(0);
    expect(unownedIn(result, 'usr/lib/')).toBe(0);
    expect(unownedIn(result, 'usr/sbin/')).toBe(0);
    expect(unownedIn(result, 'usr/lib64/')).toBe(0);
    expect(result.problems).toEqual([]);
  });

  it('counts a file once when a list names it both through the link and under usr', async () => {
    const twice: DpkgPackage = {
      name: 'dash',
      version: '0.5.12-2',
      files: [{ path: 'bin/dash', content: bytes(120) }],
    };
    const layer = mergedUsrDpkgLayer([twice]).map((f) =>
      f.path === dpkgListPath(twice) ? { ...f, content: `/.\n/bin/dash\n/usr/bin/dash\n` } : f,
    );
    expect(measured(await packagesOf([{ files: layer }]))).toEqual({ dash: { size: 120, fileCount: 1 } });
  });

  it('follows absolute targets from the image root, relative ones from the link, and .. no higher than the root', async () => {
    const tool: DpkgPackage = {
      name: 'tool',
      version: '1',
      files: [
        { path: 'abs/a', content: bytes(10) },
        { path: 'rel/b', content: bytes(20) },
        { path: 'climb/c', content: bytes(40) },
        { path: 'opt/app/current/d', content: bytes(80) },
      ],
    };
    const files: FileSpec[] = [
      { path: 'abs', type: 'symlink', target: '/srv/abs' },
      { path: 'srv/abs/a', content: bytes(10) },
      { path: 'rel', type: 'symlink', target: 'srv/./rel/' },
      { path: 'srv/rel/b', content: bytes(20) },
      { path: 'climb', type: 'symlink', target: '../../../srv/climb' },
      { path: 'srv/climb/c', content: bytes(40) },
      // A link whose target is itself reached through a link: opt/app/current -> v2 -> /srv/v2.
      { path: 'opt/app/current', type: 'symlink', target: 'v2' },
      { path: 'opt/app/v2', type: 'symlink', target: '/srv/v2' },
      { path: 'srv/v2/d', content: bytes(80) },
      ...databaseOf([tool]),
    ];
    expect(measured(await packagesOf([{ files }]))).toEqual({ tool: { size: 150, fileCount: 4 } });
  });

  it('gives up on a loop or a chain of more than 40 links, as the kernel does, without hanging', async () => {
    const looped: DpkgPackage = {
      name: 'looped',
      version: '1',
      files: [
        { path: 'a/x', content: '' },
        { path: 'deep/y', content: '' },
        { path: 'fine/z', content: '' },
        { path: 'real/w', content: bytes(5) },
      ],
    };
    const files: FileSpec[] = [
      { path: 'a', type: 'symlink', target: 'b' },
      { path: 'b', type: 'symlink', target: 'a' },
      // 41 links to follow before `real`: one too many; 40 are fine.
      ...chain('deep', 41, 'real'),
      ...chain('fine', 40, 'real'),
      { path: 'real/x', content: bytes(1) },
      { path: 'real/y', content: bytes(2) },
      { path: 'real/z', content: bytes(3) },
      { path: 'real/w', content: bytes(5) },
      ...databaseOf([looped]),
    ];
    expect(measured(await packagesOf([{ files }]))).toEqual({ looped: { size: 8, fileCount: 2 } });
  });

  it('takes .. in a target from where the links before it led, as the kernel does', async () => {
    const tool: DpkgPackage = { name: 'tool', version: '1', files: [{ path: 'foo/x', content: '' }] };
    const files: FileSpec[] = [
      { path: 'lib', type: 'symlink', target: 'usr/lib' },
      // lib/.. is usr, not the root: foo/x is usr/share/x.
      { path: 'foo', type: 'symlink', target: 'lib/../share' },
      { path: 'usr/share/x', content: bytes(100) },
      { path: 'share/x', content: bytes(5) },
      ...databaseOf([tool]),
    ];
    expect(measured(await packagesOf([{ files }]))).toEqual({ tool: { size: 100, fileCount: 1 } });
  });

  it('counts links over the whole lookup, whichever package asked first', async () => {
    // s: 30 links to realS; t: 15 links to s/d, so t/f2 takes 45 (too many), s/f1 30.
    const far: DpkgPackage = { name: 'far', version: '1', files: [{ path: 't/f2', content: '' }] };
    const near: DpkgPackage = {
      name: 'near',
      version: '1',
      files: [
        { path: 's/f1', content: '' },
        { path: 'realS/g', content: '' },
      ],
    };
    for (const order of [
      [far, near],
      [near, far],
    ]) {
      const files: FileSpec[] = [
        ...chain('s', 30, 'realS'),
        ...chain('t', 15, 's/d'),
        { path: 'realS/f1', content: bytes(100) },
        { path: 'realS/d/f2', content: bytes(7) },
        { path: 'realS/g', content: bytes(10) },
        ...databaseOf(order),
      ];
      expect(measured(await packagesOf([{ files }])), order[0]?.name).toEqual({
        near: { size: 110, fileCount: 2 },
        far: { size: 0, fileCount: 0 },
      });
    }
  });

  it('follows a link an upper layer adds, and a file an upper layer rewrites where the link leads', async () => {
    const lower: FileSpec[] = [
      { path: 'usr/bin/bash', content: bytes(900) },
      { path: 'usr/share/doc/bash/copyright', content: bytes(100) },
      { path: dpkgListPath(bash), content: dpkgList(bash) },
      { path: 'var/lib/dpkg/status', content: dpkgStatus([bash]) },
    ];
    // Without the link, /bin/bash is not in the image.
    expect(measured(await packagesOf([{ files: lower }]))).toEqual({ bash: { size: 100, fileCount: 1 } });
    // With it, bash owns the link as the folder its list names, and the file where the link leads.
    const result = await packagesOf([
      { files: lower },
      { files: [{ path: 'bin', type: 'symlink', target: 'usr/bin' }] },
      { files: [{ path: 'usr/bin/bash', content: bytes(1500) }] },
    ]);
    expect(measured(result)).toEqual({ bash: { size: 1600 + len('usr/bin'), fileCount: 3 } });
    expect(result.packages[0]?.layerIndex).toBe(2);
  });

  it('follows apk paths too (F: usr/bin through a merged bin)', async () => {
    const files: FileSpec[] = [
      { path: 'bin', type: 'symlink', target: 'usr/bin' },
      { path: 'usr/bin/busybox', content: bytes(800) },
      {
        path: 'lib/apk/db/installed',
        content: apkInstalled([{ name: 'busybox', version: '1.36.1-r29', files: [{ path: 'bin/busybox' }] }]),
      },
    ];
    expect(measured(await packagesOf([{ files }]))).toEqual({ busybox: { size: 800, fileCount: 1 } });
  });
});

describe('following links in hostile databases', () => {
  it('stops following after MAX_LINK_WORK characters, with one warning, where deep folders under a link would cost billions', async () => {
    // Each path: a folder of its own 2,000 levels deep under a link, so that nothing resolved for
    // one path helps the next; 40 of them would take 160M characters of folders to resolve.
    const deep = Array.from({ length: 2000 }, () => 'd').join('/');
    const lines = Array.from({ length: 40 }, (_, i) => `/l/${i}/${deep}/x`);
    const tool: DpkgPackage = { name: 'tool', version: '1', files: [{ path: 'real/y', content: bytes(3) }] };
    const files: FileSpec[] = [
      { path: 'l', type: 'symlink', target: 'real' },
      { path: 'm', type: 'symlink', target: 'real' },
      { path: 'real/y', content: bytes(3) },
      { path: 'real/z', content: bytes(4) },
      // `/m/z` after the deep ones: its folder is not followed any more.
      { path: dpkgListPath(tool), content: `/.\n/l/y\n${lines.join('\n')}\n/m/z\n` },
      { path: 'var/lib/dpkg/status', content: dpkgStatus([tool]) },
    ];
    const result = await packagesOf([{ files }]);
    expect(measured(result)).toEqual({ tool: { size: 3, fileCount: 1 } });
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /^the package databases of this image name paths through more symlinked folders than layerlens follows/,
      ),
    ]);
  });
});
