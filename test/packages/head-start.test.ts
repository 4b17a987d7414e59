import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { readArchive } from '../../src/index.js';
import { FileList } from '../../src/layer/file-list.js';
import { applyLayers, OverlayBuilder } from '../../src/layer/overlay.js';
import type { ImageReport } from '../../src/model/image.js';
import type { Digest } from '../../src/model/digest.js';
import { InputErrorCode } from '../../src/model/errors.js';
import { fileRecord, imageReport, layerReport } from '../helpers/reports.js';
import { PackageHeadStart, sharedPackageOverlays } from '../../src/packages/head-start.js';
import { PackageAttribution, packagesOfImage } from '../../src/packages/packages-of-image.js';
import { buildArchive, type ImageSpec, type LayerSpec } from '../helpers/fixture-builder.js';
import { dpkgLayer, mergedUsrDpkgLayer, npmPackageFiles } from '../helpers/package-metadata.js';
import {
  alpine,
  bashOnBin,
  bytes,
  coreutils,
  debianApp,
  debug,
  express,
  gcc,
  libc,
  pipFiles,
} from '../helpers/package-specs.js';

async function imageOf(spec: ImageSpec): Promise<ImageReport> {
  const { bytes: archive } = await buildArchive('docker-classic', [spec]);
  const report = await readArchive(Readable.from([archive]), { keepMetadata: true });
  const image = report.images[0];
  if (!image) throw new Error('no image');
  return image;
}

/**
 * The image as readArchive hands it over while the layers from `known` on are still being read
 * (or only those of `reading`, the others above being read already).
 */
function provisional(
  image: ImageReport,
  known: number,
  reading?: readonly number[],
): { image: ImageReport; pending: Set<string> } {
  const pending = new Set<string>();
  const layers = image.layers.map((layer, index) => {
    if (index < known || (reading !== undefined && !reading.includes(index))) return layer;
    const entry = layer.entry ?? `pending-${index}`;
    pending.add(entry);
    const { metadataFiles: _kept, ...rest } = layer;
    return { ...rest, entry, files: FileList.empty };
  });
  return { image: { ...image, layers }, pending };
}

/** An image whose upper layers change what the lower ones' packages own, without touching a database. */
const patchedUpstairs: ImageSpec = {
  tags: ['example.com/patched:1'],
  layers: [
    {
      files: [
        { path: 'usr/share/doc/', type: 'dir' },
        { path: 'usr/share/doc/libc6/', type: 'dir' },
        ...dpkgLayer([libc, coreutils]),
        { path: 'opt/tool/old.bin', content: bytes(300) },
        { path: 'opt/tool/keep.bin', content: bytes(30) },
        { path: 'etc/motd', content: bytes(12) },
      ],
    },
    {
      files: [
        ...npmPackageFiles('app', express),
        ...npmPackageFiles('app/node_modules/express', debug),
        { path: 'app/server.js', content: bytes(80) },
      ],
    },
    {
      files: [
        // A bigger copy of a libc file, a coreutils file deleted, an unowned one deleted and added.
        { path: 'usr/lib/x86_64-linux-gnu/libc.so.6', content: bytes(4096) },
        { path: 'usr/bin/.wh.ls', content: '' },
        { path: 'opt/tool/.wh.old.bin', content: '' },
        { path: 'opt/tool/new.bin', content: bytes(700) },
        { path: 'usr/share/doc/.wh..wh..opq', content: '' },
      ],
    },
    {
      files: [
        // A folder replaced by a file, a symlink over a package file, a file where a folder was.
        { path: 'opt/tool', content: bytes(5) },
        { path: 'usr/bin/cat', type: 'symlink', target: '/bin/busybox' },
        { path: 'etc/motd', content: bytes(2000) },
      ],
    },
    // A package file deleted below comes back: its owner finds it again.
    { files: [{ path: 'usr/bin/ls', content: bytes(640) }] },
  ],
};

/** An upper layer that changes an npm package folder: the attribution is made afresh. */
const npmUpstairs: ImageSpec = {
  tags: ['example.com/npm-upstairs:1'],
  layers: [
    { files: [...dpkgLayer([libc]), ...npmPackageFiles('app', express)] },
    { files: [{ path: 'app/node_modules/express/lib/extra.js', content: bytes(999) }] },
    { files: [{ path: 'srv/data.bin', content: bytes(64) }] },
  ],
};

