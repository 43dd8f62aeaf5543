import { mkdirSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { architectures } from '../architectures/index.js';
import { WEIGHTS_FILE, readModelArtifacts } from './file-io-handler.js';
import { GraphModelTeacher } from './graph-model-teacher.js';
import { loadTappedModelWeightsSync, saveTappedModelSync } from './tapped-model-files.js';
import { errorOf } from '@kd/testing';
import { writeGraphModel } from '../../test/helpers.js';

/** model.json and its shards come from elsewhere: data, never a way out of their folder or into memory. */

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `kd-untrusted-${p}-`));

/** A UserError on one line that contains every one of `parts`. */
function expectUserError(f: () => unknown, ...parts: string[]): Error {
  const e = errorOf(f);
  expect(e).toBeInstanceOf(UserError);
  expect(e.message).not.toContain('\n');
  for (const p of parts) expect(e.message).toContain(p);
  return e;
}

function writeModel(dir: string, weightsManifest: unknown): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest }));
  return path;
}

const floats = (n: number) => new Uint8Array(Float32Array.from({ length: n }, (_, i) => i).buffer);

describe('readModelArtifacts: shard paths stay inside the model folder', () => {
  it('refuses a ../ path that leaves the folder, naming model.json and the path (even when the file exists)', () => {
    const root = tmp('dotdot');
    writeFileSync(join(root, 'secret.bin'), floats(3));
    const modelJson = writeModel(join(root, 'model'), [
      { paths: ['../secret.bin'], weights: [{ name: 'w', shape: [3], dtype: 'float32' }] },
    ]);
    expectUserError(() => readModelArtifacts(modelJson), modelJson, '"../secret.bin"', "leaves the model's folder");
    const deeper = writeModel(join(root, 'model2'), [
      { paths: ['sub/../../secret.bin'], weights: [{ name: 'w', shape: [3], dtype: 'float32' }] },
    ]);
    expectUserError(() => readModelArtifacts(deeper), deeper, 'sub/../../secret.bin', "leaves the model's folder");
  });

  it('refuses an absolute path, naming model.json and the path', () => {
    const root = tmp('absolute');
    const elsewhere = join(root, 'elsewhere.bin');
    writeFileSync(elsewhere, floats(3));
    const modelJson = writeModel(join(root, 'model'), [
      { paths: [elsewhere], weights: [{ name: 'w', shape: [3], dtype: 'float32' }] },
    ]);
    expectUserError(() => readModelArtifacts(modelJson), modelJson, elsewhere, 'is absolute');
  });

  it('refuses the folder itself and a path that is not a string', () => {
    const dir = tmp('odd-paths');
    expectUserError(
      () => readModelArtifacts(writeModel(dir, [{ paths: ['.'], weights: [] }])),
      '"."',
      "leaves the model's folder",
    );
    expectUserError(
      () => readModelArtifacts(writeModel(dir, [{ paths: [7], weights: [] }])),
      'weights path 7 is not a file name',
    );
  });

  it('allows .. segments that stay inside the folder', () => {
    const dir = tmp('inside');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'w.bin'), floats(3));
    const artifacts = readModelArtifacts(
      writeModel(dir, [{ paths: ['sub/../w.bin'], weights: [{ name: 'w', shape: [3], dtype: 'float32' }] }]),
    );
    expect(artifacts.weightData && (artifacts.weightData as ArrayBuffer).byteLength).toBe(12);
  });
});

