import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { SNIFF_BYTES, SniffHead, sniffContent } from '../../src/archive/sniff.js';
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

describe('SniffHead', () => {
  it('hands back a first chunk that holds SNIFF_BYTES as it is, not a copy', () => {
    const chunk = Buffer.alloc(1024 * 1024, 7);
    expect(new SniffHead().add(chunk)).toBe(chunk);
  });

  it('copies smaller chunks, so the caller may refill its buffer, and joins them in order', () => {
    const head = new SniffHead();
    const buffer = Buffer.alloc(300);
    buffer.fill(1);
    expect(head.add(buffer)).toBeNull();
    buffer.fill(2); // the caller's next read
    const last = Buffer.alloc(SNIFF_BYTES, 3);
    const joined = head.add(Buffer.concat([buffer.subarray(0, 100), last]));
    expect(joined).not.toBeNull();
    expect([...(joined ?? [])]).toEqual([...Buffer.alloc(300, 1), ...Buffer.alloc(100, 2), ...last]);
  });

  it('gives what came when the blob ends short of SNIFF_BYTES, then starts afresh', () => {
    const head = new SniffHead();
    expect(head.add(Buffer.from('ab'))).toBeNull();
    expect(head.add(Buffer.from('c'))).toBeNull();
    expect(head.take().toString()).toBe('abc');
    expect(head.take().length).toBe(0);
  });
});
