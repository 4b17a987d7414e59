// Deterministic benchmark archives, streamed to disk (never buffered): layer content is an
// AES-256-CTR keystream (fast, reproducible) interleaved with text, so gzip halves it roughly
// like real layers.
import { createCipheriv } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';

const BLOCK = 64 * 1024;
const TEXT = Buffer.alloc(BLOCK / 2, 'layerlens benchmark text, compressible like config files and scripts\n');

/** `size` bytes of content for file `seed`, as a stream of 64 KiB chunks. */
function contentStream(seed, size) {
  const key = createHash('sha256').update(`key-${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zero = Buffer.alloc(BLOCK / 2);
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return this.push(null);
      const random = cipher.update(zero);
      const chunk = Buffer.concat([random, TEXT]).subarray(0, Math.min(BLOCK, left));
      left -= chunk.length;
      this.push(chunk);
    },
  });
}

function contentBuffer(seed, size) {
  const key = createHash('sha256').update(`key-${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const half = Math.ceil(size / 2);
  return Buffer.concat([cipher.update(Buffer.alloc(half)), TEXT.subarray(0, size - half)]);
}

const pad = (n) => Math.ceil(n / 512) * 512;
/** Byte size of a tar of these files as tar-stream writes it (short names, no pax). */
const tarSize = (files) => files.reduce((sum, f) => sum + 512 + pad(f.size), 0) + 1024;

/** A layer tar as a stream: `files` = [{ name, size, seed }]. */
function layerStream(files) {
  const pack = tar.pack();
  (async () => {
    for (const f of files) {
      if (f.content) {
        pack.entry({ name: f.name, size: f.size, mtime: new Date(0), mode: 0o644 }, f.content);
        continue;
      }
      if (f.size < 256 * 1024) {
        pack.entry({ name: f.name, size: f.size, mtime: new Date(0), mode: 0o644 }, contentBuffer(f.seed, f.size));
        continue;
      }
      const entry = pack.entry({ name: f.name, size: f.size, mtime: new Date(0), mode: 0o644 });
      await pipeline(contentStream(f.seed, f.size), entry);
    }
    pack.finalize();
  })().catch((e) => pack.destroy(e));
  return pack;
}

function bigLayer(index, megabytes) {
  const files = [];
  for (let i = 0; i < 4; i++)
    files.push({ name: `data/layer${index}/big${i}.bin`, size: (megabytes * 1024 * 1024) / 4, seed: index * 100 + i });
  for (let i = 0; i < 50; i++)
    files.push({ name: `etc/layer${index}/conf${i}`, size: 1000 + i * 37, seed: index * 1000 + i });
  return files;
}

function smallFilesLayer(index, count) {
  return Array.from({ length: count }, (_, i) => ({
    name: `usr/share/l${index}/d${Math.floor(i / 500)}/f${i}.txt`,
    size: 2000 + ((i * 7919) % 6000),
    seed: index * 1_000_000 + i,
  }));
}

const sha = (text) => createHash('sha256').update(text).digest('hex');

const withContent = (name, text) => {
  const content = Buffer.from(text);
  return { name, size: content.length, content };
};

/**
 * Layers of an image with real-format package databases (issue 9): a Debian-like base of 400 dpkg
 * packages with their status and .list files, 1500 npm packages with package.json files, 100 pip
 * dist-infos with RECORDs, and an app layer of large files. About 1 GB and 55k files at scale 1.
 */
export function packageLayers(scale) {
  const fileSize = (i) => Math.max(64, Math.round((12_000 + ((i * 7919) % 6000)) * scale));
  const dpkg = [];
  const stanzas = [];
  for (let p = 0; p < 400; p++) {
    const name = `libbench${p}`;
    const paths = Array.from({ length: 50 }, (_, i) => `usr/lib/bench${p}/f${i}.so`);
    dpkg.push(...paths.map((path, i) => ({ name: path, size: fileSize(p * 50 + i), seed: 5_000_000 + p * 50 + i })));
    dpkg.push(
      withContent(
        `var/lib/dpkg/info/${name}.list`,
        ['/.', '/usr', '/usr/lib', `/usr/lib/bench${p}`, ...paths.map((x) => `/${x}`)].join('\n') + '\n',
      ),
    );
    stanzas.push(
      `Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: ${p + 10}\nArchitecture: amd64\nVersion: 1.${p}-1\nDescription: benchmark package ${p}\n a longer description line\n`,
    );
  }
  dpkg.push(withContent('var/lib/dpkg/status', stanzas.join('\n')));
  const npm = [];
  for (let p = 0; p < 1500; p++) {
    const name = p % 5 === 0 ? `@s${p % 7}/n${p}` : `n${p}`;
    const dir = `app/node_modules/${name}`;
    npm.push(
      withContent(`${dir}/package.json`, JSON.stringify({ name, version: `1.0.${p}`, main: 'index.js' }, null, 2)),
    );
    for (let i = 0; i < 20; i++)
      npm.push({ name: `${dir}/lib/f${i}.js`, size: fileSize(p * 20 + i), seed: 6_000_000 + p * 20 + i });
  }
  npm.push(
    withContent(
      'app/package.json',
      JSON.stringify({ name: 'app', dependencies: { n1: '1' }, devDependencies: { n2: '1' } }),
    ),
  );
  const pip = [];
  const site = 'usr/local/lib/python3.12/site-packages';
  for (let p = 0; p < 100; p++) {
    const files = Array.from({ length: 30 }, (_, i) => ({
      name: `${site}/pk${p}/m${i}.py`,
      size: fileSize(p * 30 + i),
      seed: 7_000_000 + p * 30 + i,
    }));
    pip.push(...files);
    pip.push(
      withContent(
        `${site}/pk${p}-2.${p}.dist-info/RECORD`,
        files.map((f) => `${f.name.slice(site.length + 1)},sha256=x,${f.size}`).join('\n') + '\n',
      ),
    );
  }
  return [dpkg, npm, pip, bigLayer(9, Math.max(1, Math.round(400 * scale)))];
}

/** Compresses a layer tar with the zstd command (level 3, its default) into `path`. */
async function zstdLayer(files, path) {
  const child = spawn('zstd', ['-q', '-3', '-f', '-o', path], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`zstd exited with ${code}`))));
  });
  const diff = createHash('sha256');
  const layer = layerStream(files);
  layer.on('data', (c) => diff.update(c));
  await pipeline(layer, child.stdin);
  await exited;
  return `sha256:${diff.digest('hex')}`;
}

