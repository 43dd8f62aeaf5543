import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '@kd/core';
import { afterAll, describe, expect, it } from 'vitest';
import { assignVariables, readTensors, writeTensors } from './tensor-file.js';
import { errorOf } from '@kd/testing';

const root = mkdtempSync(join(tmpdir(), 'kd-tensor-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh folder holding `variables.json` + `variables.bin` for a float32 [2, 3] and an int32 [4]. */
function saved(): string {
  const dir = mkdtempSync(join(root, `c${n++}-`));
  const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = tf.tensor1d([7, 8, 9, 10], 'int32');
  writeTensors(dir, 'variables', { a, b });
  tf.dispose([a, b]);
  return dir;
}

type Manifest = {
  format: string;
  entries: { name: string; shape: number[]; dtype: string; offset: number; length: number }[];
};
const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'variables.json'), 'utf8')) as Manifest;
const writeManifest = (dir: string, m: unknown) => writeFileSync(join(dir, 'variables.json'), JSON.stringify(m));

/** readTensors fails with a one-line UserError containing `parts`, and allocates no tensor. */
function expectRefused(dir: string, ...parts: string[]): void {
  const before = tf.memory().numTensors;
  const e = errorOf(() => readTensors(dir, 'variables'));
  expect(e).toBeInstanceOf(UserError);
  expect(e.message).not.toContain('\n');
  for (const p of parts) expect(e.message).toContain(p);
  expect(tf.memory().numTensors).toBe(before);
}

describe('readTensors checks a checkpoint before allocating anything', () => {
  it('reads back what writeTensors wrote', () => {
    const t = readTensors(saved(), 'variables');
    expect(t['a']!.shape).toEqual([2, 3]);
    expect(t['a']!.arraySync()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t['b']!.dtype).toBe('int32');
    expect(t['b']!.arraySync()).toEqual([7, 8, 9, 10]);
    tf.dispose(Object.values(t));
  });

  it('a missing manifest or .bin is a UserError naming it', () => {
    const dir = saved();
    rmSync(join(dir, 'variables.bin'));
    expectRefused(dir, `missing checkpoint file ${join(dir, 'variables.bin')}`);
    rmSync(join(dir, 'variables.json'));
    expectRefused(dir, `missing checkpoint file ${join(dir, 'variables.json')}`);
  });

  it('a manifest that is not kd-tensors/1 JSON is a UserError naming it', () => {
    const dir = saved();
    const path = join(dir, 'variables.json');
    writeFileSync(path, '{"format": "kd-tensors/1", "entries": [');
    expectRefused(dir, `${path}: not valid JSON`);
    writeManifest(dir, { ...manifestOf(saved()), format: 'kd-tensors/2' });
    expectRefused(dir, `${path}: not a kd tensor manifest (format "kd-tensors/2", expected 'kd-tensors/1')`);
    writeManifest(dir, null);
    expectRefused(dir, `${path}: not a kd tensor manifest`);
    writeManifest(dir, { format: 'kd-tensors/1', entries: { a: 1 } });
    expectRefused(dir, `${path}: "entries" is {"a":1}, not a list`);
  });

  it('a truncated .bin is a UserError naming it, with both sizes', () => {
    const dir = saved();
    truncateSync(join(dir, 'variables.bin'), 30);
    expectRefused(
      dir,
      `${join(dir, 'variables.bin')}: checkpoint file is truncated (30 bytes, variables.json declares 40)`,
    );
  });

  it('a .bin longer than its entries is a UserError too', () => {
    const dir = saved();
    writeFileSync(
      join(dir, 'variables.bin'),
      new Uint8Array([...readFileSync(join(dir, 'variables.bin')), 0, 0, 0, 0]),
    );
    expectRefused(
      dir,
      `${join(dir, 'variables.bin')}: checkpoint file is longer than declared (44 bytes, variables.json declares 40)`,
    );
  });

  it('an entry whose length does not match its shape, or a huge shape, is refused before allocating', () => {
    const dir = saved();
    const m = manifestOf(dir);
    writeManifest(dir, { ...m, entries: [{ ...m.entries[0]!, shape: [2, 4] }, m.entries[1]] });
    expectRefused(
      dir,
      join(dir, 'variables.json'),
      'tensor "a" has length 24, but shape [2, 4] of float32 takes 32 bytes',
    );
    writeManifest(dir, { ...m, entries: [{ ...m.entries[0]!, shape: [1e9, 1e9] }, m.entries[1]] });
    expectRefused(
      dir,
      'tensor "a" has length 24, but shape [1000000000, 1000000000] of float32 takes 4000000000000000000 bytes',
    );
    writeManifest(dir, { ...m, entries: [{ ...m.entries[0]!, shape: [250_000_000], length: 1e9 }, m.entries[1]] });
    expectRefused(
      dir,
      `${join(dir, 'variables.bin')}: checkpoint file is truncated (40 bytes, variables.json declares 1000000016)`,
    );
  });

  it('offsets and lengths must be whole numbers inside the .bin', () => {
    const dir = saved();
    const m = manifestOf(dir);
    const json = join(dir, 'variables.json');
    for (const bad of [{ offset: -4 }, { offset: 1.5 }, { offset: '0' }, { length: null }]) {
      writeManifest(dir, { ...m, entries: [{ ...m.entries[0]!, ...bad }, m.entries[1]] });
      expectRefused(dir, `${json}: tensor "a" has offset`, 'both must be whole numbers >= 0');
    }
    writeManifest(dir, { ...m, entries: [m.entries[0], { ...m.entries[1]!, offset: 32 }] });
    expectRefused(
      dir,
      `${join(dir, 'variables.bin')}: checkpoint file is truncated (40 bytes, variables.json declares 48)`,
    );
  });

  it('names, dtypes and shapes are checked', () => {
    const dir = saved();
    const m = manifestOf(dir);
    const json = join(dir, 'variables.json');
    writeManifest(dir, { ...m, entries: [{ ...m.entries[0]!, dtype: 'float64' }, m.entries[1]] });
    expectRefused(dir, `${json}: tensor "a" has dtype "float64", not float32 or int32`);
    writeManifest(dir, { ...m, entries: [{ ...m.entries[0]!, shape: [2, -3] }, m.entries[1]] });
    expectRefused(dir, `${json}: tensor "a" has shape [2,-3]; dimensions must be whole numbers >= 0`);
    writeManifest(dir, { ...m, entries: [m.entries[0], { ...m.entries[1]!, name: 'a' }] });
    expectRefused(dir, `${json}: tensor "a" appears twice`);
    writeManifest(dir, { ...m, entries: [m.entries[0], 7] });
    expectRefused(dir, `${json}: an entry's name is undefined, not a string`);
  });
});

describe('assignVariables', () => {
  it('every variable must be saved, except those an older checkpoint may lack (they keep their value)', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3]));
    const vars = new Map([
      ['a', a],
      ['b', b],
    ]);
    const saved = { a: tf.tensor1d([5, 6]) };
    expect(() => assignVariables(vars, saved, 'checkpoint x')).toThrow("checkpoint x: checkpoint lacks variable 'b'");
    assignVariables(vars, saved, 'checkpoint x', new Set(['b']));
    expect(Array.from(a.dataSync())).toEqual([5, 6]);
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(() => assignVariables(vars, { b: tf.tensor1d([1]) }, 'checkpoint x', new Set(['b']))).toThrow(
      /lacks variable 'a'/,
    );
    tf.dispose([a, b, saved.a]);
  });
});
