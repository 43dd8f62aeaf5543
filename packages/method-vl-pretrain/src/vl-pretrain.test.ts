import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createHost, stepHelpers, type StepContext, type TappedModel } from '@kd/core';
import { register as registerData } from '@kd/data';
import { architectures, register as registerModels } from '@kd/models';
import { parseRunConfig, runExperiment } from '@kd/runner';
import { expectFlatTensorCount, gradNorm, participant, setupContext, SpecModel } from '@kd/testing';
import { loadSceneCaptions, register as registerText, type SceneCaptionsDataset } from '@kd/text';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerVlPretrain } from './index.js';
import { VlPretrainMethod, vlPretrainHParams } from './vl-pretrain.js';
import { register as registerTasks } from '@kd/tasks';

const scenes = {
  train: 24,
  val: 8,
  test: 8,
  size: 32,
  minItemSize: 10,
  maxItemSize: 16,
  maxObjects: 3,
  proposals: 'one',
};
const modelOptions = { width: 4, regions: 4, layers: 1, dModel: 16, heads: 2, ffn: 32 };

describe('vl-pretrain: masked tokens + image–text matching on scene captions', () => {
  let data: SceneCaptionsDataset;
  let model: TappedModel;
  let method: VlPretrainMethod;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
    data = await loadSceneCaptions({ scenes, length: 12 });
    model = architectures
      .find((a) => a.id === 'vl-scene')!
      .build({ inputShape: data.inputShape, numClasses: data.numClasses, seed: 3, data, options: modelOptions });
    method = new VlPretrainMethod();
    const ctx = setupContext(
      'vl-pretrain',
      vlPretrainHParams.parse({}),
      undefined,
      participant('student', 'student', model),
    );
    method.setup({ ...ctx, data });
  });
  afterAll(() => model.dispose());

  const step = (active: string[], s = 0): { grads: Record<string, tf.Tensor>; loss: Record<string, number> } => {
    const batch = data.split('train').batch(Int32Array.of(0, 1, 2, 3, 4, 5));
    const vars = model.namedParameters();
    const loss: Record<string, number> = {};
    const { value, grads } = tf.variableGrads(() => {
      const student = model.forward(batch, { training: true, taps: new Set(['itmLogits', 'regions']) });
      const outputs = { student };
      const ctx: StepContext = {
        ...stepHelpers(outputs, [], (m) => !m.isFrozen),
        batch,
        outputs,
        student,
        epoch: 1,
        step: s,
        stepsPerEpoch: 1,
        totalEpochs: 1,
        active: new Set(active),
      };
      const terms = method.losses(ctx);
      for (const [k, v] of Object.entries(terms)) loss[k] = v.dataSync()[0]!;
      return tf.addN(Object.values(terms)) as tf.Scalar;
    }, [...vars.values()]);
    value.dispose();
    tf.dispose(Object.values(batch));
    const byPath = Object.fromEntries([...vars].map(([path, v]) => [path, grads[v.name]!]));
    return { grads: byPath, loss };
  };

  it('gives each term its own head: mlm trains the mlm head, itm the matching head; both reach the backbone', () => {
    const mlm = step(['mlm']);
    expect(mlm.loss['mlm']).toBeGreaterThan(0);
    expect(gradNorm(mlm.grads['vl.mlm.weight'])).toBeGreaterThan(0);
    expect(gradNorm(mlm.grads['vl.itm.weight'])).toBe(0);
    expect(gradNorm(mlm.grads['conv1.weight'])).toBeGreaterThan(0);
    const itm = step(['itm']);
    expect(itm.loss['itm']).toBeGreaterThan(0);
    expect(gradNorm(itm.grads['vl.itm.weight'])).toBeGreaterThan(0);
    expect(gradNorm(itm.grads['vl.mlm.weight'])).toBe(0);
    expect(gradNorm(itm.grads['conv1.weight'])).toBeGreaterThan(0);
    tf.dispose([...Object.values(mlm.grads), ...Object.values(itm.grads)]);
  });

  it('keeps the tensor count flat across steps', () => {
    let s = 0;
    expectFlatTensorCount(() => tf.dispose(Object.values(step(['mlm', 'itm'], s++).grads)), 3);
  });

  it("refuses a student that cannot resume from 'regions' (it re-scores other captions through forwardFrom)", () => {
    const specs = {
      itmLogits: { shape: [2], kind: 'logits' as const },
      regions: { shape: [4, 16], kind: 'region' as const },
    };
    const ctx = setupContext(
      'vl-pretrain',
      vlPretrainHParams.parse({}),
      undefined,
      participant('student', 'student', new SpecModel(specs)),
    );
    expect(() => new VlPretrainMethod().setup({ ...ctx, data })).toThrow(
      /cannot resume from 'regions' \(resumable taps: none; use architecture vl-scene\)/,
    );
  });

  it('reports masked-token and matching accuracy on a split', () => {
    const r = method.report({ split: data.split('test'), batchSize: 5, student: model, participants: [] });
    expect(r['mlm_accuracy']).toBeGreaterThanOrEqual(0);
    expect(r['mlm_accuracy']).toBeLessThanOrEqual(1);
    expect(r['itm_accuracy']).toBeGreaterThanOrEqual(0);
    expect(r['itm_accuracy']).toBeLessThanOrEqual(1);
  });
});

describe('a pre-training run, reused by a later run as its teacher (teacher.recipe)', () => {
  it('pre-trains once from a config and loads the result as a frozen teacher', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-vlp-'));
    const host = createHost([registerModels, registerData, registerText, registerVlPretrain, registerTasks]);
    const data = { dataset: 'scene-captions', options: { scenes, length: 12 } };
    const student = { arch: 'vl-scene', options: modelOptions };
    const recipe = join(dir, 'pretrain.json');
    writeFileSync(
      recipe,
      JSON.stringify({
        name: 'vlp',
        backend: 'wasm',
        data,
        student,
        task: { weight: 0 },
        train: { epochs: 1, batchSize: 8 },
        methods: [{ id: 'vl-pretrain' }],
      }),
    );
    const lines: string[] = [];
    const later = await runExperiment(
      host,
      parseRunConfig({
        backend: 'wasm',
        cacheDir: join(dir, 'cache'),
        data,
        teacher: { ...student, recipe },
        student: { arch: 'vl-scene', options: { ...modelOptions, dModel: 8 } },
        task: { weight: 0 },
        train: { epochs: 1, batchSize: 8 },
        methods: [{ id: 'vl-pretrain', weights: { itm: 0 } }],
      }),
      { runDir: join(dir, 'later'), log: (l) => lines.push(l) },
    );
    expect(later.teachers[0]!.source).toBe('recipe');
    expect(lines.some((l) => /^\[recipe vlp\] vl-pretrain\.mlm_accuracy: \d+\.\d+%$/.test(l))).toBe(true);
    expect(later.completed).toBe(true);
  });
});
