import type { RunOutcome, RunSummary, SweepPlan, SweepRun } from '@kd/runner';
import { describe, expect, it } from 'vitest';
import { countsLine, SweepTally } from './sweep-progress.js';

const run = (cell: string) => ({ cell, seed: 1, runDir: cell }) as unknown as SweepRun;
const plan = (n: number) => ({ runs: Array.from({ length: n }, (_, i) => run(`c${i}`)) }) as unknown as SweepPlan;
const finished: RunOutcome = { kind: 'finished', summary: {} as RunSummary };

describe('SweepTally', () => {
  it('counts done / running / failed / left and estimates the time left over the lanes', () => {
    let t = 0;
    const tally = new SweepTally(2, () => t);
    const p = plan(6);
    tally.start(p, ['finished', 'new', 'new', 'new', 'new', 'new']);
    expect(tally.counts()).toEqual({ total: 6, done: 1, running: 0, failed: 0, left: 5 });
    const [, a, b, c] = p.runs;
    tally.runStarted(a!);
    tally.runStarted(b!);
    expect(countsLine(tally.counts())).toBe('1/6 done · 2 running · 0 failed · 3 left · ETA ?');
    t = 10_000;
    expect(tally.runEnded(a!, finished)).toBe(10);
    tally.runStarted(c!);
    t = 14_000;
    tally.runEnded(b!, { kind: 'failed', error: 'x' });
    // mean run 10 s; 2 not started (20 s) + c still has 6 s to go: 26 s over 2 lanes
    expect(tally.counts()).toEqual({ total: 6, done: 2, running: 1, failed: 1, left: 2, eta: 13 });
    expect(countsLine(tally.counts())).toBe('2/6 done · 1 running · 1 failed · 2 left · ETA 13s');
  });
});
