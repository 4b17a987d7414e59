/**
 * Large but legal shapes that used to take quadratic time (issue 12's rule: work over archive or
 * report data stays near-linear, whatever its size): folders no entry lists nested deep, many
 * copies of one package, many layers made by the same step, many images against a baseline.
 * No deadlines in milliseconds (the machine is shared): where a shape once hung, its work is
 * counted (JSON parsed, blobs looked up, tags made), or it is timed against a benign input of the
 * same size in the same run (`slowdown`).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { compareTrees } from '../../src/diff/compare-files.js';
import { comparePackages, type PackageLike } from '../../src/diff/compare-packages.js';
import { FileList, type FileRecord } from '../../src/layer/file-list.js';
import { applyLayers, OverlayTree, type Overlay } from '../../src/layer/overlay.js';
import { MAX_NEW_FOLDER_CHARACTERS, MAX_REPEATED_ENTRIES } from '../../src/model/limits.js';
import { compareImages } from '../../src/diff/compare-images.js';
import { pairImages } from '../../src/diff/pair-images.js';
import { renderDiffHtml } from '../../src/report/diff-html.js';
import { auditImages } from '../../src/audit/audit-images.js';
import { FindingCode, findLayeringIssues } from '../../src/audit/findings.js';
import { parseAuditConfig } from '../../src/audit/config.js';
import type { PackageRecord } from '../../src/packages/types.js';
import type { Digest } from '../../src/model/digest.js';
import { fileRecord, imageReport, layerReport } from '../helpers/reports.js';
import { runCli } from '../helpers/cli.js';
import { devOnlyPackages, readAppManifests, readInstalledNpm } from '../../src/packages/npm.js';
import { MetadataTexts } from '../../src/packages/metadata-texts.js';
import { InputErrorCode, readArchive } from '../../src/index.js';
import { joinOciImages } from '../../src/read-archive.js';
import type { Problem } from '../../src/model/problem.js';
import type { ArchiveReport, LayerReport } from '../../src/model/image.js';
import { analyzeSharing, mergeImages } from '../../src/sharing/analyze-sharing.js';
import { BlobStore } from '../../src/format/blob-store.js';
import { longKeysPerCollection } from '../helpers/long-keys.js';
import {
  legacyManyImagesArchive,
  longOuterPathsArchive,
  longTagsArchive,
  repeatedIndexArchive,
  taggedFanoutArchive,
  repeatedLayerArchive,
  repeatedManifestArchive,
  sharedConfigArchive,
  tempFile,
} from './generators.js';

const file = (path: string): FileRecord => fileRecord(path, { size: 1 });

/**
 * Reads the archive `bytes` (written to a file) on the main thread: its report of one image, the
 * characters of JSON parsed (each blob once: at most the archive's size) and the blobs looked up
 * by digest (once per listing walked). Counted by wrapping JSON.parse and BlobStore's byDigest for
 * the read (not spies: those would keep every call's arguments).
 */
async function readCounted(
  name: string,
  bytes: Buffer,
): Promise<{ report: ArchiveReport; parsed: number; lookups: number }> {
  const path = tempFile(name, bytes);
  const { parse } = JSON;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- applied below with its store
  const { byDigest } = BlobStore.prototype;
  let parsed = 0;
  let lookups = 0;
  JSON.parse = (text: string, reviver?: Parameters<typeof parse>[1]): unknown => {
    parsed += text.length;
    return parse(text, reviver);
  };
  BlobStore.prototype.byDigest = function (this: BlobStore, digest) {
    lookups++;
    return byDigest.call(this, digest);
  };
  try {
    const report = await readArchive(path, { workers: 0 });
    expect(report.images).toHaveLength(1);
    return { report, parsed, lookups };
  } finally {
    JSON.parse = parse;
    BlobStore.prototype.byDigest = byDigest;
  }
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return null;
}

