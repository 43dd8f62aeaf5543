/** Small conformance runs on 8x8x1 inputs with 5 classes (the data `setupContext` describes). */
import * as tf from '@tensorflow/tfjs';
import type { Batch, MethodDescriptor, TappedModel } from '@kd/core';
import { participant, setupContext } from './contexts.js';
import type { ConformanceRun } from './method-harness.js';
import { TinyNet } from './tiny-net.js';

/** Six seeded 8x8x1 images with labels 0..4, 0. */
export function tinyBatch(): Batch {
  return { x: tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3), y: tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32') };
}

/**
 * A frozen teacher (TinyNet width 8 unless given; `null`: no teacher) and a student (TinyNet width 4
 * unless given) set up with `hparams` parsed by the descriptor's schema, on `tinyBatch()`.
 */
export function tinyDistillationRun(
  descriptor: MethodDescriptor,
  options: {
    hparams?: Record<string, unknown>;
    teacher?: TappedModel | null;
    student?: TappedModel;
    buildLike?: (participant: string, seed: number) => TappedModel;
  } = {},
): ConformanceRun {
  const teacher =
    options.teacher === null
      ? undefined
      : participant('teacher', 'teacher', options.teacher ?? new TinyNet(8, 8, 5, 1));
  const student = participant('student', 'student', options.student ?? new TinyNet(4, 8, 5, 2));
  const hparams = descriptor.hparams.parse(options.hparams ?? {});
  return { context: setupContext(descriptor.id, hparams, teacher, student, 7, options.buildLike), batch: tinyBatch() };
}
