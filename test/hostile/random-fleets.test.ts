/**
 * Random small fleets on shared and unshared chains (bench/generate-fleet-archive.mjs): each
 * image's overlay, tree, packages and audit from SharedOverlays, in any order asked, are exactly
 * those of the image made alone, order of paths and of hidden copies included.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAuditConfig } from '../../src/audit/config.js';
import { auditImages } from '../../src/audit/audit-images.js';
import { overlayOfImage, SharedOverlays, type Overlay } from '../../src/layer/overlay.js';
import { chainTreeOf, treeAbove, treeOf } from '../../src/layer/tree-view.js';
import type { ImageReport } from '../../src/model/image.js';
import { PackageHeadStart, sharedPackageOverlays } from '../../src/packages/head-start.js';
import { packagesOfImage } from '../../src/packages/packages-of-image.js';
import { readArchive } from '../../src/read-archive.js';
import { randomFleet, writeFleetArchive } from '../../bench/generate-fleet-archive.mjs';

const dir = mkdtempSync(join(tmpdir(), 'layerlens-random-fleets-'));

/** Everything an overlay tells, its tree's paths in their order. */
function facts(overlay: Overlay): unknown {
  const { tree, hidden, totalSize, visibleSize, wastedSize, efficiency } = overlay;
  const entries = [...tree].map(([path, entry]) => [path, entry.layerIndex, entry.record]);
  return { entries, hidden, totalSize, visibleSize, wastedSize, efficiency };
}

async function fleet(seed: number): Promise<readonly ImageReport[]> {
  const path = join(dir, `fleet-${seed}.tar`);
  await writeFleetArchive(path, randomFleet(seed));
  return (await readArchive(path, { keepMetadata: true, hashFiles: true })).images;
}

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

describe('random fleets on shared chains', () => {
  it.each(SEEDS)('gives each image of fleet %i its overlay, tree and packages as made alone', async (seed) => {
    const images = await fleet(seed);
    const alone = images.map((image) => overlayOfImage(image));
    const order = [...images.keys()].concat([...images.keys()].reverse());
    const overlays = new SharedOverlays(images, (_, tree) => chainTreeOf(tree));
    for (const i of order) {
      const image = images[i] as ImageReport;
      const made = overlays.ofChained(image);
      const expected = alone[i] as Overlay;
      expect(facts(made.overlay)).toEqual(facts(expected));
      const tree = made.above
        ? treeAbove(made.above.value, made.above.changes, made.overlay.tree)
        : treeOf(made.overlay);
      expect(tree).toEqual(treeOf(expected));
    }
    const shared = sharedPackageOverlays(images);
    const headStart = new PackageHeadStart();
    expect(images.map((image) => headStart.packagesOf(image, shared).result)).toEqual(
      images.map((image) => packagesOfImage(image)),
    );
  });

  it.each(SEEDS)('audits each image of fleet %i as it audits the image alone', async (seed) => {
    const images = await fleet(seed);
    const config = parseAuditConfig({ budgets: [{ maxWastedSize: { warn: 1 } }] }, 'test');
    const context = { config, baseline: [], bases: new Map() };
    const together = auditImages(images, context).images;
    expect(together).toEqual(images.map((image) => auditImages([image], context).images[0]));
  });
});
