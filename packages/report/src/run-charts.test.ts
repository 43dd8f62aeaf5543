import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { axisLabels, legendLabels, markCount, tempDir, writeRun } from '../test/fixtures.js';
import { renderSvg } from './render-svg.js';
import { runCharts } from './run-charts.js';
import { readRun } from './run-record.js';

describe('run charts', () => {
  const dir = writeRun(tempDir('run'), { hintStage: true, val: [0.8, 0.9, 0.95] });
  const charts = runCharts(readRun(dir));
  const svg = async (id: string) => renderSvg(charts.find((c) => c.id === id)!.spec);

  it('one chart per stage for the training terms, one per unit for val metrics, one for the learning rate', () => {
    expect(charts.map((c) => c.id)).toEqual([
      '01-fitnet.hint-train',
      '02-distill-train',
      '02-distill-val-fraction',
      '02-distill-val-score',
      'lr',
    ]);
  });

  it('draws every logged term and the total per epoch, with a dot at every epoch', async () => {
    const s = await svg('02-distill-train');
    expect(markCount(s, 'line')).toBe(3); // loss (total), task.ce, kd.soft
    expect(markCount(s, 'symbol')).toBe(9); // 3 epochs × 3 series
    expect(legendLabels(s)).toEqual(['loss (total)', 'task.ce', 'kd.soft']);
    const hint = await svg('01-fitnet.hint-train');
    expect(markCount(hint, 'symbol')).toBe(2); // a one-epoch stage is a dot per term
  });

  it('shows a fraction in percent and a score as it is', async () => {
    const fraction = await svg('02-distill-val-fraction');
    expect(markCount(fraction, 'symbol')).toBe(3);
    expect(legendLabels(fraction)).toEqual(['accuracy']);
    const ticks = axisLabels(fraction)
      .map(Number)
      .filter((v) => v > 3); // y ticks (x ticks are epochs 1–3)
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(75);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(100);
    const score = await svg('02-distill-val-score');
    expect(legendLabels(score)).toEqual(['loss']);
    expect(axisLabels(score)).toEqual(expect.arrayContaining(['0.06', '0.20'])); // val loss 0.2 … 0.05 as it is
  });

  it('the learning rate of each stage on a linear axis', async () => {
    const s = await svg('lr');
    expect(markCount(s, 'line')).toBe(2);
    expect(legendLabels(s)).toEqual(['fitnet.hint', 'distill']);
    expect(axisLabels(s)).toContain('0.10');
  });

  it('with step records: the total loss per step and the learning rate per step (the shape of the schedule)', async () => {
    const stepped = writeRun(tempDir('run-steps'), { val: [0.8, 0.9, 0.95] });
    const lines = [1, 2, 3].flatMap((epoch) =>
      [1, 2, 3, 4].map((step) =>
        JSON.stringify({
          type: 'step',
          stage: 'distill',
          epoch,
          step,
          stepsPerEpoch: 4,
          loss: 2 / (epoch + step),
          lr: 0.1 / epoch,
        }),
      ),
    );
    appendFileSync(join(stepped, 'metrics.jsonl'), lines.join('\n') + '\n');
    const all = runCharts(readRun(stepped));
    const lr = all.find((c) => c.id === 'lr')!;
    expect(lr.title).toBe('learning rate per step');
    const lrSvg = await renderSvg(lr.spec);
    expect(markCount(lrSvg, 'symbol')).toBe(12); // a dot per step
    const steps = all.find((c) => c.title === 'distill: total loss per step')!;
    expect(markCount(await renderSvg(steps.spec), 'symbol')).toBe(12);
    // a long run's per-step curve is a plain line, not thousands of dots
    const many = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({ type: 'step', stage: 'distill', epoch: 4, step: i + 1, stepsPerEpoch: 100, loss: 1, lr: 0.01 }),
    );
    appendFileSync(join(stepped, 'metrics.jsonl'), many.join('\n') + '\n');
    const long = runCharts(readRun(stepped)).find((c) => c.title === 'distill: total loss per step')!;
    const longSvg = await renderSvg(long.spec);
    expect(markCount(longSvg, 'symbol')).toBe(0);
    expect(markCount(longSvg, 'line')).toBe(1);
  });
});
