// Fleets of images on shared lower layers, as `docker save` writes them, for the shared-overlay
// tests and their measurements (issue 9): a big base that each image removes a little of
// (`writeDeletingFleet`), and small random fleets whose layers remove, replace, hide folders and
// list layers again above shared and unshared chains (`randomFleet`). Plain JavaScript, so that a
// script can write the same archives to compare builds (`node -e "import(...)"`).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { random } from './generate-fleet.mjs';

export { random };

const MTIME = new Date(0);
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A layer tar of `files` ({ path, content } | { path, type: 'dir' } | { path, type: 'symlink' | 'hardlink', target }). */
async function layerTar(files) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (chunk) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const file of files) {
    if (file.type === 'dir') pack.entry({ name: `${file.path}/`, type: 'directory', mtime: MTIME, mode: 0o755 });
    else if (file.type === 'symlink')
      pack.entry({ name: file.path, type: 'symlink', linkname: file.target, mtime: MTIME, mode: 0o777 });
    else if (file.type === 'hardlink')
      pack.entry({ name: file.path, type: 'link', linkname: file.target, mtime: MTIME, mode: 0o644 });
    else pack.entry({ name: file.path, mtime: MTIME, mode: 0o644 }, Buffer.from(file.content ?? ''));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * A docker save (classic layout) of `images` ({ tags, layers: [layer] }, layer = { files, createdBy? }),
 * as a stream of tar chunks written to `path`. A layer object that several images list is one
 * blob (one `<id>/layer.tar`): they share it. Two layer objects with the same files are two blobs
 * with the same diff id, not shared.
 */
export async function writeFleetArchive(path, images) {
  const blobs = new Map();
  let next = 0;
  for (const image of images) {
    for (const layer of image.layers) {
      if (blobs.has(layer)) continue;
      const bytes = await layerTar(layer.files);
      blobs.set(layer, { bytes, diffId: `sha256:${sha(bytes)}`, id: sha(`blob-${next++}`) });
    }
  }
  const out = tar.pack();
  const written = pipeline(out, createWriteStream(path));
  const add = (name, data) =>
    new Promise((resolve, reject) =>
      out.entry({ name, mtime: MTIME, mode: 0o644 }, data, (error) => (error ? reject(error) : resolve())),
    );
  for (const { bytes, id } of blobs.values()) await add(`${id}/layer.tar`, bytes);
  const manifest = [];
  for (const image of images) {
    const layers = image.layers.map((layer) => blobs.get(layer));
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        // The tags in the config: two images of the same layers are two configs.
        config: { Labels: { tags: image.tags.join(',') } },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
        history: image.layers.map((layer, i) => ({ created_by: layer.createdBy ?? `RUN layer ${i}` })),
      }),
    );
    const configName = `${sha(config)}.json`;
    await add(configName, config);
    manifest.push({ Config: configName, RepoTags: image.tags, Layers: layers.map((l) => `${l.id}/layer.tar`) });
  }
  await add('manifest.json', Buffer.from(JSON.stringify(manifest)));
  out.finalize();
  await written;
}

/**
 * `images` images on one base of `baseEntries` files (in folders of 500), each adding a few files of
 * its own and, with `deleting`, removing one base file (`.wh.`) and, with `opaque`, hiding one
 * base folder (`.wh..wh..opq`) and putting a file back in it.
 */
export function deletingFleet({ baseEntries = 100_000, images = 40, deleting = true, opaque = false }) {
  const folder = (i) => `usr/share/d${Math.floor(i / 500)}`;
  const baseFiles = [];
  for (let i = 0; i < baseEntries; i++)
    baseFiles.push({ path: `${folder(i)}/f${i}`, content: 'x'.repeat(1 + (i % 9)) });
  const base = { files: baseFiles, createdBy: 'ADD rootfs.tar /' };
  const step = Math.max(1, Math.floor(baseEntries / images));
  return Array.from({ length: images }, (_, n) => {
    const own = [
      { path: `srv/app${n}/main`, content: `app ${n}` },
      { path: `srv/app${n}/conf`, content: `conf ${n}` },
    ];
    const victim = (n * step + 7) % baseEntries;
    if (deleting) own.push({ path: `${folder(victim)}/.wh.f${victim}`, content: '' });
    if (opaque) {
      const hidden = folder((n * step + 250) % baseEntries);
      own.push({ path: `${hidden}/.wh..wh..opq`, content: '' }, { path: `${hidden}/kept${n}`, content: 'k' });
    }
    return { tags: [`example.com/svc${n}:1`], layers: [base, { files: own, createdBy: `COPY app${n} /srv` }] };
  });
}

/** A dpkg status stanza and its .list, owning `paths`. */
function dpkg(name, paths) {
  return {
    stanza: `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.${name.length}\nInstalled-Size: 4\n`,
    list: { path: `var/lib/dpkg/info/${name}.list`, content: `${paths.map((p) => `/${p}`).join('\n')}\n` },
  };
}

const FOLDERS = [
  'etc',
  'etc/conf.d',
  'usr/lib',
  'usr/lib/x',
  'usr/share/doc',
  'usr/share/locale/de/LC_MESSAGES',
  'var/cache/apt/archives',
  'var/lib/apt/lists',
  'app',
  'app/node_modules/left-pad',
  'root/.npm/_cacache',
  'opt/tool/bin',
];

