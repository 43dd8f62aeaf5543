import { describe, expect, it } from 'vitest';
import { childThreads } from './child-executor.js';

describe('childThreads: KD_THREADS for each sweep run in its own process', () => {
  it('shares the cores out among the runs at once (at least one thread each)', () => {
    expect(childThreads(1, {}, 2)).toBe('2');
    expect(childThreads(2, {}, 2)).toBe('1');
    expect(childThreads(3, {}, 8)).toBe('2');
    expect(childThreads(16, {}, 8)).toBe('1');
  });

  it("leaves the user's KD_THREADS alone", () => {
    expect(childThreads(2, { KD_THREADS: '3' }, 2)).toBe('3');
  });
});
