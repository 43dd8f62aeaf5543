import { describe, expect, it } from 'vitest';
import { runPool } from './pool.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('runPool', () => {
  it('keeps at most `concurrency` items in flight and starts them in order', async () => {
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    await runPool(
      [1, 2, 3, 4, 5],
      2,
      () => false,
      async (n) => {
        started.push(n);
        most = Math.max(most, ++inFlight);
        await tick();
        inFlight--;
      },
    );
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('starts nothing new once stopped, and waits for what runs', async () => {
    const done: number[] = [];
    let stop = false;
    await runPool(
      [1, 2, 3, 4, 5],
      2,
      () => stop,
      async (n) => {
        if (n === 2) stop = true;
        await tick();
        done.push(n);
      },
    );
    expect(done.sort()).toEqual([1, 2]);
  });

  it('one lane is sequential; more lanes than items start every item at once', async () => {
    const order: string[] = [];
    await runPool(
      ['a', 'b'],
      1,
      () => false,
      async (x) => {
        order.push(`start ${x}`);
        await tick();
        order.push(`end ${x}`);
      },
    );
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
    let inFlight = 0;
    let most = 0;
    await runPool(
      [1, 2, 3],
      8,
      () => false,
      async () => {
        most = Math.max(most, ++inFlight);
        await tick();
        inFlight--;
      },
    );
    expect(most).toBe(3);
  });
});
