import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../../src/index.js';
import { buildArchive, type FixtureFormat } from '../helpers/fixture-builder.js';
import { runCli } from '../helpers/cli.js';
import { sampleImages } from '../helpers/specs.js';

const scratch = mkdtempSync(join(tmpdir(), 'layerlens-folder-'));
const corpus = resolve(import.meta.dirname, '../../../shared/corpus');
let unpacked = 0;

/** Unpacks a tar (any compression GNU tar reads) into a fresh folder, as a user would. */
function untar(archive: string): string {
  const folder = join(scratch, `unpacked-${unpacked++}`);
  mkdirSync(folder);
  execFileSync('tar', ['-C', folder, '-xf', archive]);
  return folder;
}

/**
 * `inspect --json` minus what names the input: its path, and the entry count (tar writers
 * differ on whether `./` itself is an entry; a folder walk counts what is inside the folder).
 */
async function inspectJson(input: string, extra: string[] = []): Promise<unknown> {
  const run = await runCli(['inspect', '--json', ...extra, input]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout) as { archives: Record<string, unknown>[] };
  for (const archive of report.archives) {
    delete archive['path'];
    delete archive['entryCount'];
  }
  return report;
}

const corpusArchives = ['real', 'external'].flatMap((area) =>
  existsSync(join(corpus, area))
    ? readdirSync(join(corpus, area))
        .filter((name) => /\.tar(\.gz)?$/.test(name) && !name.startsWith('broken.'))
        .map((name) => join(area, name))
    : [],
);

describe('a folder input', () => {
  it('is tested on at least one OCI layout and one dir: copy of the corpus', async () => {
    const formats = new Set<string>();
    for (const name of corpusArchives) formats.add((await readArchive(join(corpus, name), { verify: false })).format);
    if (corpusArchives.length > 0) expect([...formats]).toEqual(expect.arrayContaining(['oci-layout', 'docker-dir']));
  });

  it.each(corpusArchives)('reads corpus %s unpacked exactly as the archive, verified and not', async (name) => {
    const archive = join(corpus, name);
    const { format } = await readArchive(archive, { verify: false });
    if (format !== 'oci-layout' && format !== 'docker-dir') return; // folders of these formats only
    const folder = untar(archive);
    expect(await inspectJson(folder)).toEqual(await inspectJson(archive));
    expect(await inspectJson(folder, ['--no-verify'])).toEqual(await inspectJson(archive, ['--no-verify']));
  });

  it.each(['oci', 'docker-dir', 'docker25', 'podman'] as const satisfies readonly FixtureFormat[])(
    'reads an unpacked %s fixture exactly as the archive',
    async (format) => {
      const images = sampleImages(format === 'oci' ? 'gzip' : 'none');
      // A dir: copy holds one image.
      const { bytes } = await buildArchive(format, format === 'docker-dir' ? images.slice(1) : images);
      const archive = join(scratch, `${format}.tar`);
      writeFileSync(archive, bytes);
      const folder = untar(archive);
      expect(await inspectJson(folder)).toEqual(await inspectJson(archive));
      expect(await inspectJson(folder, ['--no-verify'])).toEqual(await inspectJson(archive, ['--no-verify']));
    },
  );

  it('follows a symlink that stays inside the folder', async () => {
    const { bytes } = await buildArchive('oci', sampleImages());
    const archive = join(scratch, 'linked.tar');
    writeFileSync(archive, bytes);
    const folder = untar(archive);
    execFileSync('mv', [join(folder, 'index.json'), join(folder, 'real-index.json')]);
    symlinkSync('real-index.json', join(folder, 'index.json'));
    expect(await inspectJson(folder)).toEqual(await inspectJson(archive));
  });

  it.each([
    [
      'an absolute path',
      (folder: string) => {
        symlinkSync('/etc/passwd', join(folder, 'index.json'));
      },
    ],
    [
      'a path above it',
      (folder: string) => {
        symlinkSync('../../outside', join(folder, 'blobs', 'evil'));
      },
    ],
    [
      'a folder outside (never descended into)',
      (folder: string) => {
        symlinkSync('/etc', join(folder, 'etc'));
      },
    ],
  ])('refuses a symlink to %s, naming the entry', async (_what, plant) => {
    const { bytes } = await buildArchive('oci', sampleImages());
    const archive = join(scratch, `escape-${unpacked}.tar`);
    writeFileSync(archive, bytes);
    const folder = untar(archive);
    execFileSync('rm', ['-f', join(folder, 'index.json')]);
    plant(folder);
    const run = await runCli(['inspect', folder]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/is a symlink to .*, outside the folder/);
    expect(run.stderr).toMatch(/index\.json|blobs\/evil|\/etc /);
  });

  it('refuses an empty folder with one line', async () => {
    const folder = join(scratch, 'empty');
    mkdirSync(folder);
    const run = await runCli(['inspect', folder]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/is an empty folder/);
  });

  it('never opens a FIFO inside the folder (it would wait forever)', async () => {
    const { bytes } = await buildArchive('oci', sampleImages());
    const archive = join(scratch, 'fifo.tar');
    writeFileSync(archive, bytes);
    const folder = untar(archive);
    execFileSync('mkfifo', [join(folder, 'blobs', 'pipe')]);
    expect(await inspectJson(folder)).toEqual(await inspectJson(archive));
  });

  it('says a folder of no image layout is not an image', async () => {
    const folder = join(scratch, 'plain');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'hello\n');
    const run = await runCli(['inspect', folder]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no manifest\.json, index\.json or repositories/);
  });
});

const built = resolve(import.meta.dirname, '../../dist/index.js');
describe.skipIf(!existsSync(built))('a folder input read by the built library', () => {
  it('hands every blob to the worker pool and gives the same report as the archive', async () => {
    const { readArchive: readBuilt } = (await import(built)) as typeof import('../../src/index.js');
    const archive = join(corpus, 'external/regclient-oci-layout.tar');
    if (!existsSync(archive)) return;
    const folder = untar(archive);
    const options = { workerThreshold: 1, label: 'x' };
    const { entryCount: _a, ...byFolder } = await readBuilt(folder, options);
    const { entryCount: _b, ...byArchive } = await readBuilt(archive, options);
    expect(byFolder).toEqual(byArchive);
  });
});