/** Writes a docker save (classic layout) or an OCI layout with gzip or zstd layers. */
export async function writeArchive(
  path,
  layers,
  { format, gzipLayers = false, zstdLayers = false, layersCopy = null },
) {
  // zstd layers are appended to the copy file by path, one whole frame at a time.
  const copy = layersCopy && !zstdLayers ? createWriteStream(layersCopy) : null;
  const out = tar.pack();
  const done = pipeline(out, createWriteStream(path));
  const diffIds = [];
  const layerNames = [];
  const descriptors = [];
  for (const [i, files] of layers.entries()) {
    const size = tarSize(files);
    if (zstdLayers) {
      // zstd from Debian's package (Node 20 cannot compress zstd); the yardstick reads the same frames.
      const tmp = `${path}.layer${i}.zst`;
      diffIds.push(await zstdLayer(files, tmp));
      const digest = createHash('sha256');
      for await (const c of createReadStream(tmp)) digest.update(c);
      const hex = digest.digest('hex');
      const storedSize = statSync(tmp).size;
      const entry = out.entry({ name: `blobs/sha256/${hex}`, size: storedSize, mtime: new Date(0), mode: 0o644 });
      await pipeline(createReadStream(tmp), entry);
      if (layersCopy) await pipeline(createReadStream(tmp), createWriteStream(layersCopy, { flags: 'a' }));
      rmSync(tmp);
      descriptors.push({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
        digest: `sha256:${hex}`,
        size: storedSize,
      });
    } else if (!gzipLayers) {
      const name = format === 'oci' ? `blobs/sha256/${sha(`layer-${i}`)}` : `${sha(`v1-${i}`)}/layer.tar`;
      const hash = createHash('sha256');
      const entry = out.entry({ name, size, mtime: new Date(0), mode: 0o644 });
      const layer = layerStream(files);
      layer.on('data', (c) => hash.update(c));
      await pipeline(layer, entry);
      diffIds.push(`sha256:${hash.digest('hex')}`);
      layerNames.push(name);
    } else {
      // The compressed size must be known before the entry header: compress to memory-free
      // counting first, then again into the archive. Deterministic, so both passes agree.
      let compressedSize = 0;
      const diff = createHash('sha256');
      const digest = createHash('sha256');
      const count = layerStream(files);
      count.on('data', (c) => diff.update(c));
      const gz = createGzip({ level: 1 });
      gz.on('data', (c) => {
        compressedSize += c.length;
        digest.update(c);
      });
      await pipeline(count, gz);
      const hex = digest.digest('hex');
      const entry = out.entry({ name: `blobs/sha256/${hex}`, size: compressedSize, mtime: new Date(0), mode: 0o644 });
      const second = createGzip({ level: 1 });
      // The yardstick for (d) decompresses the very same gzip bytes, kept beside the archive.
      if (copy) second.on('data', (c) => copy.write(c));
      await pipeline(layerStream(files), second, entry);
      diffIds.push(`sha256:${diff.digest('hex')}`);
      descriptors.push({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: `sha256:${hex}`,
        size: compressedSize,
      });
    }
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created_by: `layer ${i}` })),
    }),
  );
  const configHex = sha(config);
  const add = (name, data) =>
    new Promise((resolve, reject) =>
      out.entry({ name, mtime: new Date(0), mode: 0o644 }, data, (e) => (e ? reject(e) : resolve())),
    );
  if (format === 'oci') {
    if (!gzipLayers && !zstdLayers)
      descriptors.push(
        ...layerNames.map((n, i) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: diffIds[i],
          size: tarSize(layers[i]),
        })),
      );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: `sha256:${configHex}`,
          size: config.length,
        },
        layers: descriptors,
      }),
    );
    await add(`blobs/sha256/${configHex}`, config);
    await add(`blobs/sha256/${sha(manifest)}`, manifest);
    await add(
      'index.json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: `sha256:${sha(manifest)}`,
              size: manifest.length,
              annotations: { 'org.opencontainers.image.ref.name': 'bench:1' },
            },
          ],
        }),
      ),
    );
    await add('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  } else {
    await add(`${configHex}.json`, config);
    await add(
      'manifest.json',
      Buffer.from(JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['bench:1'], Layers: layerNames }])),
    );
  }
  out.finalize();
  await done;
  if (copy) await new Promise((resolve) => copy.end(resolve));
}

