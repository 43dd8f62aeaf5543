import * as tf from '@tensorflow/tfjs';
import {
  TEXT_WORDS,
  TappedModel,
  UserError,
  facetEntry,
  facets,
  type Batch,
  type DataInfo,
  type DataSplit,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { ciderD, corpusBleu } from '@kd/metrics';
import { errorOf, expectFlatTensorCount, participant, stepContext } from '@kd/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningTask, captioningHParams } from './captioning.js';

const WORDS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', '3', 'left', 'of', '7', 'above', '1'];
const V = WORDS.length;
const T = 12;
const id = (w: string) => WORDS.indexOf(w);
const encode = (caption: string) => {
  const ids = [2, ...caption.split(' ').map(id), 3];
  return [...ids, ...Array(T - ids.length).fill(0)];
};
const CAPTIONS = ['a 3 left of a 7', 'a 7 above a 1', 'a 1 left of a 3 above a 7', 'a 3'];
const REFS = CAPTIONS.map(encode);

const data: DataInfo = {
  name: 'toy-captions',
  inputShape: [1],
  numClasses: 1,
  classNames: ['x'],
  facets: facets(facetEntry(TEXT_WORDS, { words: WORDS, cls: 2, sep: 3, pad: 0 })),
};

/**
 * A causal "decoder" that always predicts a fixed sequence per image (batch.index): at position i, the
 * token i + 1 of `captions[image]` (with logit 10, the others 0), whatever the text it is given.
 */
class FixedSequenceModel extends TappedModel {
  readonly arch = 'fixed-sequence';
  constructor(
    private readonly captions: readonly number[][],
    readonly config: { readonly textAttention: string } = { textAttention: 'causal' },
  ) {
    super();
  }
  tapSpecs(): TapSpecs {
    return { mlmLogits: { shape: [T, V], kind: 'other' } };
  }
  forward(batch: Batch): TapValues {
    const index = Array.from(batch['index']!.dataSync());
    const next = (image: number, pos: number) => this.captions[image]![pos + 1] ?? 0;
    return {
      mlmLogits: tf.tensor3d(
        index.map((img) =>
          Array.from({ length: T }, (_, pos) => Array.from({ length: V }, (_, v) => (v === next(img, pos) ? 10 : 0))),
        ),
      ),
    };
  }
}

function split(): DataSplit {
  return {
    size: REFS.length,
    batch: (indices) => ({
      x: tf.zeros([indices.length, 1]),
      tokens: tf.tensor2d(
        Array.from(indices, (i) => REFS[i]!),
        [indices.length, T],
        'int32',
      ),
      tokenMask: tf.tensor2d(
        Array.from(indices, (i) => REFS[i]!.map((t) => (t === 0 ? 0 : 1))),
        [indices.length, T],
      ),
      index: tf.tensor1d(indices, 'int32'),
    }),
  };
}

function setUp(model: TappedModel, info = data) {
  const task = new CaptioningTask();
  task.setup({
    hparams: captioningHParams.parse({}),
    data: info,
    student: participant('student', 'student', model),
    tap: (_r, tap) => model.tapSpecs()[tap]!,
  });
  return task;
}

describe('captioning task', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a model that generates the references scores BLEU-4 1 and the CIDEr-D of the references themselves; loss per real target token', () => {
    const model = new FixedSequenceModel(REFS);
    const task = setUp(model);
    const refs = CAPTIONS.map((c) => [c.split(' ')]);
    const perfect = ciderD(
      CAPTIONS.map((c) => c.split(' ')),
      refs,
    ).score;
    expect(perfect).toBeGreaterThan(1);
    // every target has logit 10 against V − 1 zeros
    const tokenLoss = Math.log(1 + (V - 1) * Math.exp(-10));
    for (const batchSize of [1, 3, 4]) {
      const m = task.evaluate({ model, split: split(), batchSize, data });
      expect(m['BLEU-4']).toBeCloseTo(1, 12);
      expect(m['CIDEr-D']).toBeCloseTo(perfect, 10);
      expect(m['loss']).toBeCloseTo(tokenLoss, 5);
    }
    expect(task.metrics().map((s) => [s.name, s.unit, s.higherIsBetter])).toEqual([
      ['CIDEr-D', 'score', true],
      ['BLEU-4', 'fraction', true],
      ['loss', 'score', false],
    ]);
  });

  it('scores the greedy captions, not the teacher-forced ones: BLEU-4 and CIDEr-D of what the model generates', () => {
    // image i generates caption (i + 1) mod 4
    const shifted = REFS.map((_, i) => REFS[(i + 1) % REFS.length]!);
    const m = setUp(new FixedSequenceModel(shifted)).evaluate({
      model: new FixedSequenceModel(shifted),
      split: split(),
      batchSize: 2,
      data,
    });
    const cands = CAPTIONS.map((_, i) => CAPTIONS[(i + 1) % CAPTIONS.length]!.split(' '));
    const refs = CAPTIONS.map((c) => [c.split(' ')]);
    expect(m['BLEU-4']).toBeCloseTo(corpusBleu(cands, refs).bleu, 12);
    expect(m['CIDEr-D']).toBeCloseTo(ciderD(cands, refs).score, 12);
    // a model that ends every caption at once says nothing
    const silent = REFS.map(() => [2, 3]);
    const s = setUp(new FixedSequenceModel(silent)).evaluate({
      model: new FixedSequenceModel(silent),
      split: split(),
      batchSize: 4,
      data,
    });
    expect(s['BLEU-4']).toBe(0);
    expect(s['CIDEr-D']).toBe(0);
  });

  it('setup asks for causal text attention in one line naming the option', () => {
    const e = errorOf(() => setUp(new FixedSequenceModel(REFS, { textAttention: 'bidirectional' })));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(
      "task 'captioning': student (fixed-sequence) must decode left to right: set student.options.textAttention: causal (it has 'bidirectional')",
    );
    expect(() => setUp(new FixedSequenceModel(REFS))).not.toThrow();
  });

  it('declares what it reads', () => {
    const task = new CaptioningTask();
    expect(task.requiredTaps()).toEqual([{ role: 'student', tap: 'mlmLogits' }]);
    expect(task.requiredBatchKeys().map((k) => k.key)).toEqual(['tokens', 'tokenMask']);
    expect(task.requiredFacets()).toEqual([TEXT_WORDS]);
  });

  it('the term only when active; its gradient reaches every position with a real next token and no other', () => {
    const task = new CaptioningTask();
    const logits = tf.randomNormal([REFS.length, T, V], 0, 1, 'float32', 5);
    const tokens = tf.tensor2d(REFS, [REFS.length, T], 'int32');
    const tokenMask = tf.tensor2d(REFS.map((r) => r.map((t) => (t === 0 ? 0 : 1))));
    const batch = { x: logits, tokens, tokenMask };
    expect(task.losses(stepContext({ mlmLogits: logits }, undefined, [], batch))).toEqual({});
    const grad = tf.grad((z: tf.Tensor) => task.losses(stepContext({ mlmLogits: z }, undefined, ['ce'], batch))['ce']!)(
      logits,
    );
    const g = grad.arraySync() as number[][][];
    REFS.forEach((ref, b) => {
      for (let pos = 0; pos < T; pos++) {
        const hasTarget = pos + 1 < T && ref[pos + 1] !== 0;
        const norm = g[b]![pos]!.reduce((s, v) => s + Math.abs(v), 0);
        if (hasTarget) expect(norm).toBeGreaterThan(0);
        else expect(norm).toBe(0);
      }
    });
    tf.dispose([logits, tokens, tokenMask, grad]);
  });

  it('leaks no tensors: losses in a tidy, and evaluate (greedy decoding included)', () => {
    const model = new FixedSequenceModel(REFS);
    const task = setUp(model);
    const logits = tf.randomNormal([REFS.length, T, V]);
    const tokens = tf.tensor2d(REFS, [REFS.length, T], 'int32');
    const tokenMask = tf.onesLike(logits).slice([0, 0, 0], [REFS.length, T, 1]).reshape([REFS.length, T]);
    expectFlatTensorCount(() =>
      tf.tidy(() =>
        task
          .losses(stepContext({ mlmLogits: logits }, undefined, ['ce'], { x: logits, tokens, tokenMask }))
          ['ce']!.dataSync(),
      ),
    );
    expectFlatTensorCount(() => task.evaluate({ model, split: split(), batchSize: 3, data }));
    tf.dispose([logits, tokens, tokenMask]);
  });
});
