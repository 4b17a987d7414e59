import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { sniffContent } from '../../src/archive/sniff.js';
import { writeTar } from '../helpers/fixture-builder.js';
import { zstdRawFrame } from '../helpers/zstd-raw.js';

describe('sniffContent', () => {
  it.each([
    ['empty', Buffer.alloc(0), 'empty'],
    ['gzip', gzipSync(Buffer.from('x')), 'gzip'],
    ['zstd', zstdRawFrame(Buffer.from('x')), 'zstd'],
    ['the 1024-byte empty tar', Buffer.alloc(1024), 'tar'],
    ['a JSON object', Buffer.from(' \n{"a":1}'), 'json'],
    ['a JSON array', Buffer.from('[1]'), 'json'],
    ['text', Buffer.from('1.0'), 'other'],
    ['zeros shorter than a block', Buffer.alloc(100), 'other'],
  ])('tells %s', (_name, bytes, kind) => {
    expect(sniffContent(bytes)).toBe(kind);
  });

  it('tells a tar by its header checksum', async () => {
    expect(sniffContent(await writeTar([{ path: 'a', content: Buffer.from('b') }]))).toBe('tar');
  });
});
