import * as tf from '@tensorflow/tfjs';
import { loadFixture, relErr, relErrTensor, tensorOf, type Arr } from '@kd/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskedAttentionMse, type AttentionReduction } from './attention-mse.js';
import { answerLogitKd, sequenceLogitKd } from './logit-kd.js';
import { hiddenMse } from './hidden-mse.js';
import { queueTokenNce } from './token-nce.js';
import { enqueueRows, type QueueState } from './token-queue.js';

interface NceCase {
  tau: number;
  inBatchNegatives: boolean;
  mask: Arr;
  hs: Arr;
  ht: Arr;
  ws: Arr;
  wt: Arr;
  queue: Arr;
  head: number;
  filled: number;
  loss: number;
  grad_hs: Arr;
  grad_ws: Arr;
  grad_wt: Arr;
  v: Arr;
  queueAfter: Arr;
  headAfter: number;
  filledAfter: number;
  enqueueOnly?: boolean;
}
interface Golden {
  att: { reduction: AttentionReduction; mask: Arr; student: Arr[]; teacher: Arr[]; loss: number; grads: Arr[] }[];
  nce: NceCase[];
  hiddenMse: { mask: Arr; hs: Arr; ht: Arr; w: Arr; loss: number; grad_hs: Arr; grad_w: Arr };
  logit: {
    vqa: { t: number; zs: Arr; zt: Arr; loss: number; grad: Arr }[];
    captioning: { t: number; zs: Arr; zt: Arr; mask: Arr; loss: number; grad: Arr }[];
  };
}
const g = loadFixture<Golden>(new URL('./__fixtures__/distillvlm.golden.json', import.meta.url));
const TOL = 2e-5;