describe('readModelArtifacts: weight sizes are checked against the shards before reading', () => {
  it('a truncated shard is a one-line UserError naming the shard, with both sizes', () => {
    const dir = tmp('truncated');
    writeFileSync(join(dir, 'w.bin'), floats(5));
    const modelJson = writeModel(dir, [
      { paths: ['w.bin'], weights: [{ name: 'w', shape: [2, 3], dtype: 'float32' }] },
    ]);
    expectUserError(
      () => readModelArtifacts(modelJson),
      `${join(dir, 'w.bin')}: weights file is truncated (20 bytes, model.json declares 24)`,
    );
  });

  it('a shard set longer than declared is an error too', () => {
    const dir = tmp('long');
    writeFileSync(join(dir, 'w.bin'), floats(7));
    const modelJson = writeModel(dir, [
      { paths: ['w.bin'], weights: [{ name: 'w', shape: [2, 3], dtype: 'float32' }] },
    ]);
    expectUserError(
      () => readModelArtifacts(modelJson),
      `${join(dir, 'w.bin')}: weights file is longer than declared (28 bytes, model.json declares 24)`,
    );
  });

  it('a manifest promising a huge tensor with a tiny file is an error, not an allocation', () => {
    const dir = tmp('huge');
    writeFileSync(join(dir, 'w.bin'), floats(4));
    const big = writeModel(dir, [
      { paths: ['w.bin'], weights: [{ name: 'w', shape: [250_000_000], dtype: 'float32' }] },
    ]);
    expectUserError(
      () => readModelArtifacts(big),
      `${join(dir, 'w.bin')}: weights file is truncated (16 bytes, model.json declares 1000000000)`,
    );
    const absurd = writeModel(dir, [
      { paths: ['w.bin'], weights: [{ name: 'w', shape: [1e9, 1e9, 1e9], dtype: 'float32' }] },
    ]);
    expectUserError(() => readModelArtifacts(absurd), absurd, '"w"', 'more elements than a model can hold');
    const total = writeModel(dir, [
      {
        paths: ['w.bin'],
        weights: Array.from({ length: 8 }, (_, i) => ({ name: `w${i}`, shape: [2 ** 28], dtype: 'float32' })),
      },
    ]);
    expectUserError(() => readModelArtifacts(total), total, 'bytes of weights, more than a model can hold');
  });

  it('refuses shapes that are not lists of whole numbers >= 0, and unknown dtypes or quantizations', () => {
    const dir = tmp('shapes');
    writeFileSync(join(dir, 'w.bin'), floats(4));
    for (const shape of [[-4], [1.5, 2], ['4'], 4, null, [Infinity]]) {
      const modelJson = writeModel(dir, [{ paths: ['w.bin'], weights: [{ name: 'w', shape, dtype: 'float32' }] }]);
      expectUserError(() => readModelArtifacts(modelJson), modelJson, 'dimensions must be whole numbers >= 0');
    }
    expectUserError(
      () =>
        readModelArtifacts(
          writeModel(dir, [{ paths: ['w.bin'], weights: [{ name: 'w', shape: [4], dtype: 'float64' }] }]),
        ),
      'dtype "float64"',
    );
    expectUserError(
      () =>
        readModelArtifacts(
          writeModel(dir, [
            {
              paths: ['w.bin'],
              weights: [{ name: 'w', shape: [4], dtype: 'float32', quantization: { dtype: 'int4' } }],
            },
          ]),
        ),
      'quantization dtype "int4"',
    );
    expectUserError(
      () => readModelArtifacts(writeModel(dir, [{ paths: 'w.bin', weights: [] }])),
      'not {"paths": [...], "weights": [...]}',
    );
    expectUserError(() => readModelArtifacts(writeModel(dir, { paths: ['w.bin'] })), '"weightsManifest" is');
  });

  it('sizes follow the dtype and the quantization, across groups and shards, exactly as tfjs decodes them', () => {
    const dir = tmp('dtypes');
    const f16 = new Uint16Array([0x3c00, 0x4000]); // 1, 2
    const text = new TextEncoder().encode('hi');
    const strings = new Uint8Array(4 + text.length);
    new DataView(strings.buffer).setUint32(0, text.length, true);
    strings.set(text, 4);
    const group1 = new Uint8Array([...floats(2), ...new Uint8Array(new Int32Array([7, -7]).buffer), 1, 0, 1]); // 8 + 8 + 3
    const group2 = new Uint8Array([
      ...new Uint8Array(f16.buffer),
      10,
      20,
      ...new Uint8Array(new Uint16Array([3]).buffer),
      ...strings,
    ]);
    writeFileSync(join(dir, 'a1.bin'), group1.subarray(0, 10));
    writeFileSync(join(dir, 'a2.bin'), group1.subarray(10));
    writeFileSync(join(dir, 'b.bin'), group2);
    const weightsManifest = [
      {
        paths: ['a1.bin', 'a2.bin'],
        weights: [
          { name: 'f', shape: [2], dtype: 'float32' },
          { name: 'i', shape: [2], dtype: 'int32' },
          { name: 'b', shape: [3], dtype: 'bool' },
        ],
      },
      {
        paths: ['b.bin'],
        weights: [
          { name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
          { name: 'q8', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 0.5 } },
          { name: 'q16', shape: [], dtype: 'int32', quantization: { dtype: 'uint16', min: 1, scale: 2 } },
          { name: 's', shape: [1], dtype: 'string' },
        ],
      },
    ];
    const modelJson = writeModel(dir, weightsManifest);
    const artifacts = readModelArtifacts(modelJson);
    const named = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    expect(named['f']!.arraySync()).toEqual([0, 1]);
    expect(named['i']!.arraySync()).toEqual([7, -7]);
    expect(named['b']!.dtype).toBe('bool');
    expect(named['b']!.arraySync()).toEqual([1, 0, 1]);
    expect(named['h']!.arraySync()).toEqual([1, 2]);
    expect(named['q8']!.arraySync()).toEqual([5, 10]);
    expect(named['q16']!.arraySync()).toBe(7);
    expect(named['s']!.arraySync()).toEqual(['hi']);
    tf.dispose(Object.values(named));

    // a string running past the end of its shard, and bytes after the last string
    writeFileSync(join(dir, 'b.bin'), group2.subarray(0, group2.length - 1));
    expectUserError(
      () => readModelArtifacts(modelJson),
      `${join(dir, 'b.bin')}: weights file is truncated (13 bytes, model.json declares more)`,
    );
    writeFileSync(join(dir, 'b.bin'), new Uint8Array([...group2, 0]));
    expectUserError(
      () => readModelArtifacts(modelJson),
      `${join(dir, 'b.bin')}: weights file is longer than declared (15 bytes, model.json declares 14)`,
    );
    // a group of several shards names the first and last and the bytes they hold
    writeFileSync(join(dir, 'b.bin'), group2);
    writeFileSync(join(dir, 'a2.bin'), group1.subarray(10, 18));
    expectUserError(
      () => readModelArtifacts(modelJson),
      `${join(dir, 'a1.bin')} ... a2.bin: weights file is truncated (18 bytes in 2 shards, model.json declares 19)`,
    );
  });
});

