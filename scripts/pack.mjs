// `npm pack` and `npm publish` run `prepack` before packing and `postpack` after.
//   node scripts/pack.mjs prepack   compile dist/ from scratch and drop `prepare` from package.json
//   node scripts/pack.mjs postpack  put package.json back as it was
// The tarball must carry no install-time script: `prepare` only builds from source, and a packed
// package is already built (npm warns about every install script a package declares).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = join(root, 'package.json');
const saved = join(root, '.package.json.before-pack');

const step = process.argv[2];
if (step === 'prepack') {
  // A pack that failed before postpack left the stripped package.json: start from the original.
  if (existsSync(saved)) renameSync(saved, manifest);
  // From scratch, so no output of a deleted or renamed module is shipped.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  delete pkg.scripts.prepare;
  writeFileSync(saved, text);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (step === 'postpack') {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  console.error('usage: node scripts/pack.mjs prepack|postpack');
  process.exit(2);
}