/** A merged /usr (see MERGED_USR): lists name paths through links, upper layers change both. */
const mergedUsr: ImageSpec = {
  tags: ['example.com/merged-usr:1'],
  layers: [
    { files: mergedUsrDpkgLayer([libc, coreutils, bashOnBin]) },
    // A file reached through a link rewritten, one deleted: no link changes, a patch follows.
    {
      files: [
        { path: 'usr/bin/bash', content: bytes(1300) },
        { path: 'usr/bin/.wh.ls', content: '' },
      ],
    },
    { files: [{ path: 'srv/data.bin', content: bytes(64) }] },
    // A link that paths were followed through is replaced by a folder: where they lead changes.
    {
      files: [
        { path: 'bin/', type: 'dir' },
        { path: 'bin/bash', content: bytes(77) },
      ],
    },
  ],
};

/** The merge's link arrives in an upper layer, over lists that named paths through it all along. */
const linkUpstairs: ImageSpec = {
  tags: ['example.com/link-upstairs:1'],
  layers: [
    { files: mergedUsrDpkgLayer([libc, coreutils, bashOnBin], { links: false }) },
    { files: [{ path: 'srv/data.bin', content: bytes(64) }] },
    { files: [{ path: 'usr/bin/bash', content: bytes(1500) }] },
    { files: [{ path: 'bin', type: 'symlink', target: '/usr/bin' }] },
  ],
};

/**
 * A merged /usr whose top layer makes a folder that paths were followed into a link (no list names
 * a path under usr/bin as such: only following /bin/bash looked it up).
 */
const targetRelinked: ImageSpec = {
  tags: ['example.com/target-relinked:1'],
  layers: [
    { files: mergedUsrDpkgLayer([libc, bashOnBin]) },
    { files: [{ path: 'srv/data.bin', content: bytes(64) }] },
    {
      files: [
        { path: 'opt/bin/bash', content: bytes(55) },
        { path: 'usr/bin', type: 'symlink', target: '/opt/bin' },
      ],
    },
  ],
};

/**
 * Lists that spend the link budget (MAX_LINK_WORK) before a later package's link is followed: a
 * patch would start a budget of its own and follow it, so the attribution is made afresh.
 */