describe('the readers built on readModelArtifacts keep their one-line errors', () => {
  const arch = architectures.find((a) => a.id === 'cnn')!;
  const build = () => arch.build({ inputShape: [8, 8, 1], numClasses: 3, seed: 1, options: {} });

  it('loadTappedModelWeightsSync: a truncated weights file is a UserError naming it, not a RangeError', () => {
    const dir = tmp('tapped');
    const model = build();
    saveTappedModelSync(model, dir, { arch: arch.id, options: {}, inputShape: [8, 8, 1], numClasses: 3 });
    const shard = join(dir, WEIGHTS_FILE);
    const size = statSync(shard).size;
    truncateSync(shard, size - 6);
    expectUserError(
      () => loadTappedModelWeightsSync(model, dir),
      `${shard}: weights file is truncated (${size - 6} bytes, model.json declares ${size})`,
    );
    model.dispose();
  });

  it('loadTappedModelWeightsSync: a shape mismatch is still a UserError naming model.json', () => {
    const dir = tmp('tapped-shape');
    const model = build();
    saveTappedModelSync(model, dir, { arch: arch.id, options: {}, inputShape: [8, 8, 1], numClasses: 3 });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      weightsManifest: { weights: { shape: number[] }[] }[];
    };
    const first = json.weightsManifest[0]!.weights[0]!;
    first.shape = [first.shape.reduce((a, b) => a * b, 1)]; // same bytes, another shape
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    expectUserError(() => loadTappedModelWeightsSync(model, dir), `${dir}/model.json:`, 'has shape');
    model.dispose();
  });

  it('a graph model over several shards still loads and runs', () => {
    const dir = tmp('graph-shards');
    const w = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2);
    writeGraphModel(dir, w, 3);
    const teacher = GraphModelTeacher.loadSync(dir, { taps: { logits: { node: 'logits' } }, inputShape: [4] });
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const out = teacher.forward({ x }, { training: false })['logits']!;
    const expected = tf.relu(tf.matMul(x, tf.tensor2d(w, [4, 3])));
    expect(tf.max(tf.abs(tf.sub(out, expected))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, out, expected]);
    teacher.dispose();
  });

  it('a graph model with a truncated shard is a UserError naming the shards', () => {
    const dir = tmp('graph-truncated');
    writeGraphModel(
      dir,
      Float32Array.from({ length: 12 }, () => 1),
      2,
    );
    truncateSync(join(dir, 'group1-shard2of2.bin'), 20);
    expectUserError(
      () => GraphModelTeacher.loadSync(dir, { taps: { logits: { node: 'logits' } }, inputShape: [4] }),
      `${join(dir, 'group1-shard1of2.bin')} ... group1-shard2of2.bin: weights file is truncated (44 bytes in 2 shards, model.json declares 48)`,
    );
  });
});