/**
 * A small random fleet: bases and runtimes that images share (or hold a copy of under another
 * blob), each image's own layers adding, overwriting, removing (files and folders), hiding
 * folders, turning files into folders and back, hard-linking files (of the layer, as tars do, or
 * of a lower one) that later layers remove or replace, listing a layer again; dpkg and npm databases
 * that images keep, change or remove; images in a random order. The same seed, the same fleet.
 */
export function randomFleet(seed) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const content = () => {
    const n = Math.floor(next() * 6);
    // Few distinct contents of a few sizes: overwrites that change nothing, duplicates.
    return n === 0 ? '' : `${'ab'.repeat(n * 250)}${Math.floor(next() * 3)}`;
  };
  const known = new Set();
  const fileAt = () => `${pick(FOLDERS)}/f${Math.floor(next() * 5)}`;
  const layerOf = (count, createdBy) => {
    const files = [];
    const seen = new Set();
    const put = (file) => {
      if (seen.has(file.path)) return;
      seen.add(file.path);
      files.push(file);
    };
    for (let i = 0; i < count; i++) {
      const roll = next();
      const old = [...known];
      if (roll < 0.45 || old.length === 0) {
        const path = fileAt();
        put({ path, content: content() });
        // A second name for it, as a tar writes a hard link: to an earlier entry of the layer.
        if (next() < 0.25) put({ path: fileAt(), type: 'hardlink', target: path });
      } else if (roll < 0.55) put({ path: pick(FOLDERS), type: 'dir' });
      else if (roll < 0.7) {
        const path = pick(old);
        const slash = path.lastIndexOf('/');
        put({
          path: slash === -1 ? `.wh.${path}` : `${path.slice(0, slash)}/.wh.${path.slice(slash + 1)}`,
          content: '',
        });
      } else if (roll < 0.78) {
        const folder = pick(FOLDERS);
        put({ path: `${folder}/.wh..wh..opq`, content: '' });
        put({ path: `${folder}/back${Math.floor(next() * 3)}`, content: content() });
      } else if (roll < 0.84) put({ path: pick(FOLDERS), content: content() });
      else if (roll < 0.9) put({ path: `${pick(old)}/inner`, content: content() });
      else if (roll < 0.93) put({ path: fileAt(), type: 'symlink', target: pick(old) });
      // A hard link to a lower layer's path (hostile: Docker's overlay2 refuses it).
      else if (roll < 0.95) put({ path: fileAt(), type: 'hardlink', target: pick(old) });
      else if (roll < 0.97) put({ path: `var/cache/apt/archives/p${Math.floor(next() * 9)}.deb`, content: content() });
      // A folder made a link to another (a merged /usr's `lib -> usr/lib`, or one moved upstairs).
      else put({ path: pick(FOLDERS), type: 'symlink', target: `${next() < 0.5 ? '/' : ''}${pick(FOLDERS)}` });
    }
    for (const file of files) if (!file.path.includes('.wh.')) known.add(file.path);
    return { files, createdBy };
  };
  const databases = (names) => {
    // Some paths listed through the merged /usr's link (`lib/x/f1` for usr/lib/x/f1), as Debian 12's lists do.
    const listed = (path) => (path.startsWith('usr/lib/') && next() < 0.5 ? path.slice('usr/'.length) : path);
    const packages = names.map((name) =>
      dpkg(
        name,
        Array.from({ length: 3 }, () => listed(pick([...known]) ?? 'etc/f0')),
      ),
    );
    return [
      { path: 'var/lib/dpkg/status', content: packages.map((p) => p.stanza).join('\n') },
      ...packages.map((p) => p.list),
    ];
  };
  const base = layerOf(30, 'ADD rootfs.tar /');
  base.files.push({ path: 'lib', type: 'symlink', target: 'usr/lib' }, ...databases(['libc', 'coreutils']), {
    path: 'app/node_modules/left-pad/package.json',
    content: '{"name":"left-pad","version":"1.3.0"}',
  });
  const baseCopy = { files: base.files, createdBy: base.createdBy };
  const other = layerOf(12, 'ADD other.tar /');
  const runtime = layerOf(10, 'RUN apt-get update && apt-get install -y rt');
  const runtime2 = layerOf(8, 'RUN rm -rf /var/cache/apt');
  const chains = [[base], [base, runtime], [base, runtime, runtime2], [other], [baseCopy], [base, base]];
  const count = 3 + Math.floor(next() * 6);
  const images = [];
  for (let n = 0; n < count; n++) {
    const layers = [...pick(chains)];
    const own = Math.floor(next() * 4);
    for (let i = 0; i < own; i++) {
      const layer = layerOf(1 + Math.floor(next() * 6), `COPY app${n} part ${i} /app`);
      if (next() < 0.15) layer.files.push(...databases(['libc', `extra${n}`]));
      layers.push(layer);
    }
    if (next() < 0.1 && own > 0) layers.push(layers[layers.length - 1]);
    images.push({ tags: [`example.com/svc${n}:1`], layers });
  }
  // Images in another order than made: a chain's images need not come together.
  for (let i = images.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [images[i], images[j]] = [images[j], images[i]];
  }
  return images;
}
