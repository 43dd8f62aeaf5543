import * as tf from '@tensorflow/tfjs';
import { parameterConstraint, UserError, z, type ModelBuildInput } from '@kd/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTappedModel, saveTappedModelSync } from './io/tapped-model-files.js';
import { layersArchitecture } from './layers-architecture.js';
import { LayersTappedModel } from './layers-tapped-model.js';

const INPUT = [8, 8, 1] as const;

/** conv1 → bn1 → relu1 → pool → flatten → fc (logits), named layers, as a user writes one. */
function convNet(classes = 3): tf.LayersModel {
  const input = tf.input({ shape: [...INPUT] });
  let x = tf.layers.conv2d({ name: 'conv1', filters: 4, kernelSize: 3, padding: 'same' }).apply(input);
  x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x);
  x = tf.layers.activation({ name: 'relu1', activation: 'relu' }).apply(x);
  x = tf.layers.maxPooling2d({ name: 'pool', poolSize: 2 }).apply(x);
  x = tf.layers.flatten({ name: 'flatten' }).apply(x);
  const logits = tf.layers.dense({ name: 'fc', units: classes }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

const arch = layersArchitecture({
  id: 'test-conv',
  description: 'a tiny conv net for tests',
  options: { classes: z.number().int().positive().default(3) },
  build: (input) => convNet(input.numClasses),
  taps: ['conv1', 'relu1', 'flatten'],
});

const buildInput = (seed = 1, options: Record<string, unknown> = {}): ModelBuildInput => ({
  inputShape: [...INPUT],
  numClasses: 3,
  seed,
  options,
});
const batchOf = (n = 4, seed = 7) => ({ x: tf.randomNormal([n, ...INPUT], 0, 1, 'float32', seed) });
const values = (t: tf.Tensor) => Array.from(t.dataSync());
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('LayersTappedModel: a tfjs LayersModel as a kd model', () => {
  it('declares its taps from the layers: every layer by default, shapes without the batch dim, kinds by rank', () => {
    const model = new LayersTappedModel(convNet(), { arch: 'test' });
    expect(model.tapSpecs()).toEqual({
      logits: { shape: [3], kind: 'logits', description: 'output of layer fc' },
      conv1: { shape: [8, 8, 4], kind: 'feature', description: 'output of layer conv1 (Conv2D)' },
      bn1: { shape: [8, 8, 4], kind: 'feature', description: 'output of layer bn1 (BatchNormalization)' },
      relu1: { shape: [8, 8, 4], kind: 'feature', description: 'output of layer relu1 (Activation)' },
      pool: { shape: [4, 4, 4], kind: 'feature', description: 'output of layer pool (MaxPooling2D)' },
      flatten: { shape: [64], kind: 'embedding', description: 'output of layer flatten (Flatten)' },
    });
    model.dispose();
  });

  it('takes listed taps, renamed taps with kinds, and logits from a named layer', () => {
    const listed = new LayersTappedModel(convNet(), { arch: 'test', taps: ['relu1'] });
    expect(Object.keys(listed.tapSpecs())).toEqual(['logits', 'relu1']);
    const renamed = new LayersTappedModel(convNet(), {
      arch: 'test',
      taps: { stage1: 'relu1', feat: { layer: 'flatten', kind: 'other', description: 'flat' } },
      logits: 'fc',
    });
    expect(renamed.tapSpecs()['stage1']).toMatchObject({ shape: [8, 8, 4], kind: 'feature' });
    expect(renamed.tapSpecs()['feat']).toEqual({ shape: [64], kind: 'other', description: 'flat' });
    listed.dispose();
    renamed.dispose();
  });

  it('forward gives model.predict as logits, in one pass with the wanted taps only', () => {
    const net = convNet();
    const model = new LayersTappedModel(net, { arch: 'test', taps: ['conv1', 'relu1', 'flatten'] });
    const batch = batchOf();
    const expected = net.predict(batch.x) as tf.Tensor;
    const all = model.forward(batch, { training: false });
    expect(Object.keys(all).sort()).toEqual(['conv1', 'flatten', 'logits', 'relu1']);
    expect(maxDiff(all['logits']!, expected)).toBe(0);
    expect(all['relu1']!.shape).toEqual([4, 8, 8, 4]);
    expect(tf.tidy(() => tf.min(all['relu1']!).dataSync()[0])).toBeGreaterThanOrEqual(0);
    const some = model.forward(batch, { training: false, taps: new Set(['flatten']) });
    expect(Object.keys(some).sort()).toEqual(['flatten', 'logits']);
    expect(maxDiff(some['logits']!, expected)).toBe(0);
    tf.dispose([batch.x, expected, ...Object.values(all), ...Object.values(some)]);
    model.dispose();
  });

  it("names the model's own weights by layer (params: trainable; buffers: moving statistics) and does not copy them", () => {
    const net = convNet();
    const model = new LayersTappedModel(net, { arch: 'test' });
    expect([...model.namedParameters().keys()]).toEqual([
      'conv1.kernel',
      'conv1.bias',
      'bn1.gamma',
      'bn1.beta',
      'fc.kernel',
      'fc.bias',
    ]);
    expect([...model.namedVariables().keys()].filter((k) => !model.namedParameters().has(k))).toEqual([
      'bn1.moving_mean',
      'bn1.moving_variance',
    ]);
    const kernel = (net.getLayer('conv1').getWeights()[0] as tf.Variable) ?? undefined;
    expect(model.namedVariables().get('conv1.kernel')).toBe(kernel);
    expect(model.paramCount()).toBe(4 * 9 + 4 + 4 + 4 + 64 * 3 + 3);
    model.dispose();
  });

  it('gradients reach every trainable weight, and an optimizer step changes the LayersModel itself', () => {
    const net = convNet();
    const model = new LayersTappedModel(net, { arch: 'test' });
    const batch = batchOf();
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const before = net.predict(batch.x) as tf.Tensor;
    const vars = model.trainableVariables();
    const loss = () =>
      tf.losses.softmaxCrossEntropy(y, model.forward(batch, { training: true })['logits']!) as tf.Scalar;
    const { grads } = tf.variableGrads(loss, vars);
    for (const [name, v] of model.namedParameters()) {
      const g = grads[v.name];
      expect(g, name).toBeDefined();
      expect(
        tf.tidy(() => tf.sum(tf.abs(g!)).dataSync()[0]),
        name,
      ).toBeGreaterThan(0);
    }
    const kernelBefore = net.getLayer('fc').getWeights()[0]!.clone();
    tf.train.sgd(0.5).applyGradients(grads);
    expect(maxDiff(net.getLayer('fc').getWeights()[0]!, kernelBefore)).toBeGreaterThan(0);
    const after = net.predict(batch.x) as tf.Tensor;
    expect(maxDiff(after, before)).toBeGreaterThan(0);
    const forwarded = model.forward(batch, { training: false })['logits']!;
    expect(maxDiff(forwarded, after)).toBe(0);
    tf.dispose([batch.x, y, before, after, forwarded, kernelBefore, ...Object.values(grads)]);
    model.dispose();
  });

  it('batch-norm moving statistics update in training mode only, and not when frozen', () => {
    const model = new LayersTappedModel(convNet(), { arch: 'test' });
    const mean = model.namedVariables().get('bn1.moving_mean')!;
    const batch = batchOf();
    const run = (training: boolean) => tf.dispose(model.forward(batch, { training }));
    const initial = values(mean);
    run(false);
    expect(values(mean)).toEqual(initial);
    model.setFrozen(true);
    run(true);
    expect(values(mean)).toEqual(initial);
    model.setFrozen(false);
    model.subModule('bn1')!.setFrozen(true); // a frozen layer runs in inference mode inside a training model
    run(true);
    expect(values(mean)).toEqual(initial);
    model.subModule('bn1')!.setFrozen(false);
    run(true);
    expect(values(mean)).not.toEqual(initial);
    batch.x.dispose();
    model.dispose();
  });

  it('freezing takes parameters out of training: the whole model, or one layer by its name', () => {
    const model = new LayersTappedModel(convNet(), { arch: 'test' });
    model.subModule('conv1')!.setFrozen(true);
    expect([...model.namedParameters().keys()]).toEqual(['bn1.gamma', 'bn1.beta', 'fc.kernel', 'fc.bias']);
    model.setFrozen(true);
    expect(model.namedParameters().size).toBe(0);
    expect(model.namedVariables().size).toBe(8);
    expect(model.childNames()).toEqual(['conv1', 'bn1', 'fc']);
    model.dispose();
  });

  it("keeps a layer's constraint for the trainer, and names layers tfjs named itself by class and rank", () => {
    const net = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [3], kernelConstraint: tf.constraints.nonNeg() }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const model = new LayersTappedModel(net, { arch: 'test' });
    expect([...model.namedParameters().keys()]).toEqual([
      'dense_1.kernel',
      'dense_1.bias',
      'dense_2.kernel',
      'dense_2.bias',
    ]);
    expect(Object.keys(model.tapSpecs())).toEqual(['logits', 'dense_1']);
    const constraint = parameterConstraint(model.namedParameters().get('dense_1.kernel')!)!;
    expect(values(constraint(tf.tensor1d([-1, 2])))).toEqual([0, 2]);
    expect(parameterConstraint(model.namedParameters().get('dense_2.kernel')!)).toBeUndefined();
    model.dispose();
  });

  it('one-line UserErrors: an unknown tap layer, softmax logits, a model wrapped twice', () => {
    const net = convNet();
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(error(() => new LayersTappedModel(net, { arch: 'test', taps: ['conv9'] }))).toBe(
      "model 'test': tap 'conv9' names layer 'conv9', which the model does not have (layers: conv1, bn1, relu1, pool, flatten, fc)",
    );
    const input = tf.input({ shape: [3] });
    const probs = tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(input) as tf.SymbolicTensor;
    expect(error(() => new LayersTappedModel(tf.model({ inputs: input, outputs: probs }), { arch: 'test' }))).toMatch(
      /the logits layer 'out' ends in a softmax/,
    );
    new LayersTappedModel(net, { arch: 'test' });
    expect(error(() => new LayersTappedModel(net, { arch: 'again' }))).toMatch(/already part of another kd model/);
  });
});

