import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { assertValidReport, SCHEMA_IDS } from '../helpers/schemas.js';

const root = resolve(import.meta.dirname, '../..');
const fixtures = ['app-v1.docker-save.tar', 'app-v2.oci.tar', 'base.podman.tar.gz'].map((f) =>
  join(root, 'fixtures', f),
);
const corpus = resolve(root, '../shared/corpus');
const corpusArchives = ['real', 'external'].flatMap((area) =>
  existsSync(join(corpus, area))
    ? readdirSync(join(corpus, area))
        .filter((f) => /\.tar(\.gz)?$/.test(f))
        .map((f) => join(corpus, area, f))
    : [],
);

async function json(argv: string[]): Promise<unknown> {
  // runCli validates every JSON report against its schema; this returns it for the checks below.
  const run = await runCli(argv);
  return JSON.parse(run.stdout) as unknown;
}

describe('the JSON Schemas in schemas/', () => {
  it('are shipped in the package, one per report, named by $id', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('schemas');
    expect([...SCHEMA_IDS].sort()).toEqual([
      'layerlens/schemas/audit.schema.json',
      'layerlens/schemas/diff.schema.json',
      'layerlens/schemas/inspect.schema.json',
      'layerlens/schemas/share.schema.json',
    ]);
    for (const id of SCHEMA_IDS) expect(existsSync(join(root, id.replace(/^layerlens\//, '')))).toBe(true);
  });

  it('describe inspect --json with files, trees and packages, share, audit and diff of the fixtures', async () => {
    const inspect = await json(['inspect', '--json', '--files', '--tree', '--packages', ...fixtures]);
    expect(inspect).toMatchObject({ $schema: 'layerlens/schemas/inspect.schema.json' });
    const share = await json(['share', '--json', ...fixtures]);
    expect(share).toMatchObject({ $schema: 'layerlens/schemas/share.schema.json' });
    const audit = await json([
      'audit',
      '--json',
      '--max-size',
      '1kB',
      '--max-growth',
      '1%',
      ...fixtures.slice(1),
      '--baseline',
      fixtures[0] ?? '',
    ]);
    expect(audit).toMatchObject({ $schema: 'layerlens/schemas/audit.schema.json' });
    const diff = await json(['diff', '--json', '--image', 'example/app', fixtures[0] ?? '', fixtures[1] ?? '']);
    expect(diff).toMatchObject({ $schema: 'layerlens/schemas/diff.schema.json', files: { comparedBy: 'sha256' } });
  });

  it.each(corpusArchives)('describe inspect --json of corpus %s (broken ones included)', async (archive) => {
    await json(['inspect', '--json', '--files', archive]);
  });

  it('reject what they do not document (the check can fail)', async () => {
    const report = (await json(['inspect', '--json', fixtures[1] ?? ''])) as { archives: Record<string, unknown>[] };
    expect(() => {
      assertValidReport({ ...report, archives: [{ ...report.archives[0], surprise: 1 }] });
    }).toThrow(/must NOT have additional properties/);
    expect(() => {
      assertValidReport({ ...report, $schema: 'layerlens/schemas/nope.schema.json' });
    }).toThrow(/not in schemas/);
    const diff = (await json(['diff', '--json', '--image', 'example/app', fixtures[0] ?? '', fixtures[1] ?? ''])) as {
      from: object;
      files: { folders: object[] };
    };
    expect(() => {
      assertValidReport({ ...diff, from: { ...diff.from, surprise: 1 } });
    }).toThrow(/must NOT have unevaluated properties/);
    expect(() => {
      assertValidReport({
        ...diff,
        files: { ...diff.files, folders: [{ ...diff.files.folders[0], status: 'grown' }] },
      });
    }).toThrow(/must be equal to one of the allowed values/);
    expect(() => {
      // One comparison is the top level or an entry of comparisons, never both shapes at once.
      assertValidReport({ ...diff, comparisons: [], unpaired: [] });
    }).toThrow(/does not match/);
    const { $schema: _dropped, ...bare } = report as Record<string, unknown>;
    expect(() => {
      assertValidReport(bare);
    }).toThrow(/no \$schema/);
  });
});
