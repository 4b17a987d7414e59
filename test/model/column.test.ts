import { describe, expect, it } from 'vitest';
import { pushAll } from '../../src/model/column.js';

describe('pushAll', () => {
  it('appends millions of values, more than one spread of them could pass as arguments', () => {
    const values = Array.from({ length: 5_000_000 }, (_, i) => i);
    expect(() => [].push(...(values as never[]))).toThrow(RangeError);
    const into = [-1];
    pushAll(into, values);
    expect(into.length).toBe(5_000_001);
    expect(into[0]).toBe(-1);
    expect(into[1]).toBe(0);
    expect(into[4096]).toBe(4095);
    expect(into[4097]).toBe(4096);
    expect(into[5_000_000]).toBe(4_999_999);
  });
});
