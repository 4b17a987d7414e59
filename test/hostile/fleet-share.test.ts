/**
 * `share` at fleet scale: what it keeps of each saved report while every report is read. It needs
 * each layer's identity and sizes, never the file lists and packages that `inspect --json --files
 * --packages` reports also carry (issue 9).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { fleetImages } from '../../bench/generate-fleet.mjs';
import { FileList } from '../../src/layer/file-list.js';
import { readInputs } from '../../src/cli/read-inputs.js';
import { readReport } from '../../src/read-report.js';
import type { CliIo } from '../../src/cli/io.js';
import type { InputError } from '../../src/model/errors.js';
import { runCli } from '../helpers/cli.js';
import { usedHeapAfterGc } from '../helpers/heap.js';
import { fileRecord } from '../helpers/reports.js';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-fleet-share-'));

const io: CliIo = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: Readable.from([]),
  env: {},
  cwd: dir,
};

/** `inspect --format ndjson --files --packages` lines of a generated fleet: `files` records per layer. */
function fleetWithFiles(images: number, files: number): string[] {
  const lines: string[] = [];
  let n = 0;
  for (const image of fleetImages({ images })) {
    const layers = (image['layers'] as { index: number }[]).map((layer) => ({
      ...layer,
      files: Array.from({ length: files }, (_, k) =>
        fileRecord(`srv/app-${n}/layer-${layer.index}/file-${k}`, { size: 100 + k }),
      ),
    }));
    const packages = Array.from({ length: 50 }, (_, k) => ({
      ecosystem: 'dpkg',
      name: `lib-${k}`,
      version: '1.0',
      size: 1000,
      fileCount: 3,
      layerIndex: 0,
    }));
    const archive = {
      path: `image-${n}.tar`,
      format: 'oci-layout',
      compression: 'none',
      verified: true,
      entryCount: 9,
    };
    lines.push(JSON.stringify({ schemaVersion: 1, archive, ...image, layers, packages, unownedSize: 0 }));
    n++;
  }
  return lines;
}

describe('share over saved reports with --files and --packages', () => {
  it('keeps no file records or packages of them while it reads the fleet', { timeout: 10_000 }, async () => {
    const lines = fleetWithFiles(60, 40);
    const ndjson = join(dir, 'fleet.ndjson');
    writeFileSync(ndjson, `${lines.join('\n')}\n`);
    const folder = join(dir, 'reports');
    mkdirSync(folder);
    lines.slice(0, 10).forEach((line, i) => {
      const { schemaVersion, archive, ...image } = JSON.parse(line) as Record<string, unknown>;
      const report = { schemaVersion, archives: [{ ...(archive as object), images: [image], problems: [] }] };
      writeFileSync(join(folder, `image-${i}.json`), `${JSON.stringify(report, null, 2)}\n`);
    });
    const read = await readInputs([ndjson, folder], io, {
      quiet: true,
      read: { keepFiles: false, verify: false },
      reportsAllowed: true,
    });
    expect(read.failures).toEqual([]);
    const images = read.reports.flatMap((r) => r.images);
    expect(images).toHaveLength(70);
    for (const image of images) {
      expect(image.packages).toBeUndefined();
      for (const layer of image.layers) expect(layer.files).toBe(FileList.empty);
    }
    // audit reads the same reports with their files.
    const kept = await readInputs([ndjson], io, { quiet: true, read: { keepFiles: true }, reportsAllowed: true });
    expect(kept.reports[0]?.images[0]?.layers[0]?.files.length).toBe(40);
    expect(kept.reports[0]?.images[0]?.packages?.packages).toHaveLength(50);
  });

  it('gives the same figures with or without the files, and the same verdict on a bad file record', async () => {
    const lines = fleetWithFiles(40, 3);
    const withFiles = join(dir, 'with-files.ndjson');
    writeFileSync(withFiles, `${lines.join('\n')}\n`);
    const without = join(dir, 'without-files.ndjson');
    const bare = lines.map((line) => {
      const {
        packages: _packages,
        unownedSize: _unowned,
        layers,
        ...rest
      } = JSON.parse(line) as {
        layers: Record<string, unknown>[];
        packages: unknown;
        unownedSize: unknown;
      };
      return JSON.stringify({ ...rest, layers: layers.map(({ files: _files, ...layer }) => layer) });
    });
    writeFileSync(without, `${bare.join('\n')}\n`);
    const a = await runCli(['share', '--json', withFiles]);
    const b = await runCli(['share', '--json', without]);
    expect(a.code).toBe(0);
    const sourcesOut = (text: string): unknown => {
      const doc = JSON.parse(text) as { images: { sources: unknown }[] };
      for (const image of doc.images) image.sources = [];
      return doc;
    };
    expect(sourcesOut(a.stdout)).toEqual(sourcesOut(b.stdout));
    // A file record past PATH_MAX still makes the report invalid, as it does for audit.
    const bad = JSON.parse(lines[0] ?? '') as { layers: { files: { path: string }[] }[] };
    const record = bad.layers[0]?.files[0];
    if (record) record.path = 'x'.repeat(5000);
    const badFile = join(dir, 'bad.ndjson');
    writeFileSync(badFile, `${JSON.stringify(bad)}\n`);
    const run = await runCli(['share', badFile]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/files\[0\]\.path is/);
  });
});

