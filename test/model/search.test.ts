import { describe, expect, it } from 'vitest';
import { firstPast } from '../../src/model/search.js';

describe('firstPast', () => {
  it('finds the first position past a value in every sorted list up to 40, as a scan would', () => {
    for (let count = 0; count <= 40; count++) {
      const sorted = Array.from({ length: count }, (_, i) => Math.floor(i / 3));
      for (let value = -1; value <= count / 3 + 1; value++) {
        const scan = sorted.findIndex((n) => n > value);
        expect(firstPast(count, (i) => (sorted[i] ?? 0) > value)).toBe(scan === -1 ? count : scan);
      }
    }
  });
});