describe('deep folders no entry lists, and many copies of a package', () => {
  it('applies 4,000 files 4,000 folders deep that no entry lists', { timeout: 10_000 }, () => {
    // Each file used to climb every folder above it looking for a file to replace.
    const deep = 'd/'.repeat(4000);
    const files = Array.from({ length: 4000 }, (_, i) => file(`${deep}f${i}`));
    const overlay = applyLayers([files, [file(`${deep}f0`)]]);
    expect(overlay.tree.size).toBe(4000);
    expect(overlay.wastedSize).toBe(1);
  });

  it(
    "hands one file's bytes down 50,000 hard links as a layer removes its names one by one",
    { timeout: 10_000 },
    () => {
      // Each removal of the name that holds the bytes passes them to the next name still there:
      // a search from the first name each time was quadratic.
      const count = 50_000;
      const links = Array.from({ length: count }, (_, i) => fileRecord(`l${i}`, { type: 'hardlink', linkTarget: 'f' }));
      const gone = (path: string): FileRecord => fileRecord(`.wh.${path}`, { size: 0, whiteout: 'delete' });
      const removals = [gone('f'), ...Array.from({ length: count - 1 }, (_, i) => gone(`l${i}`))];
      const overlay = applyLayers([[fileRecord('f', { size: 100 }), ...links], removals]);
      expect([overlay.tree.size, overlay.visibleSize, overlay.wastedSize]).toEqual([1, 100, 0]);
    },
  );

  it('stops an image whose paths are each 2,000 new folders deep, within PATH_MAX', { timeout: 10_000 }, () => {
    // Every new folder is a key hashed in full, so each path cost its length times its depth: 2,000
    // such paths (a 10 MB archive) took audit 27.6 s.
    const paths = Array.from({ length: 2000 }, (_, i) => file(`x${i}/${'a/'.repeat(1990)}f`));
    const error = thrownBy(() => applyLayers([paths]));
    expect(error).toMatchObject({ code: InputErrorCode.overlayTooLarge });
    expect(String(error)).toMatch(/^InputError: layer 0: the folders of x\d+\/a\/a/);
    // Below the cap, the same shape is applied as before.
    expect(MAX_NEW_FOLDER_CHARACTERS).toBeGreaterThan(16 * 1990 ** 2);
    expect(applyLayers([paths.slice(0, 16)]).tree.size).toBe(16);
  });

  it('folds 4,000 new files 4,000 folders deep into one added folder', { timeout: 10_000 }, () => {
    // Each file used to climb all 4,000 missing folders: 16 million steps (over two minutes).
    const deep = 'd/'.repeat(4000);
    const files = Array.from({ length: 4000 }, (_, i) => file(`${deep}f${i}`));
    const diff = compareTrees(applyLayers([[file('x')]]), applyLayers([[file('x'), ...files]]));
    expect(diff.added).toHaveLength(4000);
    expect(diff.folders).toEqual([
      { folder: 'd/', status: 'added', sizeDelta: 4000, added: 4000, removed: 0, changed: 0 },
    ]);
  });

  it('folds files removed under a deep folder, and keeps existing folders apart', { timeout: 10_000 }, () => {
    const deep = 'k/'.repeat(3000);
    const gone = Array.from({ length: 3000 }, (_, i) => file(`${deep}g/f${i}`));
    const diff = compareTrees(
      applyLayers([[file(`${deep}stay`), ...gone]]),
      applyLayers([[file(`${deep}stay`), file(`${deep}new`)]]),
    );
    expect(diff.folders).toEqual([
      { folder: `${deep}g/`, status: 'removed', sizeDelta: -3000, added: 0, removed: 3000, changed: 0 },
      { folder: deep, status: 'changed', sizeDelta: 1, added: 1, removed: 0, changed: 0 },
    ]);
  });

  it('folds 400 new files, each under its own chain of 2,000 folders', { timeout: 5_000 }, () => {
    // Every folder of every path was hashed as a whole path, 4 MB of hashing per path: 400 took
    // 7 to 11 s.
    // The trees are built by hand: applyLayers itself climbs each new chain the same way.
    const treeOf = (paths: readonly string[]): Overlay => {
      const tree = new OverlayTree();
      const start = tree.addLayer(FileList.fromRecords(paths.map(file)));
      paths.forEach((path, i) => tree.refs.set(path, start + i));
      return { tree, hidden: [], totalSize: 0, visibleSize: 0, wastedSize: 0, efficiency: 1 };
    };
    const chain = 'a/'.repeat(1999);
    const paths = Array.from({ length: 400 }, (_, i) => `x${String(i).padStart(3, '0')}/${chain}f`);
    const diff = compareTrees(treeOf(['f']), treeOf(['f', ...paths]));
    expect(diff.added).toHaveLength(400);
    expect(diff.folders).toHaveLength(400);
    expect(diff.folders[399]).toEqual({
      folder: 'x399/',
      status: 'added',
      sizeDelta: 1,
      added: 1,
      removed: 0,
      changed: 0,
    });
  });

  it('diff --html lists 1,500 files added beside one 2,000 folders deep', { timeout: 5_000 }, () => {
    // Each path's row was found by looking up every folder above it, each a new string hashed
    // whole: 4 MB of hashing per path, 10 s for the page.
    const deep = 'a/'.repeat(1999);
    const added = Array.from({ length: 1500 }, (_, i) => file(`${deep}f${i}`));
    const diff = compareImages(
      imageReport([layerReport(0, [file(`${deep}keep`)])]),
      imageReport([layerReport(0, [file(`${deep}keep`), ...added])]),
    );
    const html = renderDiffHtml({ comparisons: [diff], unpaired: [] }, 'deep');
    expect(html).toContain(`<code>${deep}</code>: 1500 added, 0 removed, 0 changed`);
    expect(html).toContain(`<li><code>+ ${deep}f0 (1 B)</code></li>`);
    expect(html).toContain('<li>and 1000 more (see --json)</li>');
  });

  it('pairs 100,000 copies of one npm name without a quadratic search', { timeout: 10_000 }, () => {
    // npm nests one copy per dependent; a report may list any number of them.
    const pkg = (version: string): PackageLike => ({ ecosystem: 'npm', name: 'ms', version, size: 1 });
    const from = Array.from({ length: 100_000 }, (_, i) => pkg(`1.${i}`));
    const to = Array.from({ length: 100_000 }, (_, i) => pkg(`1.${99_999 - i}`)).concat([pkg('9.9')]);
    const diff = comparePackages(from, to);
    expect(diff.changed).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.added).toEqual([{ ecosystem: 'npm', name: 'ms', version: '9.9', size: 1 }]);
  });
});

