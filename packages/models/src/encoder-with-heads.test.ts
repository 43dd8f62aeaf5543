/**
 * `encoder-with-heads`: an encoder built from a registered architecture under `encoder.` (its taps
 * prefixed) and trainable heads on its taps. The encoder is the very model its architecture builds
 * (same seed, same weights, same taps), gradients reach the heads (and only the heads when the
 * encoder is frozen), a pair head scores the concatenated region states of the batch's pairs, and
 * every option error names its field.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  ConfigError,
  facetEntry,
  facets,
  PREDICATE_NAMES,
  type Batch,
  type DataInfo,
  type ModelArchitecture,
} from '@kd/core';
import { registerComposedKernels } from '@kd/tfjs-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { architectures, cnn } from './architectures/index.js';
import type { EncoderWithHeads } from './encoder-with-heads.js';
import { inputBatch } from '../test/helpers.js';

const composite = architectures.find((a) => a.id === 'encoder-with-heads')!;
const T = 6;
const sceneData: DataInfo = {
  name: 'toy-scenes',
  inputShape: [16, 16, 1],
  numClasses: 3,
  classNames: ['a', 'b', 'c'],
  text: {
    vocabSize: 14,
    length: T,
    classPrompts: { prompts: 1, ids: new Int32Array(3 * T), mask: new Float32Array(3 * T) },
  },
  facets: facets(facetEntry(PREDICATE_NAMES, ['left of', 'above'])),
};
const vlScene = {
  arch: 'vl-scene',
  options: { width: 4, regions: 3, pool: 2, layers: 1, dModel: 8, heads: 2, ffn: 16 },
};

function sceneBatch(): Batch {
  return {
    x: tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3),
    tokens: tf.tensor2d(
      [
        [2, 7, 8, 9, 3, 0],
        [2, 10, 3, 0, 0, 0],
      ],
      [2, T],
      'int32',
    ),
    tokenMask: tf.tensor2d(
      [
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 0, 0, 0],
      ],
      [2, T],
    ),
    proposals: tf.tensor3d([
      [
        [0, 0, 8, 8],
        [4, 4, 16, 12],
        [2, 2, 6, 14],
      ],
      [
        [1, 1, 9, 9],
        [0, 0, 16, 16],
        [3, 3, 7, 7],
      ],
    ]),
    proposalMask: tf.tensor2d(
      [
        [1, 1, 1],
        [1, 1, 0],
      ],
      [2, 3],
    ),
    pairs: tf.tensor3d(
      [
        [
          [0, 1],
          [2, 0],
        ],
        [
          [1, 0],
          [0, 0],
        ],
      ],
      [2, 2, 2],
      'int32',
    ),
  };
}

const cnnHeads = (options: Record<string, unknown> = {}, seed = 5) =>
  composite.build({
    inputShape: [8, 8, 1],
    numClasses: 4,
    seed,
    options: { encoder: { arch: 'cnn', options: { width: 2 } }, ...options },
  }) as EncoderWithHeads;

const configError = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no ConfigError');
};

describe('encoder-with-heads: a registered encoder under encoder. with trainable heads', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerComposedKernels('wasm');
  });

  it("declares the encoder's taps prefixed and the heads' unprefixed, and returns each with its declared shape", () => {
    const m = cnnHeads({ heads: [{}, { name: 'aux', from: 'stage2', hidden: [5], activation: 'gelu', outputs: 3 }] });
    const specs = m.tapSpecs();
    expect(Object.keys(specs).sort()).toEqual(
      [
        'aux',
        'logits',
        ...['embedding', 'logits', 'stage1', 'stage1.pre', 'stage2', 'stage2.pre', 'stage3', 'stage3.pre'].map(
          (t) => `encoder.${t}`,
        ),
      ].sort(),
    );
    expect(specs['logits']).toMatchObject({ shape: [4], kind: 'logits' });
    expect(specs['aux']!.shape).toEqual([4, 4, 3]);
    tf.tidy(() => {
      const out = m.forward({ x: inputBatch(2, [8, 8, 1]) }, { training: false });
      for (const [name, spec] of Object.entries(specs)) expect(out[name]!.shape.slice(1), name).toEqual(spec.shape);
      const some = m.forward(
        { x: inputBatch(2, [8, 8, 1]) },
        { training: false, taps: new Set(['encoder.embedding']) },
      );
      expect(Object.keys(some).sort()).toEqual(['encoder.embedding', 'logits']);
    });
    m.dispose();
  });

  it('holds the very model its architecture builds under encoder. (same seed, same weights), and the head on its embedding', () => {
    const m = cnnHeads();
    const plain = cnn.build({ inputShape: [8, 8, 1], numClasses: 4, seed: 5, options: { width: 2 } });
    const vars = m.namedVariables();
    for (const [path, v] of plain.namedVariables())
      expect(Array.from(vars.get(`encoder.${path}`)!.dataSync()), path).toEqual(Array.from(v.dataSync()));
    expect([...vars.keys()].filter((p) => !p.startsWith('encoder.')).sort()).toEqual([
      'heads.logits.fc1.bias',
      'heads.logits.fc1.weight',
    ]);
    tf.tidy(() => {
      const x = inputBatch(3, [8, 8, 1]);
      const out = m.forward({ x }, { training: false });
      const own = plain.forward({ x }, { training: false });
      expect(Array.from(out['encoder.embedding']!.dataSync())).toEqual(Array.from(own['embedding']!.dataSync()));
      const head = m.heads[0]!.layers[0]!;
      const want = tf.add(tf.matMul(own['embedding']!, head.weight), head.bias!);
      expect(tf.max(tf.abs(tf.sub(out['logits']!, want))).dataSync()[0]).toBeLessThan(1e-6);
    });
    m.dispose();
    plain.dispose();
  });

  it('trains only the heads when the encoder is frozen (student.freeze: [encoder]); both when not', () => {
    const m = cnnHeads({ heads: [{ hidden: [6] }] });
    const x = inputBatch(4, [8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
    const loss = () =>
      tf.losses.softmaxCrossEntropy(y, m.forward({ x }, { training: true, taps: new Set() })['logits']!) as tf.Scalar;
    const gradsOf = () => {
      const params = m.namedParameters();
      const { value, grads } = tf.variableGrads(loss, [...params.values()]);
      value.dispose();
      // a variable off the loss's path (the encoder's own classifier `fc`) gets no gradient: 0
      const norms = new Map(
        [...params].map(([path, v]) => [
          path,
          grads[v.name] ? tf.tidy(() => tf.norm(grads[v.name]!).dataSync()[0]!) : 0,
        ]),
      );
      tf.dispose(Object.values(grads));
      return norms;
    };
    const all = gradsOf();
    expect(all.get('encoder.conv1.weight')).toBeGreaterThan(0);
    expect(all.get('heads.logits.fc1.weight')).toBeGreaterThan(0);
    expect(all.get('encoder.fc.weight')).toBe(0);
    m.encoder.setFrozen(true);
    const before = tf.memory().numTensors;
    const heads = gradsOf();
    expect([...heads.keys()].sort()).toEqual([
      'heads.logits.fc1.bias',
      'heads.logits.fc1.weight',
      'heads.logits.fc2.bias',
      'heads.logits.fc2.weight',
    ]);
    for (const [path, n] of heads) expect(n, path).toBeGreaterThan(0);
    gradsOf();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    m.dispose();
  });

  it("a pair head scores [subject; object] region states of the batch's pairs; it declares pairs and the predicates facet", () => {
    const m = composite.build({
      inputShape: [16, 16, 1],
      numClasses: 3,
      seed: 2,
      data: sceneData,
      options: {
        encoder: vlScene,
        heads: [
          { from: 'embedding' },
          { name: 'relationLogits', from: 'regionStates', input: 'pairs', outputs: 'predicates' },
        ],
      },
    }) as EncoderWithHeads;
    expect(m.tapSpecs()['relationLogits']!.shape).toEqual([-1, 3]);
    expect(m.requiredBatchKeys().map((k) => k.key)).toEqual([
      'x',
      'proposals',
      'proposalMask',
      'tokens',
      'tokenMask',
      'pairs',
    ]);
    expect(m.requiredFacets()).toEqual([PREDICATE_NAMES]);
    tf.tidy(() => {
      const b = sceneBatch();
      const out = m.forward(b, { training: false, taps: new Set(['relationLogits', 'encoder.regionStates']) });
      const states = out['encoder.regionStates']!.arraySync() as number[][][];
      const pairs = b['pairs']!.arraySync() as number[][][];
      const head = m.heads[1]!.layers[0]!;
      const rows = pairs.map((ps, i) => ps.map(([s, o]) => [...states[i]![s!]!, ...states[i]![o!]!]));
      const want = tf.add(
        tf.matMul(tf.tensor3d(rows), tf.expandDims(head.weight, 0).tile([2, 1, 1]) as tf.Tensor3D),
        head.bias!,
      );
      expect(out['relationLogits']!.shape).toEqual([2, 2, 3]);
      expect(tf.max(tf.abs(tf.sub(out['relationLogits']!, want))).dataSync()[0]).toBeLessThan(1e-5);
    });
    m.dispose();
  });

  it("resumes its encoder from encoder.regions with the batch (the heads follow), as the encoder's forwardFrom", () => {
    const m = composite.build({
      inputShape: [16, 16, 1],
      numClasses: 3,
      seed: 2,
      data: sceneData,
      options: { encoder: vlScene },
    }) as EncoderWithHeads;
    expect(m.resumableTaps()).toEqual(['encoder.regions']);
    tf.tidy(() => {
      const b = sceneBatch();
      const full = m.forward(b, { training: false });
      const again = m.forwardFrom('encoder.regions', full['encoder.regions']!, b, {
        training: false,
        taps: new Set(['encoder.text']),
      });
      expect(Object.keys(again).sort()).toEqual(['encoder.text', 'logits']);
      expect(Array.from(again['logits']!.dataSync())).toEqual(Array.from(full['logits']!.dataSync()));
      expect(() => m.forwardFrom('regions', full['encoder.regions']!, b, { training: false })).toThrow(
        /cannot resume at tap 'regions'; resumable: encoder.regions/,
      );
    });
    m.dispose();
  });

  it('builds its encoder from the architectures of the run (a plugin architecture included)', () => {
    const plugin: ModelArchitecture = {
      id: 'plugin-cnn',
      description: 'a cnn from elsewhere',
      build: (input) => cnn.build({ ...input, options: { width: 1 } }),
    };
    const m = composite.build({
      inputShape: [8, 8, 1],
      numClasses: 2,
      seed: 1,
      options: { encoder: { arch: 'plugin-cnn' } },
      architectures: [plugin],
    });
    expect(m.tapSpecs()['encoder.embedding']!.shape).toEqual([4]);
    m.dispose();
    expect(
      configError(() =>
        composite.build({
          inputShape: [8, 8, 1],
          numClasses: 2,
          seed: 1,
          options: { encoder: { arch: 'cnn' } },
          architectures: [plugin],
        }),
      ).path,
    ).toBe('options.encoder.arch');
  });

  it('names the field of every option error', () => {
    const build = (options: Record<string, unknown>, data?: DataInfo) => () =>
      composite.build({ inputShape: [8, 8, 1], numClasses: 4, seed: 1, options, data });
    const enc = { arch: 'cnn', options: { width: 2 } };
    expect(configError(build({})).path).toBe('options.encoder');
    expect(configError(build({ encoder: { arch: 'nope' } })).message).toMatch(
      /unknown architecture 'nope' \(installed: .*cnn/,
    );
    expect(configError(build({ encoder: { arch: 'cnn', options: { width: 0 } } })).path).toBe(
      'options.encoder.options.width',
    );
    expect(configError(build({ encoder: { arch: 'vl-scene' } })).path).toBe('options.encoder.arch');
    expect(configError(build({ encoder: enc, heads: [{ from: 'tokens' }] })).path).toBe('options.heads[0].from');
    expect(configError(build({ encoder: enc, heads: [{}, { from: 'stage1' }] })).path).toBe('options.heads[1].name');
    expect(configError(build({ encoder: enc, heads: [{ from: 'embedding', input: 'pairs' }] })).path).toBe(
      'options.heads[0].input',
    );
    expect(configError(build({ encoder: enc, heads: [{ outputs: 'predicates' }] })).message).toMatch(
      /'predicates' facet, and dataset '\(none\)' has none/,
    );
    expect(configError(build({ encoder: enc, heads: [{ name: 'encoder.logits' }] })).path).toBe('options.heads');
  });
});
