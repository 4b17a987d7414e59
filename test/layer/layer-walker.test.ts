import { describe, expect, it } from 'vitest';
import { LayerWalker } from '../../src/layer/layer-contents.js';
import { metadataFilesOf } from '../../src/layer/metadata-capture.js';
import { writeTar } from '../helpers/fixture-builder.js';

describe('LayerWalker with keepMetadata', () => {
  it.each([1, 100, 511, 4096, 1 << 20])(
    'keeps each database file whole, whatever the chunks it arrives in (%i bytes)',
    async (chunkSize) => {
      const status = `Package: libc6\nStatus: install ok installed\nDescription: ü ${'x'.repeat(3000)}\n`;
      const manifest = '{"name":"é","version":"1.0.0"}';
      // A name long enough for a pax header before the entry's own.
      const deep = `app/node_modules/${'d'.repeat(120)}/package.json`;
      const layer = await writeTar([
        { path: 'var/lib/dpkg/status', content: Buffer.from(status) },
        { path: 'usr/bin/ls', content: Buffer.alloc(700, 1) },
        { path: 'app/node_modules/e/package.json', content: Buffer.from(manifest) },
        { path: 'var/lib/dpkg/info/empty.list', content: Buffer.alloc(0) },
        { path: 'var/lib/dpkg/info/ls.list', content: Buffer.from('/usr/bin/ls\n') },
        { path: deep, content: Buffer.from('{}') },
      ]);
      const walker = new LayerWalker({ keepFiles: true, keepMetadata: true });
      for (let i = 0; i < layer.length; i += chunkSize) walker.write(layer.subarray(i, i + chunkSize));
      const { metadata, files } = walker.finish();
      expect(metadata && metadataFilesOf(metadata)).toEqual([
        { path: 'var/lib/dpkg/status', kind: 'dpkg-status', text: status },
        { path: 'app/node_modules/e/package.json', kind: 'npm-package', text: manifest },
        { path: 'var/lib/dpkg/info/empty.list', kind: 'dpkg-list', text: '' },
        { path: 'var/lib/dpkg/info/ls.list', kind: 'dpkg-list', text: '/usr/bin/ls\n' },
        { path: deep, kind: 'npm-package', text: '{}' },
      ]);
      expect(files.length).toBe(6);
    },
  );
});