describe('many layers, packages and images', () => {
  it('a legacy docker save of 6,000 images, each with its own config', { timeout: 15_000 }, async () => {
    // Each image parsed every top-level config until its own: 18 million parses (over 30 s).
    const path = tempFile('legacy-many.tar', await legacyManyImagesArchive(6000));
    const run = await runCli(['inspect', '--json', '-q', path]);
    expect(run.code).toBe(0);
    const images = (
      JSON.parse(run.stdout) as { archives: { images: { tags: string[]; layers: { createdBy: string }[] }[] }[] }
    ).archives[0]?.images;
    expect(images).toHaveLength(6000);
    expect(images?.find((image) => image.tags.includes('legacy/many:t5999'))?.layers[0]?.createdBy).toBe(
      'RUN make 5999',
    );
  });

  it('diff pairs 100,000 layers made by the same step', { timeout: 20_000 }, () => {
    // Each layer searched the step's list from its start for an unpaired one: 5 billion steps.
    const layers = (tag: string) =>
      Array.from({ length: 100_000 }, (_, i) =>
        layerReport(i, [], 'RUN make', {
          diffId: `sha256:${tag}${String(i).padStart(63, '0')}` as Digest,
          contentSize: 1,
        }),
      );
    const diff = compareImages(imageReport(layers('a')), imageReport(layers('b')));
    expect(diff.steps).toHaveLength(100_000);
    expect(diff.steps.every((step) => step.index !== null && step.sizeDelta === 0)).toBe(true);
  });

  it('audit forbids 500,000 packages, half of them failing', { timeout: 10_000 }, () => {
    // The warning list dropped each failing package with a search of the failing list.
    const packages: PackageRecord[] = Array.from({ length: 500_000 }, (_, i) => ({
      ecosystem: 'npm',
      name: `${i % 2 === 0 ? 'f' : 'w'}${i}`,
      version: '1',
      size: 1,
      fileCount: 1,
      layerIndex: 0,
    }));
    const image = imageReport([layerReport(0, [fileRecord('a')])], {
      packages: { packages, unownedSize: 0, unownedByFolder: [], problems: [] },
    });
    const config = parseAuditConfig({ budgets: [{ forbidPackages: { warn: ['npm:*'], fail: ['npm:f*'] } }] }, 'test');
    const [audit] = auditImages([image], { config, baseline: [], bases: new Map() }).images;
    expect(audit?.rules.find((r) => r.rule === 'forbidPackages')).toMatchObject({ status: 'fail', value: 500_000 });
  });

  it('audit finds the baselines of 20,000 images among 20,000', { timeout: 10_000 }, () => {
    // Each image searched the whole baseline, twice, taking a tag apart per comparison.
    const image = (i: number, config: Digest | null): ReturnType<typeof imageReport> =>
      imageReport([layerReport(0, [], null, { contentSize: i })], {
        tags: [`registry.example/team/app${i}:v${config === null ? 2 : 1}`],
        configDigest: config,
      });
    const images = Array.from({ length: 20_000 }, (_, i) => image(i, null));
    const baseline = Array.from({ length: 20_000 }, (_, i) =>
      image(i, `sha256:${String(i).padStart(64, '0')}` as Digest),
    );
    const config = parseAuditConfig({ budgets: [{ maxGrowth: { fail: '10%' } }] }, 'test');
    const result = auditImages(images, { config, baseline, bases: new Map() });
    expect(result.images.map((a) => a.baseline?.tags[0])).toEqual(
      images.map((_, i) => `registry.example/team/app${i}:v1`),
    );
  });
});

