// npm run bench: layerlens against the physical yardstick (openssl dgst -sha256 on the same
// bytes; gzip -dc | openssl or zstd -dc | openssl for compressed data), medians of several
// runs, peak RSS. BENCH_SCALE=0.1 shrinks the inputs for a quick look; BENCH_RUNS sets the
// runs per cell; BENCH_NODE lists the node binaries to run layerlens with, comma-separated
// (default: this one), e.g. BENCH_NODE=node,/opt/node24/bin/node. BENCH_ONLY=fleet runs the
// fleet row alone (share --json over 5,000, 20,000 and 100,000 generated image reports;
// FLEET_SIZES=5000,20000 picks other sizes); BENCH_ONLY=diff runs the diff row alone, and
// BENCH_ONLY=packages the --packages row (input (e) alone).
import { spawnSync, execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  createReadStream,
  createWriteStream,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { generateHostileInputs } from './hostile.mjs';
import { generateDiffInputs, generateInputs, generatePackagesInput } from './generate.mjs';
import { writeFleet } from './generate-fleet.mjs';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin/layerlens.js');
const hasTime = existsSync('/usr/bin/time');
const dir = mkdtempSync(join(tmpdir(), 'layerlens-bench-'));
const nodes = (process.env.BENCH_NODE ?? process.execPath).split(',').filter(Boolean);
const nodeVersion = (bin) => execFileSync(bin, ['--version']).toString().trim();
const hasCommand = (name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

/**
 * Writes the generated inputs back to disk before anything is timed (every row's generation ends
 * with it). Freshly written, (e) is 1.2 GB of dirty pages that the kernel writes back about 30 s
 * later (dirty_expire_centisecs), which landed in the middle of the --packages row's Node 20 runs:
 * kernel time beside one or two of them, measured as theirs.
 */
function settle() {
  spawnSync('sync', { stdio: 'ignore' });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;

/** Runs a shell command `runs` times; returns the median wall time in seconds and the max peak RSS (KB). */
function time(command, { stdin = null, runs: count = runs } = {}) {
  const seconds = [];
  let rss = null;
  for (let i = 0; i < count; i++) {
    const input = stdin ? openSync(stdin, 'r') : 'ignore';
    const wrapped = hasTime ? ['/usr/bin/time', '-f', '%M', 'sh', '-c', command] : ['sh', '-c', command];
    const start = process.hrtime.bigint();
    const run = spawnSync(wrapped[0], wrapped.slice(1), { stdio: [input, 'ignore', 'pipe'], encoding: 'utf8' });
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (stdin) closeSync(input);
    if (run.status !== 0) throw new Error(`${command} failed (${run.status}): ${run.stderr}`);
    const kb = Number(run.stderr.trim().split('\n').at(-1));
    if (Number.isFinite(kb)) rss = Math.max(rss ?? 0, kb);
  }
  return { seconds: median(seconds), rss };
}

const sh = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const inspectWith = (node) => (flags) => `${sh(node)} ${sh(cli)} inspect --json -q ${flags}`;

/** `diff OLD NEW` against inspecting both (the target: at most 1.2x). */
async function diffRows(rows) {
  const { old, next } = await generateDiffInputs(dir, scale);
  settle();
  // Interleaved, so a neighbour's load falls on both commands alike: the ratio is what counts.
  const inspectRuns = [];
  const diffRuns = [];
  for (let i = 0; i < runs; i++) {
    inspectRuns.push(time(`node ${sh(cli)} inspect --json -q ${sh(old)} ${sh(next)} > /dev/null`, { runs: 1 }));
    diffRuns.push(time(`node ${sh(cli)} diff --json -q ${sh(old)} ${sh(next)} > /dev/null`, { runs: 1 }));
  }
  const both = { seconds: median(inspectRuns.map((r) => r.seconds)) };
  const diff = {
    seconds: median(diffRuns.map((r) => r.seconds)),
    rss: Math.max(...diffRuns.map((r) => r.rss ?? 0)) || null,
  };
  console.error(`(g) diff: ${diff.seconds.toFixed(2)} s vs inspect both ${both.seconds.toFixed(2)} s`);
  rows.push({
    input: '(g) two docker saves, 2 of 4 layers shared',
    node: nodeVersion(process.execPath),
    how: 'diff OLD NEW',
    size: statSync(old).size + statSync(next).size,
    seconds: diff.seconds,
    yard: both.seconds,
    yardText: 'inspect OLD NEW',
    rss: diff.rss,
  });
}

const only = process.env.BENCH_ONLY ?? '';

/**
 * Fleet row (issue 11): share --json over a folder of one inspect --json report per image, 30
 * bases, 2 to 8 own layers each. Targets: 20,000 images within 20 s and 1.5 GB peak RSS; 4x the
 * images at most 5x the time.
 */
async function fleet() {
  const sizes = (process.env.FLEET_SIZES ?? '5000,20000,100000').split(',').map(Number);
  const rows = [];
  for (const images of sizes) {
    const folder = join(dir, `fleet-${images}`);
    const t0 = Date.now();
    await writeFleet(folder, { images, form: 'reports' });
    settle();
    console.error(`fleet of ${images} reports generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const fleetRuns = images >= 100_000 ? 1 : runs;
    const command = `node ${sh(cli)} share --json -q ${sh(folder)} > /dev/null`;
    const out = [];
    for (let i = 0; i < fleetRuns; i++) out.push(time1(command));
    const result = {
      seconds: median(out.map((o) => o.seconds)),
      cpu: out.some((o) => o.cpu === null) ? null : median(out.map((o) => o.cpu)),
      rss: out.reduce((max, o) => (o.rss === null ? max : Math.max(max ?? 0, o.rss)), null),
    };
    rows.push({ images, ...result, runs: fleetRuns });
    console.error(
      `fleet ${images}: ${result.seconds.toFixed(2)} s, ${result.rss === null ? 'n/a' : `${(result.rss / 1024).toFixed(0)} MB`}`,
    );
    rmSync(folder, { recursive: true, force: true });
  }
  if (only === 'fleet') console.log(`\nlayerlens bench, ${new Date().toISOString().slice(0, 10)}, ${machineText()}`);
  console.log(
    '\n| fleet (share --json over a folder of reports) | images | wall time | CPU time | CPU time / previous | peak RSS |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  rows.forEach((r, i) => {
    const previous = rows[i - 1];
    const growth =
      previous && r.cpu !== null && previous.cpu !== null
        ? `${(r.cpu / previous.cpu).toFixed(2)}x for ${(r.images / previous.images).toFixed(0)}x images`
        : '';
    console.log(
      `| 30 bases, 2-8 own layers each (${r.runs === 1 ? '1 run' : `median of ${r.runs}`}) | ${r.images} | ${r.seconds.toFixed(2)} s | ${r.cpu === null ? 'n/a' : `${r.cpu.toFixed(2)} s`} | ${growth} | ${r.rss === null ? 'n/a' : `${(r.rss / 1024).toFixed(0)} MB`} |`,
    );
  });
  console.log(`\nload average at the end: ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
}

function machineText() {
  return `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${execFileSync('openssl', ['version']).toString().trim()}`;
}

/**
 * One timed run of a shell command: wall seconds, CPU seconds (user + system: steadier than wall
 * time on a machine others share), peak RSS (KB) and minor page faults (each 4 KiB page the
 * process touched first: about 16 µs of CPU apiece on these virtual machines, see
 * docs/packages.md, Cost, twelfth round).
 */
function time1(command) {
  const wrapped = hasTime ? ['/usr/bin/time', '-f', '%U %S %M %R', 'sh', '-c', command] : ['sh', '-c', command];
  const start = process.hrtime.bigint();
  const run = spawnSync(wrapped[0], wrapped.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0) throw new Error(`${command} failed (${run.status}): ${run.stderr}`);
  const [user, system, kb, faults] = (run.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return {
    seconds,
    cpu: Number.isFinite(user) && Number.isFinite(system) ? user + system : null,
    rss: Number.isFinite(kb) ? kb : null,
    faults: Number.isFinite(faults) ? faults : null,
  };
}

async function main() {
  if (only === 'packages') {
    const rows = [];
    const e = await generatePackagesInput(dir, scale);
    settle();
    for (const node of nodes) measurePackages(e, node, rows);
    printTable(rows);
    return;
  }
  if (only === 'diff') {
    const rows = [];
    await diffRows(rows);
    printTable(rows);
    return;
  }
  if (only !== 'fleet') await archives();
  if (only === '' || only === 'fleet') await fleet();
}

async function archives() {
  console.error(`generating inputs in ${dir} (scale ${scale}) ...`);
  const t0 = Date.now();
  const withZstd = hasCommand('zstd');
  if (!withZstd) console.error('yardstick tool missing: zstd (apt-get install zstd); skipping (f) zstd layers');
  const { a, b, d, dLayers, e, f, fLayers } = await generateInputs(dir, scale, { withZstd });
  const { f: manyEntries, g: manyLayers } = await generateHostileInputs(dir, scale);
  const c = join(dir, 'c-docker-save-gzip.tar.gz');
  await pipeline(createReadStream(a), createGzip({ level: 1 }), createWriteStream(c));
  settle();
  console.error(`generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const cases = [
    {
      name: '(a) docker save, 4 large layers',
      file: a,
      pipe: true,
      metadata: true,
      yard: `openssl dgst -sha256 ${sh(a)}`,
      yardText: 'openssl dgst -sha256',
    },
    {
      name: '(b) docker save, 220k small files',
      file: b,
      metadata: true,
      yard: `openssl dgst -sha256 ${sh(b)}`,
      yardText: 'openssl dgst -sha256',
    },
    {
      name: '(c) (a) gzip-compressed whole',
      file: c,
      yard: `gzip -dc ${sh(c)} | openssl dgst -sha256`,
      yardText: 'gzip -dc | openssl',
    },
    {
      name: '(d) OCI layout, gzip layers',
      file: d,
      yard: `openssl dgst -sha256 ${sh(d)} && gzip -dc ${sh(dLayers)} | openssl dgst -sha256`,
      yardText: 'openssl + gzip -dc | openssl',
    },
    // Issue 12: shapes that used to crash; the point is time and peak RSS, not throughput.
    {
      name: '(h) one layer, 300k entries',
      file: manyEntries,
      yard: `openssl dgst -sha256 ${sh(manyEntries)}`,
      yardText: 'openssl dgst -sha256',
      extra: [['inspect --files (text)', `node ${sh(cli)} inspect -q --files ${sh(manyEntries)} > /dev/null`]],
    },
    {
      name: '(i) one image, 100k layers',
      file: manyLayers,
      yard: `openssl dgst -sha256 ${sh(manyLayers)}`,
      yardText: 'openssl dgst -sha256',
      extra: [['audit (text)', `node ${sh(cli)} audit -q --max-size 1TB ${sh(manyLayers)} > /dev/null`]],
    },
  ];
  if (f) {
    cases.push({
      name: '(f) OCI layout, zstd layers',
      file: f,
      yard: `openssl dgst -sha256 ${sh(f)} && zstd -dc ${sh(fLayers)} | openssl dgst -sha256`,
      yardText: 'openssl + zstd -dc | openssl',
    });
  }
  const rows = [];
  for (const item of cases) {
    const size = statSync(item.file).size;
    // The yardstick is timed once per input; each node's rows are compared with it.
    const yard = time(item.yard);
    for (const node of nodes) measureInput(item, size, yard, node, rows);
  }
  for (const node of nodes) measurePackages(e, node, rows);
  await diffRows(rows);
  printTable(rows);
}

/** Issue 9: what --packages costs, as a ratio to plain inspect --json taken in the same run. */
function measurePackages(e, node, rows) {
  const inspect = inspectWith(node);
  const version = nodeVersion(node);
  const size = statSync(e).size;
  // Interleaved, so a neighbour's load falls on both commands alike: the ratio is what counts.
  const plainCommand = `${inspect(sh(e))} > /dev/null`;
  const packagesCommand = `${inspect(`--packages ${sh(e)}`)} > /dev/null`;
  const plainRuns = [];
  const packageRuns = [];
  // One untimed run of each first: Node 22+ fills its compile cache on a new build's first run.
  time1(plainCommand);
  time1(packagesCommand);
  for (let i = 0; i < runs; i++) {
    plainRuns.push(time1(plainCommand));
    packageRuns.push(time1(packagesCommand));
  }
  // CPU time too: the ratio of wall times depends on whether a core is free for the head start
  // (and on the neighbours' load); the core-seconds --packages adds do not.
  const medianOf = (list) => ({
    seconds: median(list.map((r) => r.seconds)),
    cpu: list.every((r) => r.cpu !== null) ? median(list.map((r) => r.cpu)) : null,
    rss: Math.max(...list.map((r) => r.rss ?? 0)) || null,
    faults: list.every((r) => r.faults !== null) ? median(list.map((r) => r.faults)) : null,
  });
  const plain = medianOf(plainRuns);
  const withPackages = medianOf(packageRuns);
  const input = '(e) docker save, dpkg + npm + pip metadata, 55k files';
  rows.push({
    input,
    node: version,
    how: 'verify, by path',
    size,
    seconds: plain.seconds,
    yard: plain.seconds,
    yardText: 'itself',
    rss: plain.rss,
  });
  rows.push({
    input,
    node: version,
    how: '--packages, by path',
    size,
    seconds: withPackages.seconds,
    yard: plain.seconds,
    yardText: 'inspect --json',
    rss: withPackages.rss,
  });
  const cpu =
    withPackages.cpu !== null && plain.cpu !== null
      ? `; CPU ${withPackages.cpu.toFixed(2)} vs ${plain.cpu.toFixed(2)} core-seconds`
      : '';
  // Pages first touched: the steadiest of the three, and a cost of its own (time1).
  const faults =
    withPackages.faults !== null && plain.faults !== null
      ? `; minor faults ${withPackages.faults} vs ${plain.faults}`
      : '';
  console.error(
    `${input} ${version} --packages: ${withPackages.seconds.toFixed(2)} s vs ${plain.seconds.toFixed(2)} s${cpu}${faults}`,
  );
}

function measureInput(item, size, yard, node, rows) {
  const inspect = inspectWith(node);
  const version = nodeVersion(node);
  {
    const measure = (label, command, stdin, own = null) => {
      const result = time(command, { stdin });
      const against = own ?? { seconds: yard.seconds, text: item.yardText };
      rows.push({
        input: item.name,
        node: version,
        how: label,
        size,
        seconds: result.seconds,
        yard: against.seconds,
        yardText: against.text,
        rss: result.rss,
      });
      console.error(
        `${item.name} ${version} ${label}: ${result.seconds.toFixed(2)} s vs ${against.seconds.toFixed(2)} s`,
      );
    };
    measure('verify, by path', `${inspect(sh(item.file))} > /dev/null`, null);
    measure('verify, stdin (file redirect)', `${inspect('-')} > /dev/null`, item.file);
    if (item.pipe) {
      // Through a pipe both sides wait on the pipe: the yardstick reads through one too.
      const piped = time(`cat ${sh(item.file)} | openssl dgst -sha256`);
      measure('verify, stdin pipe (cat |)', `cat ${sh(item.file)} | ${inspect('-')} > /dev/null`, null, {
        seconds: piped.seconds,
        text: 'cat | openssl dgst -sha256',
      });
    }
    for (const [label, command] of item.extra ?? []) measure(label, command, null);
    if (process.env.BENCH_SKIP_METADATA !== '1' && item.metadata)
      measure('metadata only (--no-verify), by path', `${inspect(`--no-verify ${sh(item.file)}`)} > /dev/null`, null);
  }
}

function printTable(rows) {
  const load = readLoad();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${execFileSync('openssl', ['version']).toString().trim()}`;
  console.log(
    `\nlayerlens bench, ${new Date().toISOString().slice(0, 10)}, ${machine}; medians of ${runs} runs; load average at the end ${load}\n`,
  );
  console.log('| input | size | node | mode | layerlens | yardstick | ratio | throughput | peak RSS |');
  console.log('| --- | ---: | --- | --- | ---: | --- | ---: | ---: | ---: |');
  const cell = (text) => text.replace(/\|/g, '\\|');
  for (const r of rows) {
    console.log(
      `| ${r.input} | ${mb(r.size)} | ${r.node} | ${cell(r.how)} | ${r.seconds.toFixed(2)} s | ${r.yard.toFixed(2)} s (${cell(r.yardText)}) | ${(r.seconds / r.yard).toFixed(2)}x | ${mb(r.size / r.seconds)}/s | ${r.rss === null ? 'n/a' : `${(r.rss / 1024).toFixed(0)} MB`} |`,
    );
  }
}

/** The 1, 5 and 15 minute load averages: how busy the shared machine was. */
function readLoad() {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
