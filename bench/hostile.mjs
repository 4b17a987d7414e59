// Issue 12's large but legal shapes for the benchmark: (h) one layer of 300,000 entries and
// (i) one image of 100,000 layers. Written streaming, so generation never holds the archive.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import tar from 'tar-stream';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** A layer tar of `count` empty files in 1,000 folders, built in memory (512 bytes per entry). */
async function manyEntriesLayer(count) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const ended = once(pack, 'end');
  for (let i = 0; i < count; i++) pack.entry({ name: `d${i % 1000}/f${i}`, size: 0, mtime: new Date(0) }, '');
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

async function writeDockerSave(path, layerTar, layerCount) {
  const diffId = `sha256:${sha256(layerTar)}`;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: Array.from({ length: layerCount }, () => diffId) },
      history: Array.from({ length: layerCount }, (_, i) => ({ created_by: `RUN step ${i}` })),
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify([
      {
        Config: 'config.json',
        RepoTags: ['bench:hostile'],
        Layers: Array.from({ length: layerCount }, () => 'layer.tar'),
      },
    ]),
  );
  const out = tar.pack();
  const file = createWriteStream(path);
  out.pipe(file);
  out.entry({ name: 'layer.tar', mtime: new Date(0) }, layerTar);
  out.entry({ name: 'config.json', mtime: new Date(0) }, config);
  out.entry({ name: 'manifest.json', mtime: new Date(0) }, manifest);
  out.finalize();
  await once(file, 'close');
}

/** (h) and (i); `scale` shrinks them like the other inputs. */
export async function generateHostileInputs(dir, scale = 1) {
  const f = `${dir}/h-docker-save-300k-entry-layer.tar`;
  const g = `${dir}/i-docker-save-100k-layers.tar`;
  await writeDockerSave(f, await manyEntriesLayer(Math.max(1000, Math.round(300_000 * scale))), 1);
  const tiny = await manyEntriesLayer(1);
  await writeDockerSave(g, tiny, Math.max(1000, Math.round(100_000 * scale)));
  return { f, g };
}
