import { describe, expect, it } from 'vitest';
import { formatDockerSize } from '../../src/report/docker-units.js';

describe('formatDockerSize (go-units HumanSize)', () => {
  it.each([
    [0, '0B'],
    [37, '37B'],
    [999, '999B'],
    [1000, '1kB'],
    [78362, '78.36kB'],
    [668219, '668.2kB'],
    [2146242, '2.146MB'],
    [2164465, '2.164MB'],
    [5473160, '5.473MB'],
    [1_000_000_000, '1GB'],
  ])('%i -> %s', (bytes, text) => {
    expect(formatDockerSize(bytes)).toBe(text);
  });
});