describe('audit findings', () => {
  it('names 200 layers of 40 kB history steps in 20,000 groups of hidden copies', { timeout: 10_000 }, () => {
    // Each group's finding described its layer's step again: 300 such layers took audit 95 s.
    const count = 200;
    const layers = Array.from({ length: count }, (_, j) => [
      ...Array.from({ length: j }, (_, i) => file(`p/${i}_${j}`)),
      ...Array.from({ length: count - 1 - j }, (_, k) => file(`p/${j}_${j + 1 + k}`)),
    ]);
    const step = `RUN ${'x '.repeat(20_000)}`;
    const image = imageReport(layers.map((files, i) => layerReport(i, files, step)));
    const findings = findLayeringIssues(image, applyLayers(layers));
    expect(findings.filter((f) => f.code === FindingCode.overwritten)).toHaveLength((count * (count - 1)) / 2);
    expect(findings[0]?.message).toMatch(/^layer \d+ \(RUN x x x .{30,}…\) ships 1 file that layer \d+ replaces/);
  });
});

describe('npm dependency graphs', () => {
  it('walks 50,000 packages in one chain of dependencies, each nested in the one before', { timeout: 10_000 }, () => {
    // Every name resolves by climbing its node_modules folders: capped, so a chain nested as deep
    // as the input stays linear, and the walk uses a queue, not recursion.
    const texts = new Map<string, string>([
      ['app/package.json', JSON.stringify({ dependencies: {}, devDependencies: { p0: '1' } })],
    ]);
    let folder = 'app';
    for (let i = 0; i < 50_000; i++) {
      folder = i < 2_000 ? `${folder}/node_modules/p${i}` : `app/node_modules/p${i}`;
      texts.set(`${folder}/package.json`, JSON.stringify({ name: `p${i}`, dependencies: { [`p${i + 1}`]: '1' } }));
    }
    const databases = MetadataTexts.of(texts);
    const [app] = readAppManifests(databases);
    if (!app) throw new Error('no app manifest');
    const devOnly = devOnlyPackages(app, readInstalledNpm(databases));
    // The 2,000 nested ones each find the next in their own node_modules; from 2,000 folders down,
    // the flat p2000 is further up than a name is looked for (64 node_modules), so the walk stops.
    expect(devOnly.size).toBe(2_000);
    expect(devOnly.has('app/node_modules/p0')).toBe(true);
  });
});

