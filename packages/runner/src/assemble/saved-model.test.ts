import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { architectures, readModelArtifacts, readModelCard, saveTappedModelSync } from '@kd/models';
import { writeTensors } from '@kd/trainer';
import { describe, expect, it } from 'vitest';
import { checkVocabulary, loadModelWeights } from './saved-model.js';

const build = (seed: number) =>
  architectures
    .find((a) => a.id === 'resnet8')!
    .build({ inputShape: [9, 9, 1], numClasses: 3, seed, options: { width: 2 } });
const card = { arch: 'resnet8', options: { width: 2 }, inputShape: [9, 9, 1], numClasses: 3, metrics: { test: 0.5 } };

describe('saved model folders', () => {
  it('are TensorFlow.js artifacts (model.json + weights shard) that any tfjs reader decodes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-saved-'));
    const model = build(1);
    saveTappedModelSync(model, dir, card);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('kd-tapped-model');
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    const artifacts = readModelArtifacts(dir);
    const weights = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    expect(Object.keys(weights).sort()).toEqual([...model.namedVariables().keys()].sort());
    expect(readModelCard(dir)).toEqual({ ...card, params: model.paramCount() });
    tf.dispose(Object.values(weights));
  });

  it('round-trip: identical outputs after save and load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-saved-'));
    const a = build(1);
    const b = build(2);
    saveTappedModelSync(a, dir, card);
    loadModelWeights(dir, b);
    tf.tidy(() => {
      const x = tf.randomNormal([2, 9, 9, 1], 0, 1, 'float32', 3);
      const d = tf.max(
        tf.abs(
          tf.sub(a.forward({ x }, { training: false })['logits']!, b.forward({ x }, { training: false })['logits']!),
        ),
      );
      expect(d.dataSync()[0]).toBe(0);
    });
  });

  it('still reads the first layout (card as model.json, variables.json/.bin): older runs and teacher caches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-saved-legacy-'));
    const a = build(1);
    writeTensors(dir, 'variables', Object.fromEntries(a.namedVariables()));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'kd-model/1', ...card, params: a.paramCount() }));
    const b = build(2);
    loadModelWeights(dir, b);
    expect(readModelCard(dir).arch).toBe('resnet8');
    const same = [...a.namedVariables()].every(([k, v]) =>
      tf.tidy(() => tf.max(tf.abs(tf.sub(v, b.namedVariables().get(k)!))).dataSync()[0] === 0),
    );
    expect(same).toBe(true);
  });
});

describe('text vocabulary fingerprints', () => {
  const text = (vocabularyId?: string) => ({
    vocabSize: 9,
    length: 4,
    classPrompts: { prompts: 1, ids: new Int32Array(0), mask: new Float32Array(0) },
    ...(vocabularyId ? { vocabularyId } : {}),
  });
  const saved = (vocabularyId?: string) => ({ ...card, params: 1, ...(vocabularyId ? { vocabularyId } : {}) });

  it('are saved in the card and refuse a model trained with another vocabulary, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-vocab-'));
    saveTappedModelSync(build(1), dir, { ...card, vocabularyId: 'abc' });
    expect(readModelCard(dir).vocabularyId).toBe('abc');
    expect(() => checkVocabulary("config field 'teacher.checkpoint'", dir, readModelCard(dir), text('abd'))).toThrow(
      /^config field 'teacher\.checkpoint': the model in .* was trained with another text vocabulary \(fingerprint abc, this data's is abd\)/,
    );
    expect(() => checkVocabulary('x', dir, saved('abc'), text('abc'))).not.toThrow();
    // nothing to compare: an image model, or a model saved before fingerprints existed
    expect(() => checkVocabulary('x', dir, saved(), text('abc'))).not.toThrow();
    expect(() => checkVocabulary('x', dir, saved('abc'), undefined)).not.toThrow();
  });
});
