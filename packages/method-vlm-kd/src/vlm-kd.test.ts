import * as tf from '@tensorflow/tfjs';
import {
  describeHParams,
  MissingTapError,
  UserError,
  type Batch,
  type DataInfo,
  type MethodSetupContext,
  type Participant,
  type Role,
  type StepContext,
  TappedModel,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { architectures, type ClipDualEncoder } from '@kd/models';
import { expectFlatTensorCount, gradNorm, participant, setupContext, SpecModel, stepContext } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { vlmKdDescriptor } from './descriptor.js';
import { vlmKdHParams, type VlmKdHParams } from './hparams.js';
import { VlmKdMethod } from './vlm-kd.js';

const K = 3;
const T = 6;
const H = 8;
const classIds = new Int32Array(K * T);
const classMask = new Float32Array(K * T);
for (let k = 0; k < K; k++) {
  classIds.set([2, 5, 10 + k, 3], k * T);
  classMask.set([1, 1, 1, 1], k * T);
}
const data: DataInfo = {
  name: 'toy-captioned',
  inputShape: [H, H, 1],
  numClasses: K,
  classNames: ['a', 'b', 'c'],
  text: { vocabSize: 16, length: T, classPrompts: { prompts: 1, ids: classIds, mask: classMask } },
};
const build = (id: string, options: Record<string, unknown>, seed: number): TappedModel =>
  architectures.find((a) => a.id === id)!.build({ inputShape: data.inputShape, numClasses: K, seed, data, options });
const buildClip = (seed = 1) =>
  build(
    'clip',
    { image: { arch: 'cnn', options: { width: 2 } }, embedDim: 6, text: { kind: 'bag', dModel: 6 } },
    seed,
  ).setFrozen(true) as ClipDualEncoder;

/** The test setup context with more participants (its `tap` looks them up too). */
function withParticipants(
  ctx: MethodSetupContext<VlmKdHParams>,
  extra: Participant[],
): MethodSetupContext<VlmKdHParams> {
  const participants = [...ctx.participants, ...extra];
  return {
    ...ctx,
    data,
    participants,
    tap(role: Role, tap: string, model?: string) {
      const p = participants.find((q) => q.name === (model ?? (role === 'teacher' ? 'teacher' : 'student')));
      const spec = p?.model.tapSpecs()[tap];
      if (!p || !spec)
        throw new MissingTapError('vlm-kd', model ?? role, tap, p ? Object.keys(p.model.tapSpecs()) : []);
      return spec;
    },
  };
}

function models(seed = 1) {
  const clip = buildClip(seed);
  const vision = build('cnn', { width: 4 }, 5).setFrozen(true);
  const student = build('cnn', { width: 2 }, 9);
  return { clip, vision, student };
}

const tokens = () =>
  tf.tensor2d(
    [
      [2, 7, 10, 3, 0, 0],
      [2, 8, 11, 3, 0, 0],
      [2, 7, 10, 3, 0, 0], // the same caption as sample 0
      [2, 9, 12, 12, 3, 0],
    ],
    [4, T],
    'int32',
  );
function batch(): Batch {
  const t = tokens();
  return {
    x: tf.randomNormal([4, H, H, 1], 0, 1, 'float32', 3),
    y: tf.tensor1d([0, 1, 0, 2], 'int32'),
    tokens: t,
    tokenMask: tf.cast(tf.notEqual(t, 0), 'float32'),
  };
}

function setup(hp: Partial<VlmKdHParams>, m = models(), opts: { vision?: boolean } = {}) {
  const text = participant('text', 'teacher', m.clip);
  const teacher = opts.vision === false ? undefined : participant('teacher', 'teacher', m.vision);
  const student = participant('student', 'student', m.student);
  const ctx = setupContext('vlm-kd', vlmKdHParams.parse({ vocabularyGuard: 0, ...hp }), teacher, student);
  const method = new VlmKdMethod();
  method.setup(withParticipants(ctx, [text]));
  return { method, ...m };
}

function step(method: VlmKdMethod, m: ReturnType<typeof models>, b: Batch, active: string[]): StepContext {
  const teacher = m.vision.forward(b, { training: false, taps: new Set(['logits']) });
  const student = m.student.forward(b, { training: true, taps: new Set(['embedding', 'logits']) });
  return { ...stepContext(student, teacher, active, b), outputs: { teacher, student } };
}

describe('vlm-kd method', () => {
  it('describes its hyperparameters (every one with a default and a source) and three terms', () => {
    const docs = describeHParams(vlmKdDescriptor.hparams);
    expect(docs.map((d) => d.name)).toEqual([
      'textSource',
      'textTeacher',
      'visionTeacher',
      'vkdTemperature',
      'vkdPrior',
      'projection',
      'projectionDim',
      'adaptorHidden',
      'temperature',
      'learnTemperature',
      'sameClass',
      'vocabularyGuard',
      'guardSamples',
    ]);
    expect(docs.find((d) => d.name === 'temperature')!.default).toBe(0.07);
    expect(vlmKdDescriptor.terms.map((t) => [t.name, t.defaultWeight])).toEqual([
      ['text', 1],
      ['vkd', 1],
      ['bsce', 0],
    ]);
  });

  it('reads student embedding + logits and the vision teacher, but never asks the text encoder for a tap (it is cached, not run each step)', () => {
    const { method } = setup({});
    expect(method.requiredTaps()).toEqual([
      { role: 'student', tap: 'embedding' },
      { role: 'student', tap: 'logits' },
      { role: 'teacher', tap: 'logits', model: 'teacher' },
    ]);
    expect(method.auxModules().map((a) => a.name)).toEqual(['textAdaptor', 'imageProjection']);
    const learned = setup({ learnTemperature: true, projection: 'identity' }).method;
    expect(learned.auxModules().map((a) => a.name)).toEqual(['textAdaptor', 'temperature']);
    expect(setup({ visionTeacher: 'none' }, models(), { vision: false }).method.requiredTaps()).toHaveLength(2);
    // no text encoder: no aux modules, and the text term is refused in one line
    const noText = setup({ textTeacher: 'none' }).method;
    expect(noText.auxModules()).toEqual([]);
    expect(() =>
      noText.losses(stepContext({ embedding: tf.zeros([2, 8]), logits: tf.zeros([2, K]) }, undefined, ['text'])),
    ).toThrow(/the text term needs a text encoder \(hparams\.textTeacher is 'none'\)/);
  });

  it('fails before training with one line naming the missing participant or tap', () => {
    const m = models();
    const student = participant('student', 'student', m.student);
    const parse = (hp: object) => vlmKdHParams.parse({ vocabularyGuard: 0, ...hp });
    const noText = () =>
      new VlmKdMethod().setup({
        ...setupContext('vlm-kd', parse({}), participant('teacher', 'teacher', m.vision), student),
        data,
      });
    expect(noText).toThrow(UserError);
    expect(noText).toThrow(/needs the frozen text encoder 'text' \(hparams\.textTeacher\)/);
    expect(() => setup({}, m, { vision: false })).toThrow(
      /needs the vision teacher 'teacher' \(hparams\.visionTeacher\)/,
    );
    expect(() => setup({ textSource: 'precomputed' })).toThrow(
      /'precomputed' needs a captioned dataset whose caption file carries embeddings/,
    );
    const plain = participant('student', 'student', new SpecModel({ logits: { shape: [K], kind: 'logits' } }));
    const ctx = setupContext('vlm-kd', parse({ visionTeacher: 'none' }), undefined, plain);
    expect(() => new VlmKdMethod().setup(withParticipants(ctx, [participant('text', 'teacher', m.clip)]))).toThrow(
      MissingTapError,
    );
    for (const line of [noText]) {
      try {
        line();
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });

  it('encodes each distinct caption once (keyed by its token ids) and never again in later epochs; embeddings equal the frozen CLIP text tower', () => {
    const { method, clip, ...rest } = setup({});
    const m = { clip, ...rest };
    const b = batch();
    const s = step(method, m, b, ['text']);
    const first = method.captionEmbeddings(s);
    expect(method.cache!.encoded).toBe(3); // samples 0 and 2 share a caption
    const expected = clip.encodeText(b['tokens']!, b['tokenMask']);
    expect(tf.max(tf.abs(tf.sub(first, expected))).dataSync()[0]).toBeLessThan(1e-6);
    for (let epoch = 0; epoch < 3; epoch++) tf.tidy(() => method.losses(step(method, m, batch(), ['text'])));
    expect(method.cache!.encoded).toBe(3);
    expect(method.cache!.size).toBe(3);
    // a caption padded differently (mask) but with the same real tokens is the same key
    expect(method.cache!.hits).toBeGreaterThan(0);
  });

  it('gradient flow: student, adaptor, projection and learned τ get gradients; the text encoder and the vision teacher none', () => {
    for (const sameClass of ['diagonal', 'positives', 'masked'] as const) {
      const m = models();
      const { method } = setup({ learnTemperature: true, sameClass }, m);
      const aux = method.auxModules().flatMap((a) => a.module.trainableVariables());
      const frozen = [...m.clip.namedParameters().values(), ...m.vision.namedParameters().values()];
      const studentVars = m.student.trainableVariables();
      const b = batch();
      const { grads } = tf.variableGrads(() => {
        const out = method.losses(step(method, m, b, ['text', 'vkd']));
        return tf.add(out['text']!, out['vkd']!) as tf.Scalar;
      }, [...studentVars, ...aux, ...frozen]);
      for (const v of frozen) expect(gradNorm(grads[v.name]), v.name).toBe(0);
      for (const v of aux) expect(gradNorm(grads[v.name]), v.name).toBeGreaterThan(0);
      expect(studentVars.filter((v) => gradNorm(grads[v.name]) > 0).length).toBeGreaterThan(studentVars.length / 2);
      tf.dispose(Object.values(grads));
    }
  });

  it('the text term alone reaches the student only through its embedding; the classifier head gets its gradient from vkd/bsce', () => {
    const m = models();
    const { method } = setup({}, m);
    method.setClassCounts([50, 5, 1]);
    const b = batch();
    const head = [...m.student.namedParameters().entries()].filter(([k]) => k.startsWith('fc')).map(([, v]) => v);
    expect(head.length).toBeGreaterThan(0);
    const gradsOf = (terms: string[]) =>
      tf.variableGrads(() => {
        const out = method.losses(step(method, m, b, terms));
        return tf.addN(terms.map((t) => out[t]!)) as tf.Scalar;
      }, [...head, ...m.student.trainableVariables().filter((v) => !head.includes(v))]).grads;
    expect(head.every((v) => gradNorm(gradsOf(['text'])[v.name]) === 0)).toBe(true);
    expect(head.some((v) => gradNorm(gradsOf(['bsce'])[v.name]) > 0)).toBe(true);
  });

  it('keeps the tensor count flat across steps (cache holds numbers, not tensors)', () => {
    const m = models();
    const { method } = setup({ learnTemperature: true, sameClass: 'masked' }, m);
    method.setClassCounts([5, 3, 1]);
    const b = batch();
    expectFlatTensorCount(() =>
      tf.tidy(() => {
        const vars = [
          ...m.student.trainableVariables(),
          ...method.auxModules().flatMap((a) => a.module.trainableVariables()),
        ];
        const { value, grads } = tf.variableGrads(() => {
          const out = method.losses(step(method, m, b, ['text', 'vkd', 'bsce']));
          return tf.addN(Object.values(out)) as tf.Scalar;
        }, vars);
        tf.dispose([value, ...Object.values(grads)]);
      }),
    );
  });

  it('vkdPrior student needs the class counts and says so in one line', () => {
    const m = models();
    const { method } = setup({ vkdPrior: 'student' }, m);
    (method as unknown as { logPrior?: Float32Array }).logPrior = undefined;
    expect(() => method.losses(step(method, m, batch(), ['vkd']))).toThrow(
      /the vkd \(vkdPrior: student\) term needs the training class counts/,
    );
    method.setClassCounts([4, 2, 1]);
    expect(Object.keys(method.losses(step(method, m, batch(), ['vkd'])))).toEqual(['vkd']);
  });

  it('computes only the active terms', () => {
    const m = models();
    const { method } = setup({}, m);
    expect(Object.keys(method.losses(step(method, m, batch(), [])))).toEqual([]);
    expect(method.cache!.encoded).toBe(0);
    expect(Object.keys(method.losses(step(method, m, batch(), ['vkd'])))).toEqual(['vkd']);
  });
});

/** A stand-in CLIP whose zero-shot logits are chosen by the test (right or permuted classes). */
class ZeroShotStub extends TappedModel {
  readonly arch = 'zero-shot-stub';
  constructor(private readonly permutation: number[]) {
    super();
  }
  tapSpecs(): TapSpecs {
    return { textEmbedding: { shape: [4], kind: 'embedding' }, logits: { shape: [K], kind: 'logits' } };
  }
  encodeText(t: tf.Tensor): tf.Tensor2D {
    return tf.tidy(
      () => tf.oneHot(tf.slice(tf.cast(t, 'int32'), [0, 1], [-1, 1]).flatten(), 4).toFloat() as tf.Tensor2D,
    );
  }
  forward(b: Batch): TapValues {
    const y = Array.from(b.y!.dataSync());
    return {
      logits: tf
        .oneHot(
          y.map((k) => this.permutation[k]!),
          K,
        )
        .toFloat(),
    };
  }
}

describe('vlm-kd vocabulary guard', () => {
  const guarded = (permutation: number[], hp: Partial<VlmKdHParams> = {}) => {
    const m = models();
    const text = participant('text', 'teacher', new ZeroShotStub(permutation));
    const ctx = setupContext(
      'vlm-kd',
      vlmKdHParams.parse({ visionTeacher: 'none', guardSamples: 8, ...hp }),
      undefined,
      participant('student', 'student', m.student),
    );
    const method = new VlmKdMethod();
    method.setup(withParticipants(ctx, [text]));
    const run = () =>
      tf.tidy(() =>
        method.losses(
          // as in a run: the text encoder is no participant of the step (no method reads its taps each step)
          stepContext(m.student.forward(batch(), { training: true }), undefined, ['text'], batch(), []),
        ),
      );
    return { method, run };
  };

  it('passes a CLIP that knows this vocabulary (zero-shot far above chance) and stops checking', () => {
    const { method, run } = guarded([0, 1, 2]);
    expect(method.report()).toEqual({});
    run();
    expect(() => run()).not.toThrow();
    expect(() => run()).not.toThrow();
    expect(method.report()).toEqual({ textZeroShotTrain: 1 });
  });

  it('stops the run with one line when the zero-shot accuracy says the vocabulary differs', () => {
    const { run } = guarded([1, 2, 0]); // every class prompt names another class
    run(); // 4 samples seen: not yet decided
    let error: unknown;
    try {
      run();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /^method 'vlm-kd': the frozen text encoder 'text' classifies only 0\.0% .* hparams\.vocabularyGuard 0\.3/,
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('is off with vocabularyGuard 0', () => {
    const { run } = guarded([1, 2, 0], { vocabularyGuard: 0 });
    run();
    expect(() => run()).not.toThrow();
  });
});