describe('layersArchitecture: a registered architecture from a LayersModel builder', () => {
  it('builds the same weights for the same seed (seeded init), other weights for another', () => {
    const a = arch.build(buildInput(1));
    const b = arch.build(buildInput(1));
    const c = arch.build(buildInput(2));
    const kernel = (m: typeof a) => m.namedVariables().get('conv1.kernel')!;
    expect([...b.namedVariables().keys()]).toEqual([...a.namedVariables().keys()]);
    expect(maxDiff(kernel(a), kernel(b))).toBe(0);
    expect(maxDiff(kernel(a), kernel(c))).toBeGreaterThan(0);
    expect(a.arch).toBe('test-conv');
    expect(Object.keys(a.tapSpecs())).toEqual(['logits', 'conv1', 'relu1', 'flatten']);
    [a, b, c].forEach((m) => m.dispose());
  });

  it("round-trips through kd's model files: identical outputs after save and load", async () => {
    const model = arch.build(buildInput(3));
    const batch = batchOf(2, 11);
    // train a step so the moving statistics are not their initial values
    tf.dispose(model.forward(batch, { training: true }));
    const dir = mkdtempSync(join(tmpdir(), 'kd-layers-'));
    saveTappedModelSync(model, dir, { arch: 'test-conv', options: {}, inputShape: [...INPUT], numClasses: 3 });
    const loaded = await loadTappedModel(dir, [arch]);
    for (const training of [false, true]) {
      const a = model.forward(batch, { training })['logits']!;
      const b = loaded.forward(batch, { training })['logits']!;
      expect(maxDiff(a, b)).toBe(0);
      tf.dispose([a, b]);
    }
    batch.x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it("one-line errors: an unknown option, inputs or classes that do not fit the data's", () => {
    expect(() => arch.build(buildInput(1, { width: 4 }))).toThrow(
      "unknown option 'width' for architecture 'test-conv' (accepted: classes)",
    );
    expect(() => arch.build({ ...buildInput(), inputShape: [16, 16, 1] })).toThrow(
      "architecture 'test-conv': the model takes inputs of shape [8, 8, 1] but the data's are [16, 16, 1]",
    );
    const fixed = layersArchitecture({ id: 'fixed', description: '', build: () => convNet(5) });
    expect(() => fixed.build(buildInput())).toThrow(
      "architecture 'fixed': the model's logits have shape [5] but the data has 3 classes",
    );
  });
});