describe('archives that name one manifest or config many times', () => {
  it('stops an image that lists one layer of 10,000 entries 1,000 times', { timeout: 10_000 }, () => {
    // Each listing applied all its entries again: 100,000 entries 1,000 times took audit 38.8 s.
    const list = FileList.fromRecords(Array.from({ length: 10_000 }, (_, i) => file(`d${i % 100}/f${i}`)));
    const layers = Array.from({ length: 1000 }, () => list);
    const keys = layers.map(() => `sha256:${'1'.repeat(64)}`);
    const error = thrownBy(() => applyLayers(layers, keys));
    expect(error).toMatchObject({ code: InputErrorCode.overlayTooLarge });
    expect(String(error)).toMatch(/^InputError: layer 101 \(sha256:1{64}\) is listed again/);
    // Up to the cap, each listing is applied as before: the last one's copies are the visible ones.
    const most = applyLayers(layers.slice(0, MAX_REPEATED_ENTRIES / 10_000 + 1), keys);
    expect(most.tree.get('d0/f0')?.layerIndex).toBe(100);
    expect(most.hidden).toEqual([]);
  });

  it('audit of an archive listing one layer 500 times says so in one line', { timeout: 10_000 }, async () => {
    const path = tempFile('repeated-layer.tar', await repeatedLayerArchive(2100, 500));
    const run = await runCli(['audit', '-q', path]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^layerlens: image repeated:layer \(linux\/amd64\): layer 477 \(sha256:[0-9a-f]{64}\) is listed again: .* over 1000000 entries/,
    );
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('an OCI index listing one manifest 20,000 times, each with its own tag', { timeout: 10_000 }, async () => {
    // Each repeat rebuilt the image's tag list from all the tags before it: 200 million copies.
    const path = tempFile('repeated-manifest.tar', await repeatedManifestArchive(20_000));
    const report = await readArchive(path, { workers: 0 });
    expect(report.images).toHaveLength(1);
    expect(report.images[0]?.tags).toEqual(Array.from({ length: 20_000 }, (_, i) => `t${i}`));
  });

  it('an OCI index listing one manifest of 5,000 layers 2,000 times', { timeout: 10_000 }, async () => {
    // Each listing parsed the manifest again (10 million layer descriptors): 6.7 s.
    const bytes = await repeatedManifestArchive(2_000, 5_000);
    const { report, parsed, lookups } = await readCounted('repeated-big-manifest.tar', bytes);
    expect(report.images[0]?.layers).toHaveLength(5_000);
    expect(report.images[0]?.tags).toEqual(Array.from({ length: 2_000 }, (_, i) => `t${i}`));
    expect(parsed).toBeLessThan(bytes.length);
    expect(lookups).toBeLessThan(3 * (2_000 + 5_000));
  });

  it(
    'an OCI index listed 2,000 times with a tag each, listing one manifest 2,000 times',
    { timeout: 10_000 },
    async () => {
      // Each tag walked the whole nested index again, parsing each listing of the manifest: 9.2 s.
      const bytes = await repeatedIndexArchive(2_000, 2_000);
      const { report, parsed, lookups } = await readCounted('repeated-index.tar', bytes);
      expect(report.images[0]?.tags).toEqual(Array.from({ length: 2_000 }, (_, i) => `t${i}`));
      expect(report.problems).toEqual([]);
      expect(parsed).toBeLessThan(bytes.length);
      expect(lookups).toBeLessThan(3 * (2_000 + 2_000));
    },
  );

  it(
    'an OCI index listed 3,000 times with a tag each, over 3,000 untagged indexes of one manifest',
    { timeout: 15_000 },
    async () => {
      // Each tag walked all 3,000 indexes below again: 9 million steps for one image (2,000: 5.7 s).
      const bytes = await taggedFanoutArchive(3_000, 3_000);
      const { report, parsed, lookups } = await readCounted('tagged-fanout.tar', bytes);
      expect(report.problems.map((p) => [p.code, p.severity])).toEqual([['INVALID_MANIFEST', 'error']]);
      expect(report.problems[0]?.message).toMatch(/hand their tags down more than 100000 times/);
      // The tags handed down before the cap are kept, in order.
      const tags = report.images[0]?.tags ?? [];
      expect(tags.slice(0, 3)).toEqual(['t0', 't1', 't2']);
      expect(tags.length).toBeLessThan(100);
      expect(parsed).toBeLessThan(bytes.length);
      // The walks stop at the cap: 100,000 listings handed tags, not 9 million.
      expect(lookups).toBeLessThan(150_000);
    },
  );

  it('2,000 tags of 16,400 characters on one manifest are left out, with an error', { timeout: 10_000 }, async () => {
    // V8 hashes strings past 16,383 characters by length: the manifest's set of tags collided, 15 s.
    const path = tempFile('long-tags.tar', await longTagsArchive(2, 1_000));
    const { result: report, mostLongKeys } = await longKeysPerCollection(() => readArchive(path, { workers: 0 }));
    expect(mostLongKeys).toBeLessThan(10);
    expect(report.images).toHaveLength(1);
    expect(report.images[0]?.tags).toEqual([]);
    expect(report.problems.map((p) => [p.code, p.severity])).toEqual([
      ['INVALID_MANIFEST', 'error'],
      ['INVALID_MANIFEST', 'error'],
    ]);
    expect(report.problems[0]?.message).toMatch(/names 1000 tags longer than 4096 characters/);
  });

  it('joins 40,000 docker save images against 40,000 OCI manifests of another config', { timeout: 5_000 }, () => {
    // Each manifest.json image searched every OCI manifest for its twin: 1.6 billion comparisons.
    const config = (c: string) => `sha256:${c.repeat(64)}` as Digest;
    const docker = Array.from({ length: 40_000 }, (_, i) =>
      imageReport([], { tags: [`d${i}:x`], configDigest: config('d') }),
    );
    const oci = Array.from({ length: 40_000 }, (_, i) =>
      imageReport([], {
        tags: [],
        configDigest: config('o'),
        manifestDigest: `sha256:${String(i).padStart(64, '0')}` as Digest,
      }),
    );
    const twin = imageReport([], { tags: ['twin:x'], configDigest: config('o') });
    const problems: Problem[] = [];
    const joined = joinOciImages(problems, [...docker, twin], oci);
    expect(joined).toHaveLength(80_000);
    expect(joined[0]).toBe(docker[0]);
    // The first OCI manifest of the config is the twin, as before; the others stay unmatched.
    expect(joined[40_000]?.manifestDigest).toBe(oci[0]?.manifestDigest);
    expect(joined.slice(40_001)).toEqual(oci.slice(1));
    expect(problems).toEqual([]);
  });

  it('5,000 docker save images of one config joined with an OCI manifest of 5,000 tags', { timeout: 10_000 }, () => {
    // Each image took all the OCI tags: 25 million tags out of 10,000 listings (8,000 of each in
    // a 3.4 MB archive: inspect 37 s, 637 MB; --json 2 GB). The first image of the config takes them.
    const config = `sha256:${'c'.repeat(64)}` as Digest;
    const docker = Array.from({ length: 5_000 }, (_, i) =>
      imageReport([], { tags: [`d${i}:x`], configDigest: config }),
    );
    const ociTags = Array.from({ length: 5_000 }, (_, i) => `t${i}`);
    const manifestDigest = `sha256:${'m'.repeat(64)}` as Digest;
    const oci = [imageReport([], { tags: ociTags, configDigest: config, manifestDigest })];
    const joined = joinOciImages([], docker, oci);
    expect(joined).toHaveLength(5_000);
    expect(joined[0]?.tags).toEqual(['d0:x', ...ociTags]);
    expect(joined[1]?.tags).toEqual(['d1:x']);
    expect(joined.every((image) => image.manifestDigest === manifestDigest)).toBe(true);
    // Counted, not timed: the tags made, one per tag given.
    expect(joined.reduce((sum, image) => sum + image.tags.length, 0)).toBe(10_000);
  });

  it('400 manifest.json images naming one config of 100,000 history steps', { timeout: 10_000 }, async () => {
    // The config was parsed again for each image, and each image kept its own copy of the history.
    const path = tempFile('shared-config.tar', await sharedConfigArchive(400, 100_000));
    const report = await readArchive(path, { workers: 0 });
    expect(report.images).toHaveLength(400);
    const [first] = report.images;
    expect(first?.history).toHaveLength(100_000);
    expect(report.images.every((image) => image.history === first?.history)).toBe(true);
  });
});

describe('saved reports', () => {
  /** A one-line `inspect --json --files --hash` report of one image of one layer holding `paths`. */
  const savedReport = (paths: readonly string[]): string =>
    JSON.stringify({
      schemaVersion: 1,
      archives: [
        {
          path: 'x.tar',
          images: [
            {
              tags: ['x:1'],
              layers: [
                {
                  diffId: `sha256:${'1'.repeat(64)}`,
                  contentSize: paths.length,
                  files: paths.map((path) => ({ path, type: 'file', size: 1, sha256: '0'.repeat(64) })),
                },
              ],
            },
          ],
        },
      ],
    });

  it('turns away a report whose paths are longer than PATH_MAX, as a layer would be', { timeout: 5_000 }, async () => {
    // Paths of 16,400 characters collided in every map keyed by path (V8 hashes such strings by
    // length alone): diffing two reports of 1,000 of them took 2.6 s, of 2,000 16 s.
    const long = 'a'.repeat(16_400);
    const paths = Array.from({ length: 1000 }, (_, i) => `app/${long}${String(i).padStart(7, '0')}`);
    const report = tempFile('long-paths.json', savedReport(paths));
    // PATH_MAX itself is a path like any other.
    const longest = tempFile('longest-path.json', savedReport([`a/${'b'.repeat(4094)}`]));
    expect((await runCli(['diff', longest, longest])).code).toBe(0);
    const run = await runCli(['diff', longest, report]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `layerlens: ${report} is not a layerlens inspect --json report: ${report} archives[0].images[0].layers[0].files[0].path is 16411 characters long, over Linux's PATH_MAX (4096): no layer can hold it\n`,
    );
  });
});

describe('texts of one length past 16,383 characters (V8 hashes them by length alone)', () => {
  /** `count` distinct texts of 16,411 characters: a shared run of `a`, then a number. */
  const longTexts = (count: number, head = ''): string[] =>
    Array.from({ length: count }, (_, i) => `${head}${'a'.repeat(16_400)}${String(i).padStart(7, '0')}`);

  it('diff pairs 2,000 packages by name and 2,000 copies of one name by version', { timeout: 5_000 }, () => {
    // Each name (then each version) was a map key colliding with all the others, and each lookup
    // compared 16 KB strings: 1,000 names took 8 s, 2,000 45 s; 2,000 versions 12 s.
    const names = longTexts(2000);
    const byName = comparePackages(
      names.map((name) => ({ ecosystem: 'npm', name, version: '1', size: 1 })),
      names.map((name) => ({ ecosystem: 'npm', name, version: '2', size: 1 })),
    );
    expect(byName.changed).toHaveLength(2000);
    expect(byName.added).toEqual([]);
    const copies = comparePackages(
      names.map((version) => ({ ecosystem: 'npm', name: 'ms', version, size: 1 })),
      names.map((version) => ({ ecosystem: 'npm', name: 'ms', version, size: 2 })),
    );
    expect(copies.changed).toHaveLength(2000);
    expect(copies.changed.every((change) => change.fromVersion === change.toVersion)).toBe(true);
  });

  it('diff pairs 2,000 layers each made by its own step', { timeout: 5_000 }, () => {
    // Step texts keyed the pairing: 2,000 layers took 8.4 s, 4,000 39 s.
    const steps = longTexts(2000, 'RUN ');
    const layers = (tag: string) =>
      steps.map((step, i) =>
        layerReport(i, [], step, { diffId: `sha256:${tag}${String(i).padStart(63, '0')}` as Digest, contentSize: 1 }),
      );
    const diff = compareImages(imageReport(layers('a')), imageReport(layers('b')));
    expect(diff.steps).toHaveLength(2000);
    expect(diff.steps.every((step) => step.index !== null && step.sizeDelta === 0)).toBe(true);
  });

  it('diff pairs 2,000 images by platform', { timeout: 5_000 }, () => {
    // Platforms keyed the pairing: 1,000 images took 3.9 s, 2,000 11.8 s.
    const platforms = longTexts(2000, 'linux/');
    const images = platforms.map((platform) => imageReport([], { platform }));
    const { pairs, unpaired } = pairImages(images, [...images].reverse(), { from: 'old', to: 'new' });
    expect(pairs).toHaveLength(2000);
    expect(pairs.every((pair) => pair.from === pair.to)).toBe(true);
    expect(unpaired).toEqual([]);
  });
});

describe('outer archive entry paths', () => {
  it(
    '3,000 outer entries with 16,400-character paths: the archive is refused at the first',
    { timeout: 10_000 },
    async () => {
      // Every map keyed by entry path collided on them (V8 hashes such strings by length): 11 s.
      const bytes = await longOuterPathsArchive(3_000, 16_400);
      const path = tempFile('long-outer-paths.tar', bytes);
      const { result: error, mostLongKeys } = await longKeysPerCollection(() =>
        readArchive(path, { workers: 0 }).catch((e: unknown) => e),
      );
      expect(mostLongKeys).toBeLessThan(10);
      expect(error).toMatchObject({ code: InputErrorCode.notAnArchive });
      const why =
        /: entry junk\/a{94}…: its path is 16400 characters long, over Linux's PATH_MAX \(4096\) at byte 0 \(/;
      expect((error as Error).message).toMatch(why);
      // The same from a stream (stdin, a whole-file gzip).
      await expect(readArchive(Readable.from([bytes]), { workers: 0 })).rejects.toThrow(why);
    },
  );
});

describe('share', () => {
  it('the pairwise matrix of 500 images, each listing one layer 1,000 times', { timeout: 5_000 }, () => {
    // Each of the 250,000 cells built a set of one image's 1,000 rows and walked the other's (8.7 s).
    const layer = layerReport(0, [], 'RUN x', { digest: `sha256:${'a'.repeat(64)}` as Digest, contentSize: 7 });
    const images = Array.from({ length: 500 }, (_, i) =>
      imageReport(Array<LayerReport>(1000).fill(layer), {
        tags: [`i${i}:latest`],
        configDigest: `sha256:${String(i).padStart(64, '0')}` as Digest,
      }),
    );
    const report = analyzeSharing(mergeImages(images.map((image) => ({ image, source: 'test' }))));
    expect(report.matrix).toHaveLength(500);
    expect(report.matrix?.every((row) => row.length === 500 && row.every((cell) => cell === 7))).toBe(true);
  });

  /** Images on `base` shared layers, image i also holding link layers i and i + 1: each its own class of one. */
  const linkedImages = (count: number, base: number) => {
    const digest = (first: string, i: number) => `sha256:${first}${String(i).padStart(63, '0')}` as Digest;
    const layer = (d: Digest) => layerReport(0, [], null, { digest: d, compression: 'gzip', contentSize: 1 });
    const bases = Array.from({ length: base }, (_, i) => layer(digest('0', i)));
    const link = (i: number) => layer(digest('f', i));
    return Array.from({ length: count }, (_, i) =>
      imageReport([...bases, link(i), link(i + 1)], {
        tags: [`i${i}:1`],
        configDigest: digest('c', i),
      }),
    );
  };

  it('the most-shared pairs of 6,000 images that each form a class of their own', { timeout: 5_000 }, () => {
    // 6,000 classes hold one layer: 18 million class pairs, each summed in a Map, which overflowed
    // ("Map maximum size exceeded", exit 70) after 15 s and 1 GB.
    const images = linkedImages(6000, 1);
    const report = analyzeSharing(mergeImages(images.map((image) => ({ image, source: 'test' }))));
    expect(report.pairsExact).toBe(true);
    const id = (i: number) => report.images[i]?.id;
    expect(report.pairs).toEqual(Array.from({ length: 20 }, (_, j) => ({ images: [id(j), id(j + 1)], sharedSize: 2 })));
  });

  it(
    'the most-shared pairs of 2,000 classes whose 230 shared layers each spell 16,500 characters',
    { timeout: 4_000 },
    () => {
      // A class was found by its shared keys joined: 2,000 strings of one length past 16,383
      // characters, which V8 hashes by length alone, differing only in their last keys.
      const images = linkedImages(2000, 230);
      const report = analyzeSharing(mergeImages(images.map((image) => ({ image, source: 'test' }))));
      expect(report.pairsExact).toBe(false);
      const id = (i: number) => report.images[i]?.id;
      expect(report.pairs).toEqual(
        Array.from({ length: 20 }, (_, j) => ({ images: [id(0), id(j + 1)], sharedSize: 10 })),
      );
    },
  );

  it('merges one image seen in 3 inputs under 1,000 tags of 18,000 characters each', { timeout: 3_000 }, () => {
    // The merged tags were a Set: 3,000 strings of one length past 16,383 characters, which V8
    // hashes by length alone, differing only at their end.
    const prefix = `r:${'t'.repeat(18_000)}`;
    const layer = layerReport(0, [], null, { diffId: `sha256:${'b'.repeat(64)}` as Digest, contentSize: 1 });
    const seen = (input: number) =>
      imageReport([layer], {
        tags: Array.from({ length: 1000 }, (_, i) => `${prefix}${String(input * 1000 + i).padStart(7, '0')}`),
        configDigest: `sha256:${'c'.repeat(64)}` as Digest,
      });
    const [merged] = mergeImages([0, 1, 2, 1].map((input) => ({ image: seen(input), source: `s${input}` })));
    expect(merged?.image.tags).toEqual([0, 1, 2].flatMap((input) => seen(input).tags));
    expect(merged?.sources).toEqual(['s0', 's1', 's2']);
  });

  it('an image of 1,000 layers without diff id or digest, on a 20,000-character platform', { timeout: 3_000 }, () => {
    // Each layer's key was `unknown:<image id>:<i>`: 1,000 keys of one length past 16,383
    // characters, which V8 hashes by length alone, colliding in every map of the index (18 s).
    const layers = Array.from({ length: 1000 }, (_, i) => layerReport(i, [], null, { contentSize: 1 }));
    const image = imageReport(layers, {
      configDigest: `sha256:${'a'.repeat(64)}` as Digest,
      platform: `linux/${'x'.repeat(20_000)}`,
    });
    const report = analyzeSharing(mergeImages([{ image, source: 'test' }]));
    expect(report.layers).toHaveLength(1000);
    expect(report.images[0]?.size).toBe(1000);
  });

  it('1,000 images without a config digest, each first tag 20,000 characters long', { timeout: 3_000 }, () => {
    // Their ids `untagged:<tag>|<platform>` collided in every map keyed by image id (9.1 s).
    const layer = layerReport(0, [], null, { diffId: `sha256:${'b'.repeat(64)}` as Digest, contentSize: 1 });
    const prefix = `r:${'t'.repeat(20_000)}`;
    const images = Array.from({ length: 1000 }, (_, i) =>
      imageReport([layer], { tags: [`${prefix}${String(i).padStart(7, '0')}`], configDigest: null }),
    );
    const report = analyzeSharing(mergeImages(images.map((image) => ({ image, source: 'test' }))));
    expect(report.images).toHaveLength(1000);
    expect(report.layers[0]?.images).toHaveLength(1000);
  });
});