/** Input (e): a docker save whose layers carry dpkg, npm and pip databases (the --packages row). */
export async function generatePackagesInput(dir, scale = 1) {
  const e = `${dir}/e-docker-save-packages.tar`;
  await writeArchive(e, packageLayers(scale), { format: 'docker' });
  return e;
}

/** The inputs of the benchmark; `scale` shrinks them for a quick check. */
export async function generateInputs(dir, scale = 1, { withZstd = false } = {}) {
  const mb = (n) => Math.max(1, Math.round(n * scale));
  const a = `${dir}/a-docker-save-large-layers.tar`;
  const b = `${dir}/b-docker-save-small-files.tar`;
  const d = `${dir}/d-oci-gzip-layers.tar`;
  await writeArchive(a, [bigLayer(1, mb(800)), bigLayer(2, mb(600)), bigLayer(3, mb(400)), bigLayer(4, mb(200))], {
    format: 'docker',
  });
  await writeArchive(
    b,
    [0, 1, 2, 3].map((i) => smallFilesLayer(i, Math.max(100, Math.round(55_000 * scale)))),
    { format: 'docker' },
  );
  await writeArchive(d, [bigLayer(1, mb(400)), bigLayer(2, mb(300)), bigLayer(3, mb(100))], {
    format: 'oci',
    gzipLayers: true,
    layersCopy: `${d}.layers.gz`,
  });
  const e = await generatePackagesInput(dir, scale);
  // (f) needs the zstd command to compress; without it the row is skipped, saying why.
  let f = null;
  if (withZstd) {
    f = `${dir}/f-oci-zstd-layers.tar`;
    await writeArchive(f, [bigLayer(1, mb(400)), bigLayer(2, mb(300)), bigLayer(3, mb(100))], {
      format: 'oci',
      zstdLayers: true,
      layersCopy: `${f}.layers.zst`,
    });
  }
  return { a, b, d, dLayers: `${d}.layers.gz`, e, f, fLayers: f && `${f}.layers.zst` };
}

/**
 * Two releases of about 1 GB each for the `diff` row: the same two base layers, then a rebuilt
 * app layer and a changed small-files layer (an upgraded dependency tree).
 */
export async function generateDiffInputs(dir, scale = 1) {
  const mb = (n) => Math.max(1, Math.round(n * scale));
  const files = Math.max(100, Math.round(20_000 * scale));
  const old = `${dir}/diff-old.tar`;
  const next = `${dir}/diff-new.tar`;
  await writeArchive(
    old,
    [bigLayer(11, mb(400)), bigLayer(12, mb(300)), bigLayer(13, mb(200)), smallFilesLayer(5, files)],
    {
      format: 'docker',
    },
  );
  await writeArchive(
    next,
    [bigLayer(11, mb(400)), bigLayer(12, mb(300)), bigLayer(14, mb(240)), smallFilesLayer(6, files)],
    {
      format: 'docker',
    },
  );
  return { old, next };
}
