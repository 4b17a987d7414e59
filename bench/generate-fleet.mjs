// A deterministic fleet of `inspect --json` image reports, as CI jobs that each inspect one image
// would write them: 30 bases on 3 OS roots (bases share their root layer), each application image
// one base plus 2 to 8 layers of its own. Used by `npm run bench` (fleet row) and by the SQL test.
import { mkdirSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';

/** mulberry32: small, fast, and the same numbers on every machine. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function digestFrom(next) {
  let hex = '';
  for (let i = 0; i < 8; i++)
    hex += Math.floor(next() * 4294967296)
      .toString(16)
      .padStart(8, '0');
  return `sha256:${hex}`;
}

function layerOf(next, index, createdBy, uncompressed) {
  const size = 1_000 + Math.floor(next() * 40_000_000);
  const tarSize = Math.ceil((size * 1.02) / 512) * 512 + 1024;
  const compressedSize = uncompressed ? null : Math.floor(size * (0.3 + next() * 0.4));
  return {
    index,
    diffId: digestFrom(next),
    digest: digestFrom(next),
    mediaType: uncompressed ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.oci.image.layer.v1.tar+gzip',
    compression: uncompressed ? 'none' : 'gzip',
    storedSize: compressedSize ?? tarSize,
    uncompressedSize: tarSize,
    contentSize: size,
    fileCount: 1 + Math.floor(next() * 2000),
    createdBy,
    present: true,
    external: false,
    estargz: false,
    entry: null,
    compressedSize,
    compressedSizeEstimated: false,
  };
}

/**
 * The images of a fleet, in inspect --json image form. `duplicateEvery` re-emits every n-th
 * application image under a second tag (the same image pushed twice); `uncompressedEvery` stores
 * every n-th application image's own layers uncompressed (docker save style: no compressed size).
 */
export function* fleetImages({ images, bases = 30, seed = 11, duplicateEvery = 0, uncompressedEvery = 0 }) {
  const next = random(seed);
  const roots = ['debian', 'alpine', 'ubuntu'].map((os, i) => layerOf(next, 0, `ADD file:${os}-rootfs-${i} in / `));
  const baseImages = [];
  for (let b = 0; b < bases; b++) {
    const layers = [{ ...roots[b % roots.length] }];
    const own = 1 + Math.floor(next() * 4);
    for (let i = 0; i < own; i++) layers.push(layerOf(next, layers.length, `RUN install base-${b} part ${i}`, false));
    baseImages.push(imageOf(next, [`registry.example/base/base-${b}:1`], layers));
  }
  let emitted = 0;
  for (const base of baseImages) {
    if (emitted++ >= images) return;
    yield base;
  }
  for (let n = 0; emitted < images; n++) {
    // Popular bases carry more images: a skew like real registries.
    const base = baseImages[Math.floor(next() ** 2 * baseImages.length)];
    const own = 2 + Math.floor(next() * 7);
    const uncompressed = uncompressedEvery > 0 && n % uncompressedEvery === uncompressedEvery - 1;
    const layers = base.layers.map((l) => ({ ...l }));
    for (let i = 0; i < own; i++) {
      layers.push(layerOf(next, layers.length, `COPY app-${n} layer ${i} /srv`, uncompressed));
    }
    const image = imageOf(next, [`registry.example/team-${n % 97}/app-${n}:1.0`], layers);
    yield image;
    emitted++;
    if (duplicateEvery > 0 && n % duplicateEvery === 0 && emitted < images) {
      yield { ...image, tags: [`registry.example/team-${n % 97}/app-${n}:latest`] };
      emitted++;
    }
  }
}

function imageOf(next, tags, layers) {
  const compressed = layers.every((l) => l.compressedSize !== null);
  return {
    tags,
    configDigest: digestFrom(next),
    manifestDigest: digestFrom(next),
    platform: 'linux/amd64',
    created: '2026-01-01T00:00:00Z',
    contentSize: layers.reduce((s, l) => s + l.contentSize, 0),
    uncompressedSize: layers.reduce((s, l) => s + l.uncompressedSize, 0),
    compressedSize: compressed ? layers.reduce((s, l) => s + l.compressedSize, 0) : null,
    layers,
    history: layers.map((l) => ({ created: '2026-01-01T00:00:00Z', createdBy: l.createdBy, emptyLayer: false })),
  };
}

function reportOf(image, i) {
  return {
    schemaVersion: 1,
    archives: [
      {
        path: `images/image-${String(i).padStart(6, '0')}.oci.tar`,
        format: 'oci-layout',
        compression: 'none',
        verified: true,
        entryCount: image.layers.length + 4,
        images: [image],
        artifacts: [],
        absent: [],
        problems: [],
      },
    ],
  };
}

/**
 * Writes a fleet to `dir`: `form: 'reports'` one pretty `inspect --json` file per image (as CI
 * jobs write them), `form: 'ndjson'` one `inspect --format ndjson` file. Returns the paths.
 */
export async function writeFleet(dir, options) {
  mkdirSync(dir, { recursive: true });
  const form = options.form ?? 'reports';
  if (form === 'reports') {
    let i = 0;
    for (const image of fleetImages(options)) {
      writeFileSync(
        join(dir, `image-${String(i).padStart(6, '0')}.json`),
        `${JSON.stringify(reportOf(image, i), null, 2)}\n`,
      );
      i++;
    }
    return { dir, count: i };
  }
  const file = join(dir, 'fleet.ndjson');
  const out = createWriteStream(file);
  let i = 0;
  for (const image of fleetImages(options)) {
    const { path, format, compression, verified, entryCount } = reportOf(image, i).archives[0];
    const archive = { path, format, compression, verified, entryCount };
    if (!out.write(`${JSON.stringify({ schemaVersion: 1, archive, ...image })}\n`)) await once(out, 'drain');
    i++;
  }
  out.end();
  await once(out, 'finish');
  return { file, count: i };
}
