import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { TarFormatError, TarParser, type TarHeader } from '../../src/archive/tar-parser.js';
import { writeTar } from '../helpers/fixture-builder.js';

function parse(bytes: Buffer, chunkSize: number): { headers: TarHeader[]; data: Map<string, Buffer>; ended: boolean } {
  const headers: TarHeader[] = [];
  const data = new Map<string, Buffer>();
  let current = '';
  const parser = new TarParser({
    onEntry(header) {
      headers.push(header);
      current = header.path;
      data.set(current, Buffer.alloc(0));
    },
    onData(chunk) {
      data.set(current, Buffer.concat([data.get(current) ?? Buffer.alloc(0), chunk]));
    },
  });
  for (let i = 0; i < bytes.length; i += chunkSize) parser.write(bytes.subarray(i, i + chunkSize));
  return { headers, data, ended: parser.end() };
}

/** A ustar header block written by hand: `fill` sets its fields, then its checksum is computed. */
function handHeader(fill: (block: Buffer) => void): Buffer {
  const block = Buffer.alloc(512);
  block.write('0000644\0', 100);
  block.write('ustar\x0000', 257);
  fill(block);
  block.write('        ', 148);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

describe('TarParser', () => {
  const longName = `${'deep/'.repeat(40)}file-with-a-long-name.txt`;
  const entries = [
    { path: 'a.txt', content: Buffer.from('hello') },
    { path: 'dir/', type: 'dir' as const },
    { path: longName, content: Buffer.alloc(1000, 7) },
    { path: 'link', type: 'symlink' as const, target: 'x'.repeat(300) },
    { path: 'hard', type: 'hardlink' as const, target: 'a.txt' },
    { path: 'empty', content: Buffer.alloc(0) },
  ];

  it.each([1, 7, 321, 512, 100_000])('reads every header and byte fed in chunks of %i', async (size) => {
    const { headers, data, ended } = parse(await writeTar(entries), size);
    expect(ended).toBe(true);
    expect(headers.map((h) => [h.path, h.type, h.size, h.linkTarget])).toEqual([
      ['a.txt', 'file', 5, null],
      ['dir/', 'directory', 0, null],
      [longName, 'file', 1000, null],
      ['link', 'symlink', 0, 'x'.repeat(300)],
      ['hard', 'hardlink', 0, 'a.txt'],
      ['empty', 'file', 0, null],
    ]);
    expect(data.get('a.txt')?.toString()).toBe('hello');
    expect(data.get(longName)).toEqual(Buffer.alloc(1000, 7));
  });

  it.each([0, 1, 2, 3])('reads headers where they lie, %i bytes past a word boundary in memory', (shift) => {
    // Headers are read in place, their checksum a word at a time when aligned, else byte by byte.
    // A name beyond ASCII: its header's unsigned sum differs from the signed one old tars wrote,
    // so a wrong unsigned sum cannot pass as the signed one.
    const header = (name: string): Buffer =>
      handHeader((block) => {
        block.write(name, 0, 'utf8');
        block.write('00000000000\0', 124);
        block[156] = 0x30;
      });
    const tar = Buffer.concat([header('first'), header('dïr/ünïcode.txt'), Buffer.alloc(1024)]);
    const memory = Buffer.alloc(tar.length + shift);
    tar.copy(memory, shift);
    const { headers, ended } = parse(memory.subarray(shift), tar.length);
    expect(ended).toBe(true);
    expect(headers.map((h) => h.path)).toEqual(['first', 'dïr/ünïcode.txt']);
    const corrupt = Buffer.from(memory);
    corrupt[shift + 512 + 50] = 0x41; // inside the second header's name field
    expect(() => parse(corrupt.subarray(shift), tar.length)).toThrow(/checksum does not match/);
  });

  it('skips the content of an entry whose onEntry returns false: no onData, no onEntryEnd', async () => {
    const seen: string[] = [];
    let current = '';
    const parser = new TarParser({
      onEntry(header) {
        current = header.path;
        seen.push(`entry ${current}`);
        return header.path !== longName;
      },
      onData(chunk) {
        seen.push(`data ${current} ${chunk.length}`);
      },
      onEntryEnd(header) {
        seen.push(`end ${header.path}`);
      },
    });
    const bytes = await writeTar(entries);
    for (let i = 0; i < bytes.length; i += 300) parser.write(bytes.subarray(i, i + 300));
    expect(parser.end()).toBe(true);
    expect(seen.filter((line) => line.includes(longName))).toEqual([`entry ${longName}`]);
    expect(seen).toContain('data a.txt 5');
    expect(seen).toContain('end a.txt');
    expect(seen).toContain('end empty');
  });

  it('records where each entry starts, pax headers included', async () => {
    const { headers } = parse(await writeTar(entries), 4096);
    expect(headers[0]?.headerOffset).toBe(0);
    expect(headers[1]?.headerOffset).toBe(1024);
    // The long name needs a pax header block and its payload before the entry's own header.
    expect(headers[3]?.headerOffset).toBeGreaterThan(headers[2]?.headerOffset ?? 0);
  });

  it.each([1, 7, 100, 321, 4096])(
    'tells where each entry and its content start when headers come in pieces of %i bytes',
    async (size) => {
      const bytes = await writeTar(entries);
      const whole: [number, number][] = [];
      const whole_ = new TarParser({ onEntry: (header) => void whole.push([header.headerOffset, whole_.dataOffset]) });
      whole_.write(bytes);
      const pieces: [number, number][] = [];
      const parser = new TarParser({ onEntry: (header) => void pieces.push([header.headerOffset, parser.dataOffset]) });
      for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size));
      expect(pieces).toEqual(whole);
      // The content of a.txt and of the long-named file lies where dataOffset says.
      const [, helloAt] = whole[0] ?? [0, 0];
      expect(bytes.subarray(helloAt, helloAt + 5).toString()).toBe('hello');
      const [, longAt] = whole[2] ?? [0, 0];
      expect(bytes.subarray(longAt, longAt + 1000)).toEqual(Buffer.alloc(1000, 7));
    },
  );

  it('reports a stream without end-of-archive blocks as not ended', async () => {
    const { ended } = parse(await writeTar(entries, { endBlocks: false }), 999);
    expect(ended).toBe(false);
  });

  it('throws when the input ends inside an entry', async () => {
    const tar = await writeTar(entries);
    expect(() => parse(tar.subarray(0, 1500), 100)).toThrow(TarFormatError);
    expect(() => parse(tar.subarray(0, 100), 100)).toThrow(/inside a tar header/);
  });

  it('keeps no hold on a chunk once it has read it, so its memory goes with it', async () => {
    // A full collection on demand: the flag gives new contexts a `gc` (as in blob-worker.ts).
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const parser = new TarParser({ onEntry: () => false });
    // A chunk with memory of its own (Buffer.alloc never takes the shared pool), holding a whole
    // header, so that the checksum reads it through a view of 32-bit words; nothing but the
    // parser can hold it once feed returns.
    const feed = (): WeakRef<ArrayBuffer> => {
      const chunk = Buffer.alloc(4096);
      handHeader((block) => block.write('a.txt', 0)).copy(chunk, 0);
      parser.write(chunk.subarray(0, 1024));
      return new WeakRef(chunk.buffer);
    };
    const memory = feed();
    await new Promise((resolve) => setImmediate(resolve));
    collect();
    await new Promise((resolve) => setImmediate(resolve));
    collect();
    expect(memory.deref()).toBeUndefined();
    expect(parser.position).toBe(1024);
  });

  it('rejects a header whose checksum does not match', async () => {
    const tar = Buffer.from(await writeTar(entries));
    tar[10] = 0x41;
    expect(() => parse(tar, 512)).toThrow(/checksum/);
  });

  it('reads GNU base-256 sizes', () => {
    const header = handHeader((block) => {
      block.write('big', 0);
      block.write('0000000\0', 108);
      block.write('0000000\0', 116);
      block[124] = 0x80;
      block.writeUIntBE(3, 124 + 6, 6);
      block.write('00000000000\0', 136);
      block[156] = 0x30;
    });
    const seen: TarHeader[] = [];
    const parser = new TarParser({
      onEntry: (h) => {
        seen.push(h);
      },
    });
    parser.write(Buffer.concat([header, Buffer.alloc(512), Buffer.alloc(1024)]));
    expect(parser.end()).toBe(true);
    expect(seen[0]?.size).toBe(3);
  });

  /** A pax `x` header with `payload`, then a one-byte file named `short`. */
  const paxEntry = (payload: Buffer): Buffer => {
    const header = handHeader((block) => {
      block.write('PaxHeader', 0);
      block.write(`${payload.length.toString(8).padStart(11, '0')}\0`, 124);
      block[156] = 'x'.charCodeAt(0);
    });
    const file = handHeader((block) => {
      block.write('short', 0);
      block.write('00000000001\0', 124);
      block[156] = '0'.charCodeAt(0);
    });
    const padding = Buffer.alloc((512 - (payload.length % 512)) % 512);
    return Buffer.concat([header, payload, padding, file, Buffer.from('x'), Buffer.alloc(511), Buffer.alloc(1024)]);
  };

  it('reads a pax header of records whose lengths are zeros and a one in linear time', () => {
    // Every length parses as 1: moving one byte at a time and reading up to the one space each
    // time was quadratic (128 KB: 3 s; 192 KB: over a minute).
    // Counted, not timed: the searches of the payload for a space, one per record (the old code
    // searched it 512 K times, each to its end; stopped here past 16).
    const payload = Buffer.from(`${'0'.repeat(512 * 1024 - 2)}1 `);
    const buffers = Buffer.prototype as Buffer;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- applied below with its buffer
    const indexOf = buffers.indexOf;
    let searches = 0;
    const search = vi.spyOn(buffers, 'indexOf').mockImplementation(function (this: Buffer, ...args: unknown[]) {
      if (this.length >= payload.length && ++searches > 16) throw new Error('the pax payload is searched again');
      return Reflect.apply(indexOf, this, args) as number;
    });
    try {
      const { headers } = parse(paxEntry(payload), 64 * 1024);
      expect(headers.map((h) => h.path)).toEqual(['short']);
    } finally {
      search.mockRestore();
    }
    expect(searches).toBeGreaterThan(0);
    expect(searches).toBeLessThan(4);
  });

  it('keeps the pax records before a malformed one', () => {
    const good = '26 path=dir/long-name.txt\n';
    const { headers } = parse(paxEntry(Buffer.from(`${good}3 x=y\n00000000000000000000000000009 z\n`)), 512);
    expect(headers.map((h) => h.path)).toEqual(['dir/long-name.txt']);
  });

  it('refuses a pax header larger than any real one', () => {
    const header = handHeader((block) => {
      block.write('PaxHeader', 0);
      block.write('77777777777\0', 124);
      block[156] = 'x'.charCodeAt(0);
    });
    const parser = new TarParser({ onEntry: () => undefined });
    expect(() => {
      parser.write(header);
    }).toThrow(/larger than any real one/);
  });
});