describe('DistillVLM terms match PyTorch (tools/golden/distillvlm.py)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(g.att.map((c) => [c.reduction, c] as const))('att: masked attention MSE (%s) and its gradients', (_r, c) => {
    const mask = tensorOf(c.mask);
    const teacher = c.teacher.map(tensorOf);
    const f = (...students: tf.Tensor[]) =>
      maskedAttentionMse(
        students.map((s, i) => [s, teacher[i]!] as const),
        mask,
        c.reduction,
      );
    const students = c.student.map(tensorOf);
    expect(relErr(f(...students).dataSync()[0]!, c.loss)).toBeLessThan(TOL);
    const grads = tf.grads(f)(students);
    grads.forEach((gr, i) => expect(relErrTensor(gr, c.grads[i]!)).toBeLessThan(TOL));
    // padding matters under 'valid': the masked entries get no gradient
    if (c.reduction === 'valid') {
      const m = c.mask.data;
      const n = c.mask.shape[1]!;
      const gd = grads[0]!.arraySync() as number[][][][];
      expect(gd[0]![1]![4]![0]).toBe(0); // sample 0, token 4 is padding (query row)
      expect(gd[1]![0]![0]![2]).toBe(0); // sample 1, token 2 is padding (key column)
      expect(m[0 * n + 4]).toBe(0);
    }
  });

  it.each(g.nce.filter((c) => !c.enqueueOnly).map((c) => [c.filled, c.inBatchNegatives, c] as const))(
    'nce: queue InfoNCE with %i queued rows (in-batch negatives: %s), its gradients, and the enqueue',
    (_f, _i, c) => {
      const mask = tensorOf(c.mask);
      const ht = tensorOf(c.ht);
      const queue: QueueState = { rows: tensorOf(c.queue) as tf.Tensor2D, head: c.head, filled: c.filled };
      const o = { temperature: c.tau, inBatchNegatives: c.inBatchNegatives };
      const f = (hs: tf.Tensor, ws: tf.Tensor, wt: tf.Tensor) =>
        queueTokenNce(hs, ht, mask, ws as tf.Tensor2D, wt as tf.Tensor2D, queue, o).loss;
      const [hs, ws, wt] = [tensorOf(c.hs), tensorOf(c.ws), tensorOf(c.wt)];
      const out = queueTokenNce(hs, ht, mask, ws as tf.Tensor2D, wt as tf.Tensor2D, queue, o);
      expect(relErr(out.loss.dataSync()[0]!, c.loss)).toBeLessThan(TOL);
      expect(relErrTensor(out.v, c.v)).toBeLessThan(TOL);
      const [ghs, gws, gwt] = tf.grads(f)([hs, ws, wt]);
      expect(relErrTensor(ghs!, c.grad_hs)).toBeLessThan(TOL);
      expect(relErrTensor(gws!, c.grad_ws)).toBeLessThan(TOL);
      expect(relErrTensor(gwt!, c.grad_wt)).toBeLessThan(TOL);
      // the teacher's states get no gradient: tfjs finds no path from them to the loss
      expect(() =>
        tf.grads((t: tf.Tensor) => queueTokenNce(hs, t, mask, ws as tf.Tensor2D, wt as tf.Tensor2D, queue, o).loss)([
          ht,
        ]),
      ).toThrow(/Cannot compute gradient/);
      const next = enqueueRows(queue, out.v);
      expect(relErrTensor(next.rows, c.queueAfter)).toBeLessThan(TOL);
      expect([next.head, next.filled]).toEqual([c.headAfter, c.filledAfter]);
    },
  );

  it('the queue: more rows than slots keep the newest, in ring order', () => {
    const c = g.nce.find((x) => x.enqueueOnly)!;
    const next = enqueueRows(
      { rows: tensorOf(c.queue) as tf.Tensor2D, head: c.head, filled: c.filled },
      tensorOf(c.v) as tf.Tensor2D,
    );
    expect(relErrTensor(next.rows, c.queueAfter)).toBeLessThan(1e-7);
    expect([next.head, next.filled]).toEqual([c.headAfter, c.filledAfter]);
  });

  it('hidden_mse: over the real tokens, through a trainable map to the teacher width', () => {
    const c = g.hiddenMse;
    const [mask, ht] = [tensorOf(c.mask), tensorOf(c.ht)];
    const f = (hs: tf.Tensor, w: tf.Tensor) => hiddenMse(hs, ht, mask, w as tf.Tensor2D);
    const [hs, w] = [tensorOf(c.hs), tensorOf(c.w)];
    expect(relErr(f(hs, w).dataSync()[0]!, c.loss)).toBeLessThan(TOL);
    const [ghs, gw] = tf.grads(f)([hs, w]);
    expect(relErrTensor(ghs!, c.grad_hs)).toBeLessThan(TOL);
    expect(relErrTensor(gw!, c.grad_w)).toBeLessThan(TOL);
  });

  it.each(g.logit.vqa.map((c) => [c.t, c] as const))(
    'logit (VQA answers, t = %f): sigmoid BCE to the teacher',
    (_t, c) => {
      const zt = tensorOf(c.zt);
      const f = (zs: tf.Tensor) => answerLogitKd(zs, zt, c.t);
      const zs = tensorOf(c.zs);
      expect(relErr(f(zs).dataSync()[0]!, c.loss)).toBeLessThan(TOL);
      expect(relErrTensor(tf.grad(f)(zs), c.grad)).toBeLessThan(TOL);
    },
  );

  it.each(g.logit.captioning.map((c) => [c.t, c] as const))(
    'logit (captioning, t = %f): t²·KL over the real positions',
    (_t, c) => {
      const [zt, mask] = [tensorOf(c.zt), tensorOf(c.mask)];
      const f = (zs: tf.Tensor) => sequenceLogitKd(zs, zt, mask, c.t);
      const zs = tensorOf(c.zs);
      expect(relErr(f(zs).dataSync()[0]!, c.loss)).toBeLessThan(TOL);
      expect(relErrTensor(tf.grad(f)(zs), c.grad)).toBeLessThan(TOL);
    },
  );
});
