import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm } from './clip.js';
import { OptimizerConfigSchema } from './config.js';
import { createOptimizer } from './create-optimizer.js';

const golden = JSON.parse(readFileSync(new URL('../__fixtures__/optimizers.golden.json', import.meta.url), 'utf8')) as {
  a: number[];
  b: number[];
  w0: number[];
  lrs: number[];
  cases: Record<string, { cfg: Record<string, unknown>; traj: number[][] }>;
  clip: { max_norm: number; grads: number[][]; norm: number; clipped: number[][] };
};

describe('optimizers match torch.optim (tools/golden/optimizers.py)', () => {
  for (const [name, c] of Object.entries(golden.cases)) {
    it(name, () => {
      const opt = createOptimizer(OptimizerConfigSchema.parse({ ...c.cfg, lr: golden.lrs[0] }));
      const w = tf.variable(tf.tensor1d(golden.w0));
      const a = tf.tensor1d(golden.a);
      const b = tf.tensor1d(golden.b);
      const vars = new Map([['w', w]]);
      golden.lrs.forEach((lr, i) => {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () =>
              tf.add(
                tf.sum(tf.add(tf.mul(a, tf.square(w)), tf.mul(b, w))),
                tf.mul(0.5, tf.square(tf.sum(w))),
              ) as tf.Scalar,
            [w],
          );
          opt.step(vars, { w: grads[w.name]! }, lr);
        });
        const got = Array.from(w.dataSync());
        got.forEach((v, j) => expect(v).toBeCloseTo(c.traj[i]![j]!, 5));
      });
      opt.dispose();
    });
  }

  it('clipByGlobalNorm matches clip_grad_norm_', () => {
    const grads = { p1: tf.tensor(golden.clip.grads[0]!), p2: tf.tensor(golden.clip.grads[1]!) };
    const { grads: out, norm } = clipByGlobalNorm(grads, golden.clip.max_norm);
    expect(norm).toBeCloseTo(golden.clip.norm, 5);
    expect(Array.from(out.p1!.dataSync())[0]).toBeCloseTo(golden.clip.clipped[0]![0]!, 5);
    expect(Array.from(out.p2!.dataSync())[0]).toBeCloseTo((golden.clip.clipped[1] as unknown as number[][])[0]![0]!, 5);
  });

  it('optimizer state round-trips (so resume continues the same trajectory)', () => {
    const cfg = OptimizerConfigSchema.parse({ type: 'sgd', momentum: 0.9, lr: 0.1 });
    const w = tf.variable(tf.tensor1d([1, 2]));
    const opt = createOptimizer(cfg);
    const g = { w: tf.tensor1d([0.5, -1]) };
    opt.step(new Map([['w', w]]), g, 0.1);
    const copy = createOptimizer(cfg);
    copy.setState(opt.getState());
    const w2 = tf.variable(w.clone());
    opt.step(new Map([['w', w]]), g, 0.1);
    copy.step(new Map([['w', w2]]), g, 0.1);
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
  });
});
