import * as tf from '@tensorflow/tfjs';
import type { Batch, DataSplit, SamplePreview } from '@kd/core';
import type { SceneQuestion, SceneSplit } from '@kd/data';
import type { WordTokenizer } from '../tokenizer/word-tokenizer.js';
import type { SceneQuestionIndex } from './scene-question-index.js';
import { vqaAnswerScores } from './vqa-answer-scores.js';

/**
 * A VQA split over scenes: sample i is one (scene, question) pair of `questions`. Its batch is the
 * scene batch of each sample's scene (image, multi-hot labels, boxes, proposals, …) plus the question
 * as `tokens` int32 [B, length] / `tokenMask` float32 [B, length], its soft target `answerScores`
 * float32 [B, A] (`vqaAnswerScores`), its answer `answerId` int32 [B], `index` = the sample index and
 * `sceneIndex` = the scene index.
 */
export class SceneVqaSplit implements DataSplit {
  readonly size: number;
  /** As the scenes: true when training batches draw their pairs (`trainingPairs`). */
  readonly augments: boolean;

  constructor(
    readonly scenes: SceneSplit,
    readonly questions: SceneQuestionIndex,
    readonly tokenizer: WordTokenizer,
    readonly length: number,
    readonly numAnswers: number,
  ) {
    this.size = questions.scene.length;
    this.augments = scenes.augments;
  }

  /** The scene index of sample `index`. */
  sceneOf(index: number): number {
    return this.questions.scene[index]!;
  }

  /** The question (text, answer, answer id, type) of sample `index`. */
  question(index: number): SceneQuestion {
    this.checkIndex(index);
    return this.scenes.scenes.get(this.sceneOf(index)).questions[this.questions.question[index]!]!;
  }

  batch(indices: Int32Array, options: { augmentSeed?: number } = {}): Batch {
    const b = indices.length;
    const questions = Array.from(indices, (i) => this.question(i));
    const encoded = this.tokenizer.encodeBatch(
      questions.map((q) => q.text),
      { length: this.length },
    );
    const scores = new Float32Array(b * this.numAnswers);
    questions.forEach((q, i) => scores.set(vqaAnswerScores(q.answerId, this.numAnswers), i * this.numAnswers));
    const sceneIndex = Int32Array.from(indices, (i) => this.sceneOf(i));
    const { index, ...scene } = this.scenes.batch(sceneIndex, options);
    index?.dispose();
    const shape: [number, number] = [b, this.length];
    return {
      ...scene,
      tokens: tf.tensor2d(encoded.ids, shape, 'int32'),
      tokenMask: tf.tensor2d(encoded.attentionMask, shape, 'float32'),
      answerScores: tf.tensor2d(scores, [b, this.numAnswers], 'float32'),
      answerId: tf.tensor1d(
        Int32Array.from(questions, (q) => q.answerId),
        'int32',
      ),
      index: tf.tensor1d(indices, 'int32'),
      sceneIndex: tf.tensor1d(sceneIndex, 'int32'),
    };
  }

  preview(index: number): SamplePreview {
    const q = this.question(index);
    return { ...this.scenes.preview(this.sceneOf(index)), lines: [`Q: ${q.text}`, `A: ${q.answer}`] };
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new RangeError(`scene-vqa: sample ${index} out of range [0, ${this.size})`);
  }
}
