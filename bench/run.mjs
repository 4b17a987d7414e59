// npm run bench: layerlens against the physical yardstick (openssl dgst -sha256 on the same
// bytes; gzip -dc | openssl for compressed data), medians of several runs, peak RSS.
// BENCH_SCALE=0.1 shrinks the inputs for a quick look; BENCH_RUNS sets the runs per cell.
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
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { generateInputs } from './generate.mjs';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'bin/layerlens.js');
const hasTime = existsSync('/usr/bin/time');
const dir = mkdtempSync(join(tmpdir(), 'layerlens-bench-'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;

/** Runs a shell command `runs` times; returns the median wall time in seconds and the max peak RSS (KB). */
function time(command, { stdin = null } = {}) {
  const seconds = [];
  let rss = null;
  for (let i = 0; i < runs; i++) {
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

async function main() {
  console.error(`generating inputs in ${dir} (scale ${scale}) ...`);
  const t0 = Date.now();
  const { a, b, d, dLayers, e } = await generateInputs(dir, scale);
  const c = join(dir, 'c-docker-save-gzip.tar.gz');
  await pipeline(createReadStream(a), createGzip({ level: 1 }), createWriteStream(c));
  console.error(`generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const inspect = (flags) => `node ${sh(cli)} inspect --json -q ${flags}`;
  const cases = [
    {
      name: '(a) docker save, 4 large layers',
      file: a,
      yard: `openssl dgst -sha256 ${sh(a)}`,
      yardText: 'openssl dgst -sha256',
    },
    {
      name: '(b) docker save, 220k small files',
      file: b,
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
  ];
  const rows = [];
  for (const item of cases) {
    const size = statSync(item.file).size;
    const yard = time(item.yard);
    const measure = (label, command, stdin, own = null) => {
      const result = time(command, { stdin });
      const against = own ?? { seconds: yard.seconds, text: item.yardText };
      rows.push({
        input: item.name,
        how: label,
        size,
        seconds: result.seconds,
        yard: against.seconds,
        yardText: against.text,
        rss: result.rss,
      });
      console.error(`${item.name} ${label}: ${result.seconds.toFixed(2)} s vs ${against.seconds.toFixed(2)} s`);
    };
    measure('verify, by path', `${inspect(sh(item.file))} > /dev/null`, null);
    measure('verify, stdin (file redirect)', `${inspect('-')} > /dev/null`, item.file);
    if (item.file === a) {
      // Through a pipe both sides wait on the pipe: the yardstick reads through one too.
      const piped = time(`cat ${sh(item.file)} | openssl dgst -sha256`);
      measure('verify, stdin pipe (cat |)', `cat ${sh(item.file)} | ${inspect('-')} > /dev/null`, null, {
        seconds: piped.seconds,
        text: 'cat | openssl dgst -sha256',
      });
    }
    if (process.env.BENCH_SKIP_METADATA !== '1' && (item.file === a || item.file === b))
      measure('metadata only (--no-verify), by path', `${inspect(`--no-verify ${sh(item.file)}`)} > /dev/null`, null);
  }
  // Issue 9: what --packages costs, as a ratio to plain inspect --json taken in the same run.
  {
    const size = statSync(e).size;
    const plain = time(`${inspect(sh(e))} > /dev/null`);
    const withPackages = time(`${inspect(`--packages ${sh(e)}`)} > /dev/null`);
    const input = '(e) docker save, dpkg + npm + pip metadata, 55k files';
    rows.push({
      input,
      how: 'verify, by path',
      size,
      seconds: plain.seconds,
      yard: plain.seconds,
      yardText: 'itself',
      rss: plain.rss,
    });
    rows.push({
      input,
      how: '--packages, by path',
      size,
      seconds: withPackages.seconds,
      yard: plain.seconds,
      yardText: 'inspect --json',
      rss: withPackages.rss,
    });
    console.error(`${input} --packages: ${withPackages.seconds.toFixed(2)} s vs ${plain.seconds.toFixed(2)} s`);
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${execFileSync('openssl', ['version']).toString().trim()}`;
  console.log(`\nlayerlens bench, ${new Date().toISOString().slice(0, 10)}, ${machine}; medians of ${runs} runs\n`);
  console.log('| input | size | mode | layerlens | yardstick | ratio | throughput | peak RSS |');
  console.log('| --- | ---: | --- | ---: | --- | ---: | ---: | ---: |');
  const cell = (text) => text.replace(/\|/g, '\\|');
  for (const r of rows) {
    console.log(
      `| ${r.input} | ${mb(r.size)} | ${cell(r.how)} | ${r.seconds.toFixed(2)} s | ${r.yard.toFixed(2)} s (${cell(r.yardText)}) | ${(r.seconds / r.yard).toFixed(2)}x | ${mb(r.size / r.seconds)}/s | ${r.rss === null ? 'n/a' : `${(r.rss / 1024).toFixed(0)} MB`} |`,
    );
  }
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
