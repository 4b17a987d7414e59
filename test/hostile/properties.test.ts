/**
 * Property-based tests (fast-check): mutated tars, JSON documents and reports fed to the parsers
 * and the CLI. Whatever the bytes, layerlens answers with an exit code of 0–3, error lines that
 * are one line each and start with `layerlens:`, no stack trace, and no raw control or bidi
 * character in text or Markdown output. Sizes and runs are small so the suite stays fast.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasAptInstall, copiesContext } from '../../src/audit/findings.js';
import { compileGlob, matchesGlob } from '../../src/audit/glob.js';
import { markdownText, terminalText } from '../../src/report/display-text.js';
import { archiveEntries, buildImage, writeTar } from '../helpers/fixture-builder.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { EVIL, RAW_UNSAFE, tempFile } from './generators.js';

/** Text with plenty of the characters that matter: controls, bidi, zero-width, markup. */
const hostileChar = fc.constantFrom(...Array.from(`${EVIL}\n\t\r\u0000\u0085\u2028\u200e\\#-_*&;@`), 'a', 'é', '🐳');
const hostileText = fc.oneof(
  fc.string({ unit: hostileChar, maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

function expectSaneRun(run: CliRun): void {
  expect([0, 1, 2, 3]).toContain(run.code);
  expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(run.stdout).not.toMatch(RAW_UNSAFE);
  for (const lineText of run.stderr.split('\n').filter((l) => l !== '')) {
    expect(lineText).toMatch(/^layerlens: /);
    expect(lineText).not.toMatch(RAW_UNSAFE);
  }
  if (run.code !== 0 && run.code !== 1) expect(run.stderr).not.toBe('');
}

describe('display text', () => {
  it('terminalText leaves no unsafe character and is idempotent', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const shown = terminalText(text);
        expect(shown).not.toMatch(RAW_UNSAFE);
        expect(shown).not.toContain('\n');
        expect(terminalText(shown)).toBe(shown);
      }),
      { numRuns: 500 },
    );
  });

  it('markdownText leaves no live HTML or Markdown syntax', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const safe = markdownText(text);
        expect(safe).not.toMatch(/[<>\n]/);
        expect(safe).not.toMatch(RAW_UNSAFE);
        // Every Markdown metacharacter is escaped: preceded by an odd run of backslashes.
        for (const match of safe.matchAll(/(\\*)[`*_[\]|~!]/g)) expect((match[1] ?? '').length % 2).toBe(1);
        expect(safe).not.toMatch(/@[A-Za-z0-9]/);
        expect(markdownText(safe)).toBe(safe);
      }),
      { numRuns: 500 },
    );
  });
});

describe('linear audit regexes agree with the old backtracking ones', () => {
  const word = fc.constantFrom('apt-get', 'apt', '-y', '--no-install-recommends', 'install', 'update', '-', 'x', '&&');
  const words = fc.array(word, { maxLength: 8 }).map((w) => w.join(' '));
  it('hasAptInstall', () => {
    fc.assert(
      fc.property(words, (text) => {
        expect(hasAptInstall(text)).toBe(/\b(apt-get|apt) (-\S+ )*install\b/.test(text));
      }),
      { numRuns: 1000 },
    );
  });

  const copyWord = fc.constantFrom('COPY', 'ADD', '.', './', 'dir:ab12', 'in', 'src', ' ', '\t', 'x.');
  const copyText = fc.array(copyWord, { maxLength: 8 }).map((w) => w.join(' '));
  it('copiesContext', () => {
    fc.assert(
      fc.property(copyText, (text) => {
        expect(copiesContext(text)).toBe(/\b(COPY|ADD)\b.*?(\s\.\s|\s\.\/?\s|dir:[0-9a-f]+ in )/.test(text));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('globs match as the regular expressions they replaced', () => {
  /** The old translation, backtracking and so quadratic or worse on long text: the oracle here only. */
  function globToRegExp(glob: string, kind: 'path' | 'tag'): RegExp {
    let out = '';
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i] ?? '';
      if (c === '*') {
        if (glob[i + 1] === '*') {
          out += '.*';
          i++;
          if (glob[i + 1] === '/') i++;
        } else {
          out += kind === 'path' ? '[^/]*' : '.*';
        }
      } else if (c === '?') {
        out += kind === 'path' ? '[^/]' : '.';
      } else {
        out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
    }
    return new RegExp(`^${out}$`);
  }
  const globChar = fc.constantFrom('a', 'b', '/', '.', '*', '*', '?', '[', '\\');
  const textChar = fc.constantFrom('a', 'b', '/', '.', '[', '\\', '*');
  for (const kind of ['path', 'tag'] as const) {
    it(`${kind} globs`, () => {
      fc.assert(
        fc.property(
          fc.string({ unit: globChar, maxLength: 8 }),
          fc.string({ unit: textChar, maxLength: 10 }),
          (glob, text) => {
            expect(matchesGlob(compileGlob(glob, kind), text)).toBe(globToRegExp(glob, kind).test(text));
          },
        ),
        { numRuns: 5000 },
      );
    });
  }
});

describe('mutated inputs through the CLI', () => {
  let archive: Buffer;
  let report: string;
  beforeAll(async () => {
    const image = await buildImage({
      tags: ['app:1'],
      layers: [
        {
          files: [
            { path: 'etc/a', content: 'hello' },
            { path: 'bin/', type: 'dir' },
          ],
        },
        { files: [{ path: 'etc/.wh.a' }, { path: 'app/x', content: Buffer.alloc(700, 3) }], compression: 'gzip' },
      ],
    });
    archive = await writeTar(archiveEntries('oci', [image]));
    report = (await runCli(['inspect', '--json', tempFile('app.tar', archive)])).stdout;
  });

  const mutation = fc.record({
    flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
      minLength: 1,
      maxLength: 6,
    }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  });

  it('mutated tars: inspect and audit answer sanely', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async ({ flips, cut }) => {
        const bytes = Buffer.from(archive);
        for (const { at, value } of flips) bytes[at % bytes.length] = value;
        const input = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
        expectSaneRun(await runCli(['inspect', '-'], { stdin: input }));
        expectSaneRun(await runCli(['audit', '--format', 'markdown', '-'], { stdin: input }));
      }),
      { numRuns: 40 },
    );
  });

  it('mutated reports: share and audit answer sanely', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, hostileText, async ({ flips, cut }, text) => {
        let doc = report;
        for (const { at } of flips) {
          const i = at % doc.length;
          doc = doc.slice(0, i) + text + doc.slice(i + 1);
        }
        if (cut !== undefined) doc = doc.slice(0, cut % doc.length);
        const path = tempFile('report.json', doc.startsWith('{') ? doc : `{${doc}`);
        expectSaneRun(await runCli(['share', path]));
        const run = await runCli(['audit', '--format', 'markdown', path]);
        expectSaneRun(run);
        expect(run.stdout).not.toMatch(/<(img|script|\/style)/i);
      }),
      { numRuns: 40 },
    );
  });

  it('hostile strings inside a valid report: text and Markdown stay safe', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, async (text) => {
        const doc = JSON.parse(report) as { archives: { images: { tags: string[] }[] }[] };
        const first = doc.archives[0]?.images[0];
        if (first) first.tags = [text];
        const path = tempFile('report.json', JSON.stringify(doc));
        for (const format of ['text', 'markdown']) {
          const run = await runCli(['share', '--format', format, path]);
          expectSaneRun(run);
          if (format === 'markdown') expect(run.stdout).not.toMatch(/<(img|script|\/style)/i);
        }
      }),
      { numRuns: 30 },
    );
  });
});
