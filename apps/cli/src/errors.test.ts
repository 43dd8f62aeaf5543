import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cnn, saveTappedModelSync } from '@kd/models';
import { kd, listTree, tempDir, tinyConfig, writeFile } from '../test/kd.js';

/**
 * Input mistakes end with one line `kd: …` on stderr naming the field or file, exit code 2, no stack
 * trace — and nothing written: the output folder stays empty and no runs/, sweeps/ or cache appears.
 */
describe('user errors', () => {
  const cwd = tempDir('errors');
  const out = join(cwd, 'out');
  beforeEach(() => mkdirSync(out, { recursive: true }));

  async function expectUserError(args: string[], pattern: RegExp): Promise<void> {
    const r = await kd(args, cwd);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^kd: /);
    expect(lines[0]).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
    expect(listTree(out)).toEqual([]);
    for (const d of ['runs', 'sweeps', '.kd-cache']) expect(existsSync(join(cwd, d))).toBe(false);
  }

  const config = (name: string, text: string) => writeFile(cwd, name, text);

  it('unknown key', async () => {
    const path = config('unknown-key.yaml', tinyConfig().replace(/^train: \{ epochs: 1,/m, 'train: { epochz: 1,'));
    await expectUserError(['run', path, '--out-dir', out], /config field 'train\.epochz': unknown key/);
  });

  it('wrong type', async () => {
    const path = config('wrong-type.yaml', tinyConfig().replace('seed: 1', 'seed: one'));
    await expectUserError(['run', path, '--out-dir', out], /config field 'seed': .*number/i);
  });

  it('unknown method', async () => {
    const path = config('unknown-method.yaml', tinyConfig().replace('- id: kd', '- id: nope'));
    await expectUserError(
      ['run', path, '--out-dir', out],
      /config field 'methods\[0\]\.id': unknown method 'nope' \(installed: adain, at, clip, distillvlm, ffsd, fitnet, kd, rvl-bert, vild, vl-pretrain, vlm-kd, wsd-kd\)/,
    );
  });

  it('bad method hyperparameter', async () => {
    const path = config('bad-hparam.yaml', tinyConfig('    hparams: { T: -1 }\n'));
    await expectUserError(['run', path, '--out-dir', out], /config field 'methods\[0\]\.hparams\.T'/);
  });

  it('missing tap', async () => {
    const path = config(
      'missing-tap.yaml',
      tinyConfig().replace('- id: kd', "- id: fitnet\n    hparams: { studentTap: 'stage9' }"),
    );
    await expectUserError(
      ['run', path, '--out-dir', out],
      /method 'fitnet' needs tap 'stage9' on model 'student \(cnn\)'/,
    );
  });

  it('a batch key the dataset lacks (a model option names it)', async () => {
    const path = config(
      'missing-batch-key.yaml',
      [
        'name: missing-key',
        'backend: cpu',
        'data:',
        '  dataset: scene-captions',
        '  options: { scenes: { size: 32, minItemSize: 10, maxItemSize: 16, train: 8, val: 4, test: 4 } }',
        'student: { arch: vl-scene, options: { proposals: teacher, dModel: 16, layers: 1, heads: 2, ffn: 32 } }',
        'train: { epochs: 1, batchSize: 4 }',
      ].join('\n'),
    );
    await expectUserError(
      ['run', path, '--out-dir', out],
      /model 'student' \(vl-scene\) needs batch key 'teacherProposals' \(regions of proposal source 'teacher' \(options\.proposals\)\), but dataset 'scenes-mnist-captions' has none \(its batches carry: x, y, /,
    );
  });

  it('a task that does not fit the data: classification on multi-hot scenes', async () => {
    const path = config(
      'classification-on-scenes.yaml',
      [
        'name: wrong-task',
        'backend: cpu',
        'data: { dataset: scenes, options: { size: 32, minItemSize: 10, maxItemSize: 16, train: 8, val: 4, test: 4 } }',
        'student: { arch: cnn, options: { width: 2 } }',
        'task: { id: classification }',
        'train: { epochs: 1, batchSize: 4 }',
      ].join('\n'),
    );
    await expectUserError(
      ['run', path, '--out-dir', out],
      /task 'classification' needs batch key 'y' as int32 \[\] \(one class per sample\), but dataset 'scenes-mnist' offers it as float32 \[10\] \(multi-hot labels/,
    );
  });

  it('student.freeze naming no part of the student; student.init.map matching nothing in the saved model', async () => {
    const freeze = config(
      'bad-freeze.yaml',
      tinyConfig().replace(
        '  options: { width: 2 }\ntrain:',
        '  options: { width: 2 }\n  freeze: [conv1, encoder]\ntrain:',
      ),
    );
    await expectUserError(
      ['run', freeze, '--out-dir', out],
      /config field 'student\.freeze\[1\]': 'encoder' names no sub-module of the student \(the student has: conv1, bn1, conv2, bn2, conv3, bn3, fc\)/,
    );
    // a saved cnn to start from, outside the folders that must stay empty
    const saved = join(tempDir('saved-cnn'), 'cnn');
    saveTappedModelSync(cnn.build({ inputShape: [28, 28, 1], numClasses: 10, seed: 1, options: { width: 2 } }), saved, {
      arch: 'cnn',
      options: { width: 2 },
      inputShape: [28, 28, 1],
      numClasses: 10,
    });
    const init = `  options: { width: 2 }\n  init: { checkpoint: ${JSON.stringify(saved)}, map: { backbone: conv1 } }\ntrain:`;
    const map = config('bad-init-map.yaml', tinyConfig().replace('  options: { width: 2 }\ntrain:', init));
    await expectUserError(
      ['run', map, '--out-dir', out],
      /config field 'student\.init\.map': 'backbone' matches no variable of the saved model in .*cnn \(it has: conv1, bn1, conv2, bn2, conv3, bn3, fc\)/,
    );
  });

  it('bad --set (no =, wrong value)', async () => {
    const path = config('ok.yaml', tinyConfig());
    await expectUserError(
      ['run', path, '--out-dir', out, '--set', 'train.epochs'],
      /--set expects path=value, got 'train\.epochs'/,
    );
    await expectUserError(['run', path, '--out-dir', out, '--set', 'train.epochs=-1'], /config field 'train\.epochs'/);
  });

  it('missing config file', async () => {
    await expectUserError(
      ['run', join(cwd, 'nowhere.yaml'), '--out-dir', out],
      /config file not found: .*nowhere\.yaml/,
    );
  });

  it('usage errors from the command line', async () => {
    const path = config('ok.yaml', tinyConfig());
    await expectUserError(['run', path, '--frobnicate'], /unknown option '--frobnicate'/);
    await expectUserError(['run'], /missing required argument 'config'/);
    await expectUserError(['run', path, '--backend', 'gpu'], /--backend.*gpu.*invalid.*auto, tensorflow, wasm, cpu/);
    await expectUserError(['sweep', path, '--seeds', 'zero'], /--seeds.*expected an integer ≥ 1/);
    await expectUserError(['frob'], /unknown command 'frob'/);
  });

  it('not a run folder (eval, resume)', async () => {
    await expectUserError(['eval', out], /not a run folder \(no config\.json\)/);
    await expectUserError(['resume', out], /not a run folder \(no config\.json\)/);
  });

  it('bad sweeps: field in a cell, unknown method in a variant, bad --grid, missing variant file', async () => {
    const path = config('ok.yaml', tinyConfig());
    await expectUserError(
      ['sweep', path, '--out', out, '--grid', 'train.epochz=1,2'],
      /sweep cell 'train\.epochz=1': config field 'train\.epochz': unknown key/,
    );
    await expectUserError(
      ['sweep', path, '--out', out, '--variant', 'x={methods: [{id: nope}]}'],
      /sweep cell 'x': config field 'methods\[0\]\.id': unknown method 'nope'/,
    );
    await expectUserError(['sweep', path, '--out', out, '--grid', 'train.epochs'], /--grid expects path=value1,value2/);
    await expectUserError(
      ['sweep', path, '--out', out, '--variant', 'x=missing.yaml'],
      /variant 'x' file not found: missing\.yaml/,
    );
  });
});
