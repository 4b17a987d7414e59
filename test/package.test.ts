/**
 * What `npm pack` ships, and that the tarball installs and runs like any npm tool: packed from a
 * copy of the checkout (as a fresh clone would be, never the working dist/), installed into a
 * temporary global prefix, run, and compiled against by a TypeScript consumer.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const repoPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  scripts: Record<string, string>;
};
/** Not copied: what a clone does not have, or what packing does not read. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'test-output', 'test', 'fixtures', 'bench']);
/** npm runs these when it installs a package (prepare: from git or a folder). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

let work = '';
let tarball = '';
let shipped: string[] = [];

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  // npm_execpath is npm's own script when vitest runs under npm; otherwise npm from PATH.
  const execPath = process.env['npm_execpath'];
  const useScript = execPath !== undefined && /npm-cli\.js$/.test(execPath);
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' };
  return useScript
    ? spawnSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8', env })
    : spawnSync('npm', args, { cwd, encoding: 'utf8', env });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'layerlens-pack-'));
  const checkout = join(work, 'checkout');
  cpSync(root, checkout, {
    recursive: true,
    filter: (source) => source === root || !NOT_COPIED.has(source.slice(root.length + 1).split(/[\\/]/)[0] ?? ''),
  });
  symlinkSync(join(root, 'node_modules'), join(checkout, 'node_modules'), 'junction');
  const packed = npm(['pack', '--json', '--pack-destination', work], checkout);
  expect(packed.status, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [
    { filename: string; files: { path: string }[] },
  ];
  tarball = join(work, info.filename);
  shipped = info.files.map((f) => f.path).sort();
  // postpack put the checkout's package.json back, prepare included.
  expect(readFileSync(join(checkout, 'package.json'), 'utf8')).toBe(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(existsSync(join(checkout, '.package.json.before-pack'))).toBe(false);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the built code, its types, the docs and nothing else', () => {
    const allowed =
      /^(README\.md|LICENSE|package\.json|bin\/layerlens\.js|dist\/.+\.(js|d\.ts)|docs\/[^/]+|schemas\/[^/]+\.json)$/;
    expect(shipped.filter((path) => !allowed.test(path))).toEqual([]);
    expect(shipped).toContain('bin/layerlens.js');
    expect(shipped).toContain('README.md');
  });

  it('ships no source maps (src/ is not shipped) and a declaration for every module', () => {
    expect(shipped.filter((path) => path.endsWith('.map'))).toEqual([]);
    const modules = shipped.filter((path) => path.endsWith('.js') && path.startsWith('dist/'));
    expect(modules.length).toBeGreaterThan(40);
    for (const path of modules) expect(shipped, path).toContain(path.replace(/\.js$/, '.d.ts'));
  });

  it('ships every module the shipped code imports', () => {
    const missing: string[] = [];
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked], { encoding: 'utf8' });
    expect(tar.status, tar.stderr).toBe(0);
    for (const path of shipped.filter((p) => p.endsWith('.js'))) {
      const text = readFileSync(join(unpacked, 'package', path), 'utf8');
      for (const [, specifier = ''] of text.matchAll(/(?:from |import\()'(\.{1,2}\/[^']+)'/g)) {
        const target = posix.normalize(posix.join(posix.dirname(path), specifier));
        if (!shipped.includes(target)) missing.push(`${path} -> ${specifier}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('is the tarball the README tells people to install', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`npm install -g ./${posix.basename(tarball)}`);
  });

  it('declares no install-time script, while the checkout keeps prepare for git and folder installs', () => {
    const unpacked = join(work, 'unpacked', 'package', 'package.json');
    const packedPackage = JSON.parse(readFileSync(unpacked, 'utf8')) as typeof repoPackage & {
      bin: Record<string, string>;
      exports: Record<string, Record<string, string>>;
    };
    expect(Object.keys(packedPackage.scripts).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);
    expect(repoPackage.scripts['prepare']).toBeDefined();
    expect(shipped).toContain(posix.normalize(packedPackage.bin['layerlens'] ?? ''));
    const main = packedPackage.exports['.'] ?? {};
    expect(Object.keys(main)[0]).toBe('types');
    for (const target of Object.values(main)) expect(shipped).toContain(posix.normalize(target));
  });
});

it('names in engines exactly the Node majors CI tests', () => {
  const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } })
    .engines.node;
  const ci = /^NODE_MAJORS=\(([\d ]+)\)$/m.exec(readFileSync(join(root, '.ci/run'), 'utf8'))?.[1] ?? '';
  const tested = ci.split(' ').map(Number);
  expect(tested.length).toBeGreaterThan(1);
  expect(engines.split('||').map((range) => Number(/\^(\d+)\./.exec(range)?.[1]))).toEqual(tested);
});

describe('the packed tarball installed with npm install -g', () => {
  const prefix = () => join(work, 'prefix');
  const bin = () => join(prefix(), 'bin', 'layerlens');
  const installed = () => join(prefix(), 'lib', 'node_modules', repoPackage.name);

  beforeAll(() => {
    const install = npm(
      ['install', '--global', '--prefix', prefix(), '--prefer-offline', '--no-audit', '--no-fund', tarball],
      work,
    );
    expect(install.status, install.stderr).toBe(0);
    // npm names every install script it did not run; a packed layerlens has none.
    expect(install.stderr).not.toMatch(/install-scripts|allowScripts/);
  }, 120_000);

  it('puts layerlens on the PATH, and --version prints the packed version', () => {
    const run = spawnSync(bin(), ['--version'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${repoPackage.version}\n`);
    expect(run.status).toBe(0);
  });

  it('inspects a fixture archive', () => {
    const run = spawnSync(bin(), ['inspect', '--json', join(root, 'fixtures/app-v1.docker-save.tar')], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { schemaVersion: number; archives: { images: { tags: string[] }[] }[] };
    expect(report.schemaVersion).toBe(1);
    expect(report.archives.flatMap((a) => a.images.flatMap((i) => i.tags))).toEqual([
      'example/app:1.0',
      'example/worker:1.0',
    ]);
  });

  it('resolves its types for a TypeScript consumer, which then runs', () => {
    const consumer = join(work, 'consumer');
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    symlinkSync(installed(), join(consumer, 'node_modules', repoPackage.name), 'junction');
    writeFileSync(join(consumer, 'package.json'), '{ "type": "module", "private": true }\n');
    // The example from docs/library.md, typed strictly against the installed declarations.
    writeFileSync(
      join(consumer, 'index.ts'),
      [
        "import { readArchive, buildInspectJson, INSPECT_SCHEMA_VERSION, type ImageReport } from 'layerlens';",
        `const report = await readArchive(${JSON.stringify(join(root, 'fixtures/app-v1.docker-save.tar'))});`,
        'const images: readonly ImageReport[] = report.images;',
        'const sizes: number[] = images.map((image) => image.contentSize);',
        'const json: string = JSON.stringify(buildInspectJson([report]));',
        'const version: number = INSPECT_SCHEMA_VERSION;',
        'console.log(images.length, sizes.every((size) => size > 0), json.includes(`"schemaVersion":${version}`));',
        '',
      ].join('\n'),
    );
    const tsc = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        join(root, 'node_modules/@types'),
        '--outDir',
        join(consumer, 'out'),
        join(consumer, 'index.ts'),
      ],
      { cwd: consumer, encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const run = spawnSync(process.execPath, [join(consumer, 'out', 'index.js')], { cwd: consumer, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('2 true true\n');
  });
});
