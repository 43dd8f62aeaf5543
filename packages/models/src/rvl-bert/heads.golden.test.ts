import * as tf from '@tensorflow/tfjs';
import { Module, Rng } from '@kd/core';
import { loadFixture, relErr, relErrTensor, tensorOf, type Arr } from '@kd/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnswerHead } from './answer-head.js';
import { MaskAttention } from './mask-attention.js';
import { maskMse, roleBoxRaster, roundHalfEven } from './mask-target.js';
import { SpatialModule } from './spatial-module.js';

type Params = Record<string, Record<string, Arr>>;
interface Golden {
  spatial_vrd: { params: Params; subject: Arr; object: Arr; y: Arr; normsAfter: Params };
  spatial_spatialsense: { params: Params; subject: Arr; object: Arr; y: Arr; normsAfter: Params };
  mask_attention: {
    params: Params;
    maps: Arr;
    roleEmbeddings: Arr;
    features: Arr;
    masks: Arr;
    pooled: Arr;
    wPool: Arr;
    wMask: Arr;
    loss: number;
    grads: Record<string, Arr>;
    normAfter: Record<string, Arr>;
  };
  mask_target: { k: number; boxes: Arr; image: Arr; transposed: Arr; masks: Arr; mse: number };
  answer_plain: Answer;
  answer_spatial: Answer;
}
interface Answer {
  params: Params;
  h: Arr;
  spatial: Arr;
  logits: Arr;
  wordEmbeddings: Arr;
  answerWords: number[][];
  initClassifier: Record<string, Arr>;
  logitsAfterInit: Arr;
}
const g = loadFixture<Golden>(new URL('./__fixtures__/rvl-bert.golden.json', import.meta.url));

/** Every variable of `module` (parameters and buffers) from the fixture's `<child>.<name>` entries; none left over. */
function load(module: Module, params: Params): void {
  const vars = module.namedVariables();
  const given = Object.entries(params).flatMap(([child, p]) =>
    Object.entries(p).map(([n, a]) => [`${child}.${n}`, a] as const),
  );
  expect([...vars.keys()].sort()).toEqual(given.map(([k]) => k).sort());
  for (const [path, a] of given) vars.get(path)!.assign(tensorOf(a));
}

const TOL = 1e-5;