describe('a saved report read as a stream (NDJSON past 4 MiB, stdin)', () => {
  /** One line of `chunks` x 64 KiB that never ends, counting the chunks read from it. */
  function endlessLine(chunks: number): { stream: Readable; pulled: () => number } {
    let pulled = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    function* lines(): Generator<Buffer> {
      yield Buffer.from('{"schemaVersion":1,"archive":{},"x":"');
      for (let i = 0; i < chunks; i++) {
        pulled++;
        yield chunk;
      }
    }
    return { stream: Readable.from(lines()), pulled: () => pulled };
  }

  it('gives up a line as soon as it passes the one-document limit', { timeout: 10_000 }, async () => {
    // readline held a line whole, however long: a 600 MB one threw "Invalid string length" from
    // inside it (a stack trace, exit 1), and one under that was read to its end to be refused.
    const { stream, pulled } = endlessLine(4_096);
    await expect(readReport(stream, { label: 'one-line.ndjson', maxReportBytes: 1024 * 1024 })).rejects.toThrow(
      /^one-line\.ndjson is a JSON report over the 1048576-byte limit for one document/,
    );
    expect(pulled()).toBeLessThan(64);
  });

  it('reads lines split across chunks, CRLF endings and a last line without a newline', async () => {
    const lines = fleetWithFiles(3, 1).map((line) => line.replaceAll('registry.example', 'régistry.exämple'));
    const text = `${lines[0]}\r\n${lines[1]}\n\n${lines[2]}`;
    const bytes = Buffer.from(text);
    // Chunks of 7 bytes split lines, CRLF pairs and UTF-8 sequences alike.
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const reports = await readReport(Readable.from(chunks), { label: 'split.ndjson' });
    expect(reports.map((r) => r.path)).toEqual(['image-0.tar', 'image-1.tar', 'image-2.tar']);
    expect(reports[2]?.images[0]?.tags[0]).toBe('régistry.exämple/base/base-2:1');
  });
});

describe('share --keep-going over NDJSON of junk lines', () => {
  it('keeps each skipped line as its message, not as an error object', { timeout: 10_000 }, async () => {
    // Each skipped line kept its InputError, stack trace and all: 1,000,000 junk lines of 3 bytes
    // (a 3 MB file) took share --keep-going 1 GB.
    const lines = 30_000;
    const file = join(dir, 'junk.ndjson');
    writeFileSync(file, `${fleetWithFiles(1, 0)[0] ?? ''}\n${'{x\n'.repeat(lines)}`);
    const before = usedHeapAfterGc();
    const read = await readInputs([file], io, { quiet: true, read: {}, reportsAllowed: true, keepGoing: true });
    const perLine = (usedHeapAfterGc() - before) / lines;
    expect(read.failures).toHaveLength(lines);
    expect(read.failures[lines - 1]?.error).toMatchObject({
      code: 'INVALID_REPORT',
      message: `${file} line ${lines + 1} is not valid JSON (a truncated line?)`,
    });
    // About 290 bytes a line kept now (the message and two small objects), 710 before.
    expect(perLine).toBeLessThan(450);
  });

  it('turns junk lines away without an exception each: no JSON.parse of what cannot be JSON, no stack', async () => {
    // JSON.parse threw a SyntaxError per junk line and each skipped line was an InputError with
    // its stack: 1,000,000 junk lines took share --keep-going 11.6 s, 4.7 of them in JSON.parse
    // and 2.9 in capturing stacks (docs/hardening.md).
    const junk = ['{x', 'xyz', '{"a":1', '{x}', '"a', '-1e', 'nul', '[1', '{ "a": 1 ]', '{', '}', '-', '""x'];
    const valid = ['{"a":1}', '[1]', 'null', '"a"', '-1', '0', 'true', '{ }'];
    const text = `${fleetWithFiles(1, 0)[0] ?? ''}
${[...junk, ...valid].join('\n')}\n`;
    const parse = vi.spyOn(JSON, 'parse');
    const errors: InputError[] = [];
    try {
      await readReport(Readable.from([text]), { label: 'junk.ndjson', onBadLine: (error) => errors.push(error) });
      // The first line, and the valid JSON that is not an image, are parsed; the junk is not.
      expect(parse).toHaveBeenCalledTimes(1 + valid.length);
    } finally {
      parse.mockRestore();
    }
    const messages = errors.map((e) => e.message);
    expect(messages.slice(0, junk.length)).toEqual(
      junk.map((_, i) => `junk.ndjson line ${i + 2} is not valid JSON (a truncated line?)`),
    );
    expect(messages.slice(junk.length).map((m) => m.replace(/ is not a layerlens .*/, ''))).toEqual(
      valid.map((_, i) => `junk.ndjson line ${junk.length + i + 2}`),
    );
    // A bad line is data, not a bug: no stack frames captured for it.
    expect(errors.filter((e) => e.stack?.includes('\n    at '))).toEqual([]);
  });
});
