import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileGlob, matchesGlob } from '../../src/audit/glob.js';

const matchesWildcard = (glob: string, text: string): boolean => matchesGlob(compileGlob(glob, 'tag'), text);
import { docFolderOf, localesInUse } from '../../src/audit/package-findings.js';
import type { ImageReport } from '../../src/model/image.js';
import { runCli } from '../helpers/cli.js';
import { slowdown } from '../helpers/slowdown.js';
import { buildArchive, type FileSpec, type ImageSpec } from '../helpers/fixture-builder.js';
import {
  appPackageJson,
  dpkgLayer,
  npmPackageFiles,
  pipPackageFiles,
  type DpkgPackage,
  type NpmPackage,
} from '../helpers/package-metadata.js';
import { debianApp, filesSize, npmSize, site, types, typescript } from '../helpers/package-specs.js';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-audit-packages-'));

interface AuditDoc {
  images: {
    rules: { name: string; value: number | null; status: string; note: string | null }[];
    findings: { code: string; bytes: number; layerIndex: number | null; message: string; paths: string[] }[];
  }[];
}

async function write(name: string, specs: ImageSpec[]): Promise<string> {
  const { bytes } = await buildArchive('docker-classic', specs);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function audit(args: string[]): Promise<{ code: number; doc: AuditDoc; stderr: string }> {
  const run = await runCli(['audit', '--json', ...args], { cwd: dir });
  return { code: run.code, doc: (run.stdout ? JSON.parse(run.stdout) : null) as AuditDoc, stderr: run.stderr };
}

const gcc: DpkgPackage = {
  name: 'gcc-12',
  version: '12.2.0-14',
  files: [{ path: 'usr/bin/gcc-12', content: 'g'.repeat(3000) }],
};
const libcDev: DpkgPackage = {
  name: 'libc6-dev',
  version: '2.36-9',
  files: [{ path: 'usr/include/stdio.h', content: 'h'.repeat(500) }],
};
const bash: DpkgPackage = {
  name: 'bash',
  version: '5.2-1',
  files: [{ path: 'usr/bin/bash', content: 'b'.repeat(900) }],
};
const builder: ImageSpec = {
  tags: ['example.com/builder:1'],
  layers: [
    { files: dpkgLayer([bash]) },
    {
      files: [
        ...dpkgLayer([bash, gcc, libcDev]),
        { path: 'usr/share/doc/gcc-12/changelog.gz', content: 'd'.repeat(700_000) },
        { path: 'usr/share/doc/gcc-12/copyright', content: 'c'.repeat(900_000) },
        { path: 'usr/share/man/man1/gcc.1.gz', content: 'm'.repeat(200_000) },
        { path: 'usr/share/locale/de/LC_MESSAGES/gcc.mo', content: 'l'.repeat(200_000) },
        { path: 'usr/share/locale/en_GB/LC_MESSAGES/gcc.mo', content: 'e'.repeat(500_000) },
      ],
    },
  ],
  history: [
    { createdBy: '/bin/sh -c #(nop) ADD file:base in /' },
    { createdBy: '/bin/sh -c apt-get install -y gcc-12' },
  ],
};

describe('forbidPackages', () => {
  it('fails on a forbidden package, naming it and its layer; exit 1', async () => {
    const path = await write('builder.tar', [builder]);
    const run = await audit([path, '--forbid-packages', 'dpkg:gcc*', 'npm:typescript']);
    expect(run.code).toBe(1);
    expect(run.doc.images[0]?.rules).toEqual(
      [
        {
          name: 'forbidPackages',
          value: 1,
          status: 'fail',
          note: 'found dpkg:gcc-12 (layer 1)',
          limit: expect.anything() as unknown,
          unit: 'packages',
        },
      ].map(({ limit: _l, unit: _u, ...r }) => expect.objectContaining(r) as unknown),
    );
  });

  it('passes when nothing matches, and matches only the named ecosystem', async () => {
    const path = await write('builder.tar', [builder]);
    const ok = await audit([path, '--forbid-packages', 'npm:gcc*', 'apk:bash']);
    expect(ok.code).toBe(0);
    expect(ok.doc.images[0]?.rules[0]).toMatchObject({ status: 'pass', value: 0 });
  });

  it('warns or fails by level from the config, a bare glob matching any ecosystem', async () => {
    const path = await write('app.tar', [debianApp]);
    const config = join(dir, 'forbid.json');
    writeFileSync(
      config,
      JSON.stringify({ budgets: [{ forbidPackages: { warn: ['typescript', '*:@types/*'], fail: ['dpkg:gcc*'] } }] }),
    );
    const run = await audit([path, '--config', config]);
    expect(run.code).toBe(0);
    expect(run.doc.images[0]?.rules[0]).toMatchObject({
      status: 'warn',
      value: 2,
      note: 'found npm:typescript (layer 2), npm:@types/node (layer 2)',
    });
  });

  it('refuses a glob for an ecosystem it does not know: exit 2 naming the rule', async () => {
    const path = await write('builder.tar', [builder]);
    const run = await runCli(['audit', path, '--forbid-packages', 'rpm:gcc'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/forbidPackages: \["rpm:gcc"\] is not a package glob/);
  });

  it('skips for a report saved without packages, and checks one saved with --packages', async () => {
    const path = await write('builder.tar', [builder]);
    const bare = join(dir, 'bare.json');
    writeFileSync(bare, (await runCli(['inspect', '--json', '--files', path])).stdout);
    expect((await audit([bare, '--forbid-packages', 'dpkg:gcc*'])).doc.images[0]?.rules[0]).toMatchObject({
      status: 'skip',
    });
    const saved = join(dir, 'saved.json');
    writeFileSync(saved, (await runCli(['inspect', '--json', '--packages', path])).stdout);
    const run = await audit([saved, '--forbid-packages', 'dpkg:gcc*']);
    expect(run.code).toBe(1);
    expect(run.doc.images[0]?.rules[0]).toMatchObject({ status: 'fail', note: 'found dpkg:gcc-12 (layer 1)' });
  });
});

describe('package findings', () => {
  it('BUILD_TOOLS_IN_IMAGE names compilers and -dev packages with their bytes and layer', async () => {
    const run = await audit([await write('builder.tar', [builder])]);
    const finding = run.doc.images[0]?.findings.find((f) => f.code === 'BUILD_TOOLS_IN_IMAGE');
    expect(finding).toMatchObject({ bytes: 3000 + 500, layerIndex: 1 });
    expect(finding?.message).toMatch(
      /2 build tools and -dev packages .* layer 1 \(RUN apt-get install -y gcc-12\): gcc-12 \(3 kB\), libc6-dev \(500 B\)/,
    );
  });

  it('BUILD_TOOLS_IN_IMAGE leaves out the runtime packages every Debian and Ubuntu image has', async () => {
    // gcc-12-base (Debian 12) and gcc-14-base (Ubuntu 24.04) hold no compiler: libgcc-s1 and
    // libstdc++6 depend on them, so `debootstrap --variant=minbase bookworm` has one.
    const runtime: DpkgPackage[] = ['gcc-12-base', 'gcc-14-base', 'libgcc-s1'].map((name) => ({
      name,
      version: '12.2.0-14',
      files: [{ path: `usr/share/doc/${name}/copyright`, content: 'c'.repeat(100) }],
    }));
    const plain = await write('plain-debian.tar', [
      { tags: ['example.com/plain:1'], layers: [{ files: dpkgLayer([bash, ...runtime]) }] },
    ]);
    expect((await audit([plain])).doc.images[0]?.findings.map((f) => f.code)).not.toContain('BUILD_TOOLS_IN_IMAGE');
    // Beside a compiler, they are still not named.
    const withGcc = await write('plain-gcc.tar', [
      { tags: ['example.com/gcc:1'], layers: [{ files: dpkgLayer([bash, gcc, ...runtime]) }] },
    ]);
    const finding = (await audit([withGcc])).doc.images[0]?.findings.find((f) => f.code === 'BUILD_TOOLS_IN_IMAGE');
    expect(finding?.message).toMatch(/1 build tool or -dev package ships .*: gcc-12 \(3 kB\)/);
  });

  it('DEV_DEPENDENCIES names npm packages only the app devDependencies list', async () => {
    const run = await audit([await write('app.tar', [debianApp])]);
    const finding = run.doc.images[0]?.findings.find((f) => f.code === 'DEV_DEPENDENCIES');
    expect(finding).toMatchObject({
      bytes: npmSize(typescript) + npmSize(types),
      layerIndex: 2,
      paths: ['app/node_modules/typescript', 'app/node_modules/@types/node'],
    });
    expect(finding?.message).toMatch(/^app\/package\.json lists 2 packages only under devDependencies/);
  });

  describe('DEV_DEPENDENCIES through dependencies', () => {
    // app needs a (which needs b); its devDependency d needs e and b, and its own nested f.
    const pkg = (name: string, size: number, dependencies?: Record<string, string>): NpmPackage => ({
      name,
      version: '1.0.0',
      files: [{ path: 'index.js', content: name.repeat(size) }],
      ...(dependencies ? { dependencies } : {}),
    });
    const a = pkg('a', 100, { b: '1' });
    const b = pkg('b', 200);
    const d = pkg('d', 300, { e: '1', b: '1', f: '1' });
    const e = pkg('e', 400);
    const f = pkg('f', 500);
    const spec = (aFiles: FileSpec[]): ImageSpec => ({
      tags: ['example.com/dev:1'],
      layers: [
        {
          files: [
            { path: 'app/package.json', content: appPackageJson({ a: '1' }, { d: '1' }) },
            ...aFiles,
            ...npmPackageFiles('app', b),
            ...npmPackageFiles('app', d),
            ...npmPackageFiles('app', e),
            ...npmPackageFiles('app/node_modules/d', f),
          ],
        },
      ],
    });

    it('follows dependencies from devDependencies, not what production also needs', async () => {
      const run = await audit([await write('dev-graph.tar', [spec(npmPackageFiles('app', a))])]);
      const finding = run.doc.images[0]?.findings.find((x) => x.code === 'DEV_DEPENDENCIES');
      expect(finding).toMatchObject({
        bytes: npmSize(d) + npmSize(e) + npmSize(f, 'app/node_modules/d'),
        layerIndex: 0,
        paths: ['app/node_modules/d/node_modules/f', 'app/node_modules/e', 'app/node_modules/d'],
      });
      expect(finding?.message).toMatch(/^app\/package\.json lists 3 packages only under devDependencies/);
    });

    it('reports only direct devDependencies when a production package.json cannot be read', async () => {
      const broken: FileSpec[] = [
        { path: 'app/node_modules/a/package.json', content: '{ not json' },
        { path: 'app/node_modules/a/index.js', content: 'a'.repeat(100) },
      ];
      const run = await audit([await write('dev-graph-broken.tar', [spec(broken)])]);
      const finding = run.doc.images[0]?.findings.find((x) => x.code === 'DEV_DEPENDENCIES');
      expect(finding).toMatchObject({ bytes: npmSize(d), paths: ['app/node_modules/d'] });
    });
  });

  it('BUILD_TOOLS_IN_IMAGE names npm and pip build tools, leaving devDependencies to their own finding', async () => {
    const tsc: NpmPackage = { ...typescript };
    const eslint: NpmPackage = {
      name: 'eslint',
      version: '9.0.0',
      files: [{ path: 'bin/eslint.js', content: 'e'.repeat(700) }],
    };
    const cython = pipPackageFiles(site, {
      name: 'Cython',
      version: '3.0.10',
      files: [{ path: 'Cython/Compiler.py', content: 'c'.repeat(900) }],
    });
    const wheel = pipPackageFiles(site, {
      name: 'wheel',
      version: '0.43.0',
      files: [{ path: 'wheel/cli.py', content: 'w'.repeat(800) }],
    });
    const image: ImageSpec = {
      tags: ['example.com/tools:1'],
      layers: [
        {
          files: [
            // typescript is a run-time dependency here (a ts-node server); eslint only a devDependency.
            { path: 'app/package.json', content: appPackageJson({ typescript: '^5' }, { eslint: '^9' }) },
            ...npmPackageFiles('app', tsc),
            ...npmPackageFiles('app', eslint),
            ...cython,
            ...wheel,
          ],
        },
      ],
    };
    const run = await audit([await write('tools.tar', [image])]);
    const findings = run.doc.images[0]?.findings ?? [];
    const tools = findings.find((x) => x.code === 'BUILD_TOOLS_IN_IMAGE');
    const cythonSize = filesSize(cython);
    expect(tools).toMatchObject({ bytes: npmSize(tsc) + cythonSize, layerIndex: 0 });
    expect(tools?.message).toMatch(/^2 build tools .*: typescript \([\d.]+ kB\), Cython \([\d.]+ kB\)/);
    expect(findings.find((x) => x.code === 'DEV_DEPENDENCIES')).toMatchObject({ bytes: npmSize(eslint) });
  });

  it('DOCS_AND_MAN_PAGES counts docs, man pages and unused translations, not copyright or English', async () => {
    const run = await audit([await write('builder.tar', [builder])]);
    const finding = run.doc.images[0]?.findings.find((f) => f.code === 'DOCS_AND_MAN_PAGES');
    expect(finding).toMatchObject({
      bytes: 700_000 + 200_000 + 200_000,
      layerIndex: 1,
      paths: ['usr/share/doc/', 'usr/share/locale/', 'usr/share/man/'],
    });
  });

  it('DOCS_AND_MAN_PAGES keeps the translations of the locales the config Env selects', async () => {
    const german: ImageSpec = {
      ...builder,
      tags: ['example.com/builder:de'],
      env: ['PATH=/usr/bin', 'LANG=de_DE.UTF-8', 'LANGUAGE=pt_BR:pt'],
      layers: [
        builder.layers[0] as ImageSpec['layers'][number],
        {
          files: [
            ...(builder.layers[1]?.files ?? []),
            { path: 'usr/share/locale/fr/LC_MESSAGES/gcc.mo', content: 'f'.repeat(300_000) },
            { path: 'usr/share/locale/pt/LC_MESSAGES/gcc.mo', content: 'p'.repeat(400_000) },
          ],
        },
      ],
    };
    const run = await audit([await write('builder-de.tar', [german])]);
    const finding = run.doc.images[0]?.findings.find((f) => f.code === 'DOCS_AND_MAN_PAGES');
    // de (from de_DE.UTF-8) and pt (from LANGUAGE) are in use; fr is not.
    expect(finding).toMatchObject({ bytes: 700_000 + 200_000 + 300_000, layerIndex: 1 });
  });

  it('gives no package findings to an image without them', async () => {
    const small: ImageSpec = {
      tags: ['x:1'],
      layers: [
        { files: [...dpkgLayer([bash]), ...npmPackageFiles('srv', { name: 'left-pad', version: '1.3.0', files: [] })] },
      ],
    };
    const codes = (await audit([await write('small.tar', [small])])).doc.images[0]?.findings.map((f) => f.code);
    expect(codes).toEqual([]);
  });
});

describe('the glob and folder helpers', () => {
  it.each([
    ['gcc*', 'gcc-12', true],
    ['gcc*', 'libgcc-s1', false],
    ['*-dev', 'libc6-dev', true],
    ['*-dev', 'libc6-dev-i386', false],
    ['g?c', 'gcc', true],
    ['*', '', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbYd', false],
  ])('%s against %s is %s', (glob, text, expected) => {
    expect(matchesWildcard(glob, text)).toBe(expected);
  });

  it('stays linear on a hostile name', async () => {
    // Backtracking, each star retries every split of the `a`s after it. Timed against a name of as
    // many letters no `a` in the glob meets.
    const match = (name: string) => () => {
      expect(matchesWildcard('*a*a*a*a*a*b', name)).toBe(false);
    };
    expect(await slowdown(match('a'.repeat(20_000)), match('c'.repeat(20_000)))).toBeLessThan(8);
  });

  it.each([
    ['usr/share/doc/x/README', 'usr/share/doc/'],
    ['usr/share/doc/x/copyright', null],
    ['usr/share/locale/de/LC_MESSAGES/x.mo', 'usr/share/locale/'],
    ['usr/share/locale/C.UTF-8/x', null],
    ['usr/share/locale/locale.alias', null],
    ['usr/share/man/man1/ls.1.gz', 'usr/share/man/'],
    ['usr/bin/ls', null],
  ])('%s is under %s', (path, folder) => {
    expect(docFolderOf(path)).toBe(folder);
  });

  it('keeps the locales an image selects, without modifier, codeset or territory', () => {
    const image = { locales: ['de_DE.UTF-8@euro', 'sr@latin', 'C.UTF-8'] } as unknown as ImageReport;
    const kept = localesInUse(image);
    for (const name of ['de_DE.UTF-8@euro', 'de_DE.UTF-8', 'de_DE', 'de', 'sr@latin', 'sr', 'en', 'C'])
      expect(kept.has(name), name).toBe(true);
    expect(kept.has('fr')).toBe(false);
    expect(docFolderOf('usr/share/locale/de/LC_MESSAGES/x.mo', kept)).toBeNull();
    expect(docFolderOf('usr/share/locale/fr/LC_MESSAGES/x.mo', kept)).toBe('usr/share/locale/');
  });
});
