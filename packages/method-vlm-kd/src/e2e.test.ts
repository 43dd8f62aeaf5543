/**
 * A tiny end-to-end run: captioned MNIST (template captions), a frozen CLIP-like text encoder and a
 * frozen CNN vision teacher, a CNN student; one epoch of the distillation step as the trainer runs it
 * (frozen forwards outside the tape, variableGrads over student + aux modules, Adam).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  crossEntropy,
  stepHelpers,
  type MethodSetupContext,
  type Participant,
  type Role,
  type TappedModel,
} from '@kd/core';
import { architectures } from '@kd/models';
import { participant, setupContext } from '@kd/testing';
import { loadCaptioned } from '@kd/text';
import { afterAll, describe, expect, it } from 'vitest';
import { vlmKdHParams, type VlmKdHParams } from './hparams.js';
import { VlmKdMethod } from './vlm-kd.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'kd-vlm-kd-e2e-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('vlm-kd end to end (tiny)', () => {
  it('trains the student and the aux modules for one epoch; frozen encoders do not move; captions are encoded once', async () => {
    const data = await loadCaptioned({
      base: 'mnist',
      baseOptions: { trainSize: 24, val: 8, test: 8 },
      cacheDir,
      length: 16,
      captionKinds: 'targeted',
    });
    const build = (id: string, options: Record<string, unknown>, seed: number): TappedModel =>
      architectures
        .find((a) => a.id === id)!
        .build({ inputShape: data.inputShape, numClasses: data.numClasses, seed, data, options });
    const clip = build(
      'clip',
      { image: { arch: 'cnn', options: { width: 2 } }, embedDim: 8, text: { kind: 'bag', dModel: 8 } },
      1,
    ).setFrozen(true);
    const vision = build('cnn', { width: 2 }, 2).setFrozen(true);
    const student = build('cnn', { width: 2 }, 3);
    const participants: Participant[] = [
      participant('teacher', 'teacher', vision),
      participant('text', 'teacher', clip),
      participant('student', 'student', student),
    ];
    const hp = vlmKdHParams.parse({
      vocabularyGuard: 0,
      learnTemperature: true,
      sameClass: 'positives',
      projectionDim: 8,
      adaptorHidden: 16,
    });
    const base = setupContext('vlm-kd', hp, participants[0], participants[2]!);
    const ctx: MethodSetupContext<VlmKdHParams> = {
      ...base,
      data,
      participants,
      tap: (role: Role, tap: string, model?: string) =>
        participants.find((p) => p.name === (model ?? (role === 'teacher' ? 'teacher' : 'student')))!.model.tapSpecs()[
          tap
        ]!,
    };
    const method = new VlmKdMethod();
    method.setup(ctx);
    const aux = method.auxModules().flatMap((a) => a.module.trainableVariables());
    const trainable = [...student.trainableVariables(), ...aux];
    const snapshot = (vs: readonly tf.Variable[]) => vs.map((v) => Float32Array.from(v.dataSync()));
    const frozenBefore = snapshot([...clip.namedParameters().values(), ...vision.namedParameters().values()]);
    const trainableBefore = snapshot(trainable);
    const optimizer = tf.train.adam(0.01);
    const split = data.split('train');
    const losses: number[] = [];
    for (let s = 0; s < 3; s++) {
      const batch = split.batch(
        Int32Array.from({ length: 8 }, (_, i) => s * 8 + i),
        { augmentSeed: 11 + s },
      );
      tf.tidy(() => {
        const teacher = vision.forward(batch, { training: false, taps: new Set(['logits']) });
        const { value, grads } = tf.variableGrads(() => {
          const out = student.forward(batch, { training: true, taps: new Set(['embedding', 'logits']) });
          const outputs = { teacher, student: out };
          const helpers = stepHelpers(outputs, [], (m) => !m.isFrozen);
          const terms = method.losses({
            ...helpers,
            batch,
            outputs,
            teacher,
            student: out,
            epoch: 1,
            step: s,
            stepsPerEpoch: 3,
            totalEpochs: 1,
            active: new Set(['text', 'vkd', 'bsce']),
          });
          return tf.addN([
            crossEntropy(out['logits']!, batch.y!),
            terms['text']!,
            terms['vkd']!,
            terms['bsce']!,
          ]) as tf.Scalar;
        }, trainable);
        losses.push(value.dataSync()[0]!);
        optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      });
      tf.dispose(Object.values(batch));
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    const frozenAfter = snapshot([...clip.namedParameters().values(), ...vision.namedParameters().values()]);
    frozenAfter.forEach((a, i) => expect(a).toEqual(frozenBefore[i]));
    const moved = snapshot(trainable).filter((a, i) => a.some((x, j) => x !== trainableBefore[i]![j]));
    expect(moved.length).toBe(trainable.length);
    // targeted captions only: at most 4 per image, each distinct caption encoded once
    expect(method.cache!.encoded).toBeGreaterThan(0);
    expect(method.cache!.encoded).toBeLessThanOrEqual(24);
    expect(method.cache!.size).toBe(method.cache!.encoded);
    method.dispose();
    optimizer.dispose();
  });
});