const linksSpent: ImageSpec = (() => {
  const deep = Array.from({ length: 2000 }, () => 'd').join('/');
  const hog = Array.from({ length: 40 }, (_, i) => `/l/${i}/${deep}/x`);
  const status = ['hog', 'victim']
    .map((name) => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n`)
    .join('\n');
  return {
    tags: ['example.com/links-spent:1'],
    layers: [
      {
        files: [
          { path: 'l', type: 'symlink', target: 'real' },
          { path: 'm', type: 'symlink', target: 'real' },
          { path: 'real/q', content: bytes(3) },
          { path: 'real/z', content: bytes(400) },
          { path: 'var/lib/dpkg/info/hog.list', content: `${hog.join('\n')}\n` },
          { path: 'var/lib/dpkg/info/victim.list', content: '/real/q\n/m/z\n' },
          { path: 'var/lib/dpkg/status', content: status },
        ],
      },
      { files: [{ path: 'srv/a', content: bytes(5) }] },
      { files: [{ path: 'real/q', content: bytes(9) }] },
    ],
  };
})();

/** Hard-linked pairs (one listed by a package, one not) whose names upper layers remove and replace. */
const hardLinksUpstairs: ImageSpec = {
  tags: ['example.com/hard-links:1'],
  layers: [
    {
      files: [
        ...dpkgLayer([{ ...coreutils, files: [...coreutils.files, { path: 'usr/bin/ls2', content: '' }] }]).map((f) =>
          f.path === 'usr/bin/ls2' ? { path: f.path, type: 'hardlink' as const, target: 'usr/bin/ls' } : f,
        ),
        { path: 'opt/tool', content: bytes(300) },
        { path: 'opt/tool2', type: 'hardlink', target: 'opt/tool' },
      ],
    },
    { files: [{ path: 'usr/bin/.wh.ls', content: '' }] },
    { files: [{ path: 'srv/data.bin', content: bytes(64) }] },
    // In the top layer too: the one a head start patches its attribution for.
    {
      files: [
        { path: 'opt/.wh.tool', content: '' },
        { path: 'opt/tool', content: bytes(5) },
      ],
    },
  ],
};

const specs: [string, ImageSpec][] = [
  ['hard-linked names removed and replaced upstairs', hardLinksUpstairs],
  ['lists that spend the link budget', linksSpent],
  ['merged /usr, a folder links led into made a link', targetRelinked],
  ['merged /usr (links followed, then changed)', mergedUsr],
  ['merged /usr link added upstairs', linkUpstairs],
  ['debian app (status rewritten upstairs, whiteouts, opaque folder)', debianApp],
  ['patched upstairs', patchedUpstairs],
  ['npm folder changed upstairs', npmUpstairs],
  ['alpine with pip on top', { tags: ['example.com/alpine-pip:1'], layers: [...alpine.layers, { files: pipFiles }] }],
];

describe('PackageHeadStart', () => {
  it.each(specs)('gives what packagesOfImage gives, whatever layers were still being read: %s', async (_, spec) => {
    const image = await imageOf(spec);
    const expected = packagesOfImage(image);
    const n = image.layers.length;
    for (let first = 1; first < n; first++) {
      // Known up to `first`, then (maybe) up to `second`, then the whole image.
      for (let second = first; second < n; second++) {
        const headStart = new PackageHeadStart();
        const read = {};
        const a = provisional(image, first);
        headStart.onProvisional({ read, images: [a.image], pending: a.pending });
        const b = provisional(image, second);
        if (second > first) headStart.onProvisional({ read, images: [b.image], pending: b.pending });
        const got = headStart.packagesOf(image);
        expect(got.result, `known ${first} then ${second}`).toEqual(expected);
        const overlay = applyLayers(
          image.layers.map((l) => l.files),
          image.layers.map((l) => l.diffId),
        );
        expect(got.overlay, `known ${first} then ${second}`).toEqual(overlay);
        expect(headStart.counts.cold).toBe(0);
      }
    }
  });

  it('patches a merged /usr image when the top layer adds a link no listed path goes through', async () => {
    const image = await imageOf({
      tags: ['example.com/merged-app:1'],
      layers: [
        { files: mergedUsrDpkgLayer([libc, coreutils, bashOnBin]) },
        { files: [{ path: 'srv/data.bin', content: bytes(64) }] },
        {
          files: [
            { path: 'app/server.js', content: bytes(80) },
            { path: 'usr/local/bin/server', type: 'symlink', target: '/app/server.js' },
          ],
        },
      ],
    });
    const headStart = new PackageHeadStart();
    const { image: early, pending } = provisional(image, 2, [2]);
    headStart.onProvisional({ read: {}, images: [early], pending });
    expect(headStart.packagesOf(image).result).toEqual(packagesOfImage(image));
    expect(headStart.counts).toEqual({ patched: 1, afresh: 0, cold: 0 });
  });

  it('patches when the upper layers change no database, and starts afresh when they do', async () => {
    const patched = await imageOf(patchedUpstairs);
    const npm = await imageOf(npmUpstairs);
    const headStart = new PackageHeadStart();
    for (const [image, known] of [
      [patched, 2],
      [npm, 1],
    ] as const) {
      const read = {};
      // One layer still being read (the last one here): the guess is attributed at once.
      const { image: early, pending } = provisional(image, known, [known]);
      headStart.onProvisional({ read, images: [early], pending });
    }
    headStart.packagesOf(patched);
    headStart.packagesOf(npm);
    expect(headStart.counts).toEqual({ patched: 1, afresh: 1, cold: 0 });
  });

  it('hands each guess its package list early: the result keeps that list unless a package changed', async () => {
    const handed: (readonly unknown[])[] = [];
    const headStart = new PackageHeadStart({ onPackageList: (packages) => handed.push(packages) });
    // The top layer only adds a file no package owns: the list stays the one handed over.
    const image = await imageOf({
      ...patchedUpstairs,
      layers: [...patchedUpstairs.layers, { files: [{ path: 'srv/data.bin', content: bytes(64) }] }],
    });
    const early = provisional(image, image.layers.length - 1);
    headStart.onProvisional({ read: {}, images: [early.image], pending: early.pending });
    expect(handed).toHaveLength(1);
    const kept = headStart.packagesOf(image).result;
    expect(kept.packages).toBe(handed[0]);
    expect(kept).toEqual(packagesOfImage(image));
    // Here the layers still to come change what packages own: the result has a new list.
    const changed = await imageOf(patchedUpstairs);
    const lower = provisional(changed, 2, [2]);
    headStart.onProvisional({ read: {}, images: [lower.image], pending: lower.pending });
    expect(handed).toHaveLength(2);
    const result = headStart.packagesOf(changed).result;
    expect(result.packages).not.toBe(handed[1]);
    expect(result).toEqual(packagesOfImage(changed));
  });

  it('only applies the known layers while two are being read, and attributes once, when one is', async () => {
    const handed: (readonly unknown[])[] = [];
    const headStart = new PackageHeadStart({ onPackageList: (packages) => handed.push(packages) });
    // The pip layer below the top one brings databases: an attribution before it would be redone.
    const image = await imageOf({
      tags: ['example.com/two-pending:1'],
      layers: [
        { files: dpkgLayer([libc, coreutils]) },
        { files: npmPackageFiles('app', express) },
        { files: pipFiles },
        { files: [{ path: 'srv/data.bin', content: bytes(64) }] },
      ],
    });
    const read = {};
    const both = provisional(image, 2);
    headStart.onProvisional({ read, images: [both.image], pending: both.pending });
    expect(handed).toHaveLength(0);
    const last = provisional(image, 3);
    headStart.onProvisional({ read, images: [last.image], pending: last.pending });
    expect(handed).toHaveLength(1);
    const { result } = headStart.packagesOf(image);
    expect(result).toEqual(packagesOfImage(image));
    expect(result.packages).toBe(handed[0]);
    expect(headStart.counts).toEqual({ patched: 1, afresh: 0, cold: 0 });
  });

  it('attributes at once when the two layers still being read are one blob listed twice', async () => {
    const handed: (readonly unknown[])[] = [];
    const headStart = new PackageHeadStart({ onPackageList: (packages) => handed.push(packages) });
    const top = { files: [{ path: 'srv/data.bin', content: bytes(64) }] };
    const image = await imageOf({
      tags: ['example.com/twice:1'],
      layers: [{ files: dpkgLayer([libc, coreutils]) }, top, top],
    });
    expect(image.layers[1]?.entry).toBe(image.layers[2]?.entry);
    const early = provisional(image, 1);
    headStart.onProvisional({ read: {}, images: [early.image], pending: early.pending });
    expect(handed).toHaveLength(1);
    expect(headStart.packagesOf(image).result).toEqual(packagesOfImage(image));
  });

  it('gives no head start to a save of more than 64 images, so finding a guess stays cheap', async () => {
    const image = await imageOf(patchedUpstairs);
    const { image: early, pending } = provisional(image, 2);
    const headStart = new PackageHeadStart();
    headStart.onProvisional({ read: {}, images: Array.from({ length: 65 }, () => early), pending });
    expect(headStart.packagesOf(image).result).toEqual(packagesOfImage(image));
    expect(headStart.counts).toEqual({ patched: 0, afresh: 0, cold: 1 });
  });

  it('does not use a guess for an image whose lower layers are not the ones it saw', async () => {
    const image = await imageOf(patchedUpstairs);
    const other = await imageOf({
      ...patchedUpstairs,
      layers: [{ files: [{ path: 'x', content: 'y' }] }, ...patchedUpstairs.layers.slice(1)],
    });
    const headStart = new PackageHeadStart();
    const { image: early, pending } = provisional(other, 1);
    headStart.onProvisional({ read: {}, images: [early], pending });
    expect(headStart.packagesOf(image).result).toEqual(packagesOfImage(image));
    expect(headStart.counts).toEqual({ patched: 0, afresh: 0, cold: 1 });
  });
});

describe('PackageHeadStart on an image past the overlay caps', () => {
  it('names the image when the patch of its guess applies a repeated layer past the cap', () => {
    // The patch applied the remaining layers outside overlayOfImage, so its OVERLAY_TOO_LARGE
    // said only "layer 101 ...", whatever image of the archive it was.
    const files = FileList.fromRecords(Array.from({ length: 10_000 }, (_, i) => fileRecord(`d${i % 100}/f${i}`)));
    const diffId = `sha256:${'1'.repeat(64)}` as Digest;
    const layers = Array.from({ length: 150 }, (_, index) =>
      layerReport(index, [], null, { diffId, entry: 'blobs/sha256/one', files }),
    );
    const image = imageReport(layers, { tags: ['example.com/repeat:1'], platform: 'linux/arm64' });
    // The lower 60 listings are known (590,000 entries applied again, under the cap).
    const early = image.layers.map((layer, index) =>
      index < 60 ? { ...layer, entry: `known-${index}` } : { ...layer, entry: 'reading', files: FileList.empty },
    );
    const headStart = new PackageHeadStart();
    headStart.onProvisional({ read: {}, images: [{ ...image, layers: early }], pending: new Set(['reading']) });
    let error: unknown = null;
    try {
      headStart.packagesOf(image);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toMatchObject({ code: InputErrorCode.overlayTooLarge });
    expect((error as Error).message).toMatch(
      /^image example\.com\/repeat:1 \(linux\/arm64\): layer 101 \(sha256:1{64}\) is listed again/,
    );
    expect(headStart.counts).toEqual({ patched: 0, afresh: 0, cold: 0 });
  });
});

describe('OverlayBuilder', () => {
  it('remembers each changed path as it was before its first change', async () => {
    const image = await imageOf(patchedUpstairs);
    const builder = new OverlayBuilder();
    for (const layer of image.layers.slice(0, 2)) builder.apply(layer.files, layer.diffId);
    const before = new Map(builder.tree.refs);
    const changes = builder.trackChanges();
    for (const layer of image.layers.slice(2)) builder.apply(layer.files, layer.diffId);
    const changed = [...new Set([...before.keys(), ...builder.tree.keys()])].filter(
      (path) => before.get(path) !== builder.tree.refs.get(path),
    );
    // Every changed path is there; a path added then removed again is there too, unchanged.
    expect(changed.filter((path) => !changes.has(path))).toEqual([]);
    for (const [path, entry] of changes) expect(entry).toBe(before.get(path));
    expect(changes.has('opt/tool/new.bin')).toBe(true);
    expect(changes.get('usr/bin/ls')).toBeDefined();
  });
});

const root = resolve(import.meta.dirname, '../..');
const dist = join(root, 'dist/index.js');
describe.skipIf(!existsSync(dist))('head start on worker threads (built dist/)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'layerlens-head-start-'));
  // The top layer is the only blob over the threshold: the other worker is idle from the start.
  const withBigTop: ImageSpec = {
    ...debianApp,
    layers: [...debianApp.layers, { files: [{ path: 'srv/model.bin', content: Buffer.alloc(300_000, 7) }] }],
  };
  it.each(['docker-classic', 'docker25', 'oci', 'oci folder'] as const)(
    'hands over the lower layers while the top one is read, with the same result (%s)',
    async (format) => {
      const { bytes: archive } = await buildArchive(format === 'oci folder' ? 'oci' : format, [withBigTop]);
      let path = join(dir, `${format}.tar`);
      writeFileSync(path, archive);
      if (format === 'oci folder') {
        const folder = join(dir, 'unpacked');
        mkdirSync(folder, { recursive: true });
        execFileSync('tar', ['-xf', path, '-C', folder]);
        path = folder;
      }
      const script = `
        import { readArchive, packagesOfImage } from ${JSON.stringify(dist)};
        import { PackageHeadStart } from ${JSON.stringify(join(root, 'dist/packages/head-start.js'))};
        const path = ${JSON.stringify(path)};
        const headStart = new PackageHeadStart();
        let calls = 0;
        const onProvisional = (p) => { calls++; headStart.onProvisional(p); };
        const a = await readArchive(path, { workers: 2, workerThreshold: 100000, keepMetadata: true, onProvisional });
        const b = await readArchive(path, { workers: 0, keepMetadata: true });
        const same = JSON.stringify(headStart.packagesOf(a.images[0]).result) === JSON.stringify(packagesOfImage(b.images[0]));
        process.stdout.write(JSON.stringify({ same, calls, counts: headStart.counts }));
      `;
      const scriptPath = join(dir, `${format}.mjs`);
      writeFileSync(scriptPath, script);
      const run = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual({ same: true, calls: 1, counts: { patched: 1, afresh: 0, cold: 0 } });
    },
  );
});

describe('sharedPackageOverlays', () => {
  it('attributes a base that images share once, and gives each image what packagesOfImage gives', async () => {
    const [base, ...uppers] = patchedUpstairs.layers as [LayerSpec, ...LayerSpec[]];
    const tops: LayerSpec[] = [
      ...uppers,
      { files: [{ path: 'srv/data.bin', content: bytes(64) }] },
      { files: [{ path: 'usr/bin/.wh.cat', content: '' }] },
      { files: dpkgLayer([libc, coreutils, gcc]) },
    ];
    const specs: ImageSpec[] = tops.map((top, i) => ({ tags: [`example.com/svc${i}:1`], layers: [base, top] }));
    const { bytes: archive } = await buildArchive('docker-classic', [
      ...specs,
      { tags: ['example.com/base:1'], layers: [base] },
    ]);
    const { images } = await readArchive(Readable.from([archive]), { keepMetadata: true });
    expect(new Set(images.map((image) => image.layers[0]?.files)).size).toBe(1);
    const expected = images.map((image) => packagesOfImage(image));
    const attributed = vi.spyOn(PackageAttribution, 'of');
    const headStart = new PackageHeadStart();
    const shared = sharedPackageOverlays(images);
    expect(images.map((image) => headStart.packagesOf(image, shared).result)).toEqual(expected);
    // The base once; afresh, the images whose own layer brings databases (npm packages, a dpkg
    // status) and the last, which takes the base's own builder.
    expect(attributed).toHaveBeenCalledTimes(1 + 2 + 1);
  });
});