describe("RVL-BERT's heads match PyTorch (tools/golden/rvl_bert.py, from the official code)", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('spatial module, VRD variant: two branches summed, two more layers (its batch norms unused)', () => {
    const c = g.spatial_vrd;
    const m = new SpatialModule(8, 'vrd', new Rng(1));
    load(m, c.params);
    const y = m.apply(tensorOf(c.subject) as tf.Tensor2D, tensorOf(c.object) as tf.Tensor2D, true);
    expect(relErrTensor(y, c.y)).toBeLessThan(TOL);
  });

  it('spatial module, SpatialSense variant: batch norm (batch statistics) after each hidden layer; running statistics as torch', () => {
    const c = g.spatial_spatialsense;
    const m = new SpatialModule(8, 'spatialsense', new Rng(1));
    load(m, c.params);
    const y = m.apply(tensorOf(c.subject) as tf.Tensor2D, tensorOf(c.object) as tf.Tensor2D, true);
    expect(relErrTensor(y, c.y)).toBeLessThan(TOL);
    const vars = m.namedVariables();
    for (const [child, p] of Object.entries(c.normsAfter))
      for (const [name, a] of Object.entries(p))
        expect(relErrTensor(vars.get(`${child}.${name}`)!, a)).toBeLessThan(TOL);
  });

  it('mask attention: features (batch norm over every RoI map), min–max masks, pooled role features and their gradients', () => {
    const c = g.mask_attention;
    const m = new MaskAttention({ inChannels: 6, width: 8, roles: 2, epsilon: 0 }, new Rng(1));
    load(m, c.params);
    const maps = tensorOf(c.maps) as tf.Tensor5D;
    const roleEmbeddings = tensorOf(c.roleEmbeddings) as tf.Tensor3D;
    const wPool = tensorOf(c.wPool);
    const wMask = tensorOf(c.wMask) as tf.Tensor4D;
    let outputs: { features: tf.Tensor; masks: tf.Tensor; pooled: tf.Tensor } | undefined;
    const vars = m.namedParameters();
    const roleVar = tf.variable(roleEmbeddings);
    const { value, grads } = tf.variableGrads(() => {
      const features = m.imageFeatures(maps, true);
      const masks = m.masks(features, roleVar as unknown as tf.Tensor3D);
      const pooled = m.pool(features, masks);
      outputs = { features: tf.keep(features), masks: tf.keep(masks), pooled: tf.keep(pooled) };
      return tf.add(tf.sum(tf.mul(pooled, wPool)), maskMse(masks, wMask)) as tf.Scalar;
    }, [...vars.values(), roleVar]);
    expect(relErrTensor(outputs!.features, c.features)).toBeLessThan(TOL);
    expect(relErrTensor(outputs!.masks, c.masks)).toBeLessThan(TOL);
    expect(relErrTensor(outputs!.pooled, c.pooled)).toBeLessThan(TOL);
    expect(relErr(value.dataSync()[0]!, c.loss)).toBeLessThan(TOL);
    // a bias before a batch norm in training mode (downsample's) and the final convolution's bias (it
    // cancels in the min–max) get zero gradient, up to rounding: checked as absolute values below
    const zero = ['downsample.bias', 'final.bias'];
    for (const [path, v] of vars) {
      if (zero.includes(path)) continue;
      expect(relErrTensor(grads[v.name]!, c.grads[path]!), path).toBeLessThan(1e-4);
    }
    expect(relErrTensor(grads[roleVar.name]!, c.grads['roleEmbeddings']!)).toBeLessThan(1e-4);
    for (const path of zero) {
      const scale = Math.max(...c.grads['downsample.weight']!.data.map(Math.abs));
      expect(Math.max(...Array.from(grads[vars.get(path)!.name]!.dataSync(), Math.abs)) / scale, path).toBeLessThan(
        1e-5,
      );
      expect(Math.max(...c.grads[path]!.data.map(Math.abs)) / scale, path).toBeLessThan(1e-5);
    }
    // every map's running statistics moved as torch's (momentum 0.1, unbiased variance)
    const all = m.namedVariables();
    for (const [name, a] of Object.entries(c.normAfter))
      expect(relErrTensor(all.get(`norm.${name}`)!, a)).toBeLessThan(TOL);
  });

  it('mask attention: a constant map gives NaN without ε (as the official code) and zeros with it', () => {
    const features = tf.zeros([1, 3, 3, 8]) as tf.Tensor4D;
    const roles = tf.zeros([1, 2, 8]) as tf.Tensor3D;
    const raw = new MaskAttention({ inChannels: 4, width: 8, roles: 2, epsilon: 0 }, new Rng(2));
    expect(Array.from(raw.masks(features, roles).dataSync()).every(Number.isNaN)).toBe(true);
    const guarded = new MaskAttention({ inChannels: 4, width: 8, roles: 2, epsilon: 1e-6 }, new Rng(2));
    expect(Array.from(guarded.masks(features, roles).dataSync()).every((v) => v === 0)).toBe(true);
  });

  it("mask targets: round half to even, half-open cells; the image raster and the official code's transposed one; the MSE", () => {
    const c = g.mask_target;
    expect([0.5, 1.5, 2.5, 3.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, 2, 3]);
    const boxes = tensorOf(c.boxes) as tf.Tensor3D;
    expect(Array.from(roleBoxRaster(boxes, c.k).dataSync())).toEqual(c.image.data);
    expect(Array.from(roleBoxRaster(boxes, c.k, 'transposed').dataSync())).toEqual(c.transposed.data);
    const mse = maskMse(tensorOf(c.masks) as tf.Tensor4D, roleBoxRaster(boxes, c.k));
    expect(relErr(mse.dataSync()[0]!, c.mse)).toBeLessThan(TOL);
  });

  for (const which of ['plain', 'spatial'] as const) {
    it(`answer head (${which}): ${which === 'spatial' ? 'the spatial fusion, then ' : ''}BERT's transform (erf GELU, LayerNorm ε 1e-12), the classifier; rows initialised from answer-name embeddings`, () => {
      const c = g[`answer_${which}`];
      const head = new AnswerHead(8, 7, which === 'spatial', new Rng(1));
      load(head, c.params);
      const h = tensorOf(c.h) as tf.Tensor2D;
      const spatial = which === 'spatial' ? (tensorOf(c.spatial) as tf.Tensor2D) : undefined;
      expect(relErrTensor(head.apply(h, spatial), c.logits)).toBeLessThan(TOL);
      const table = tensorOf(c.wordEmbeddings) as tf.Tensor2D;
      head.initClassifierRows(c.answerWords.map((ids) => tf.gather(table, ids) as tf.Tensor2D));
      expect(relErrTensor(head.classifier.weight, c.initClassifier['weight']!)).toBeLessThan(TOL);
      expect(Array.from(head.classifier.bias!.dataSync()).every((v) => v === 0)).toBe(true);
      expect(relErrTensor(head.apply(h, spatial), c.logitsAfterInit)).toBeLessThan(TOL);
    });
  }
});
