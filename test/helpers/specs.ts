import type { ImageSpec, LayerSpec } from './fixture-builder.js';

/** A base layer every sample image shares: files, a folder, a symlink and a hard link. */
export const baseLayer = (compression: LayerSpec['compression'] = 'none'): LayerSpec => ({
  compression,
  files: [
    { path: 'etc/', type: 'dir' },
    { path: 'etc/os-release', content: 'ID=sample\n' },
    { path: 'bin/', type: 'dir' },
    { path: 'bin/sh', content: Buffer.alloc(4096, 1) },
    { path: 'bin/ash', type: 'hardlink', target: 'bin/sh' },
    { path: 'bin/bash', type: 'symlink', target: '/bin/sh' },
  ],
});

export const appLayer = (compression: LayerSpec['compression'] = 'none'): LayerSpec => ({
  compression,
  files: [
    { path: 'app/', type: 'dir' },
    { path: 'app/server.js', content: 'console.log("hi")\n' },
    { path: 'etc/.wh.os-release', content: '' },
  ],
});

export function sampleImages(compression: LayerSpec['compression'] = 'none'): ImageSpec[] {
  return [
    {
      tags: ['example.com/base:1'],
      layers: [baseLayer(compression)],
      history: [
        { createdBy: '/bin/sh -c #(nop) ADD file:base in /' },
        { createdBy: '/bin/sh -c #(nop) CMD ["sh"]', emptyLayer: true },
      ],
    },
    {
      tags: ['example.com/app:2', 'example.com/app:latest'],
      layers: [baseLayer(compression), appLayer(compression)],
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      history: [
        { createdBy: '/bin/sh -c #(nop) ADD file:base in /' },
        { createdBy: '/bin/sh -c #(nop) ENV PORT=8080', emptyLayer: true },
        { createdBy: '/bin/sh -c rm /etc/os-release && mkdir /app' },
      ],
    },
  ];
}
