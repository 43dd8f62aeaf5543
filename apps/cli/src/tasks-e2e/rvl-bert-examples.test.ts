import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelVariables } from '@kd/runner';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { example, kd, tempDir } from '../../test/kd.js';

const FOLDER = example('rvl-bert');
const CELLS = ['basic', 'basic-same-lr', 'vl', 'vl-s', 'full'];

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One of examples/rvl-bert/*.yaml shrunk, keeping what chains the files (the recipe, the init maps,
 * the freeze lists, the switches, the task and its hparams, the optimiser): a few 32-px scenes of up to
 * 3 objects, one epoch, the encoder as a 1-layer d-16 model (in the pre-training and in every rvl-bert).
 */
function shrink(config: Mapping): Mapping {
  const out: Mapping = { ...config, backend: 'wasm' };
  const data = config['data'] as Mapping;
  out['data'] = {
    ...data,
    options: {
      ...(data['options'] as Mapping),
      scenes: {
        ...((data['options'] as Mapping)['scenes'] as Mapping),
        size: 32,
        minItemSize: 10,
        maxItemSize: 16,
        maxObjects: 3,
        train: 32,
        val: 8,
        test: 8,
      },
      length: 10,
    },
  };
  const student = config['student'] as Mapping;
  const tiny = { width: 4, pool: 2, layers: 1, dModel: 16, heads: 2, ffn: 32 };
  const options = isMapping(student['options']) ? student['options'] : {};
  out['student'] = {
    ...student,
    options: { ...options, ...tiny, ...(student['arch'] === 'rvl-bert' ? { maskPool: 4 } : { regions: 4 }) },
  };
  out['train'] = { ...(config['train'] as Mapping), epochs: 1, batchSize: 8 };
  return out;
}

describe('RVL-BERT end to end: examples/rvl-bert (the pre-training recipe, then every cell of both ablations), tiny', () => {
  it('pre-trains once, loads it into the +VL cells frozen (and not into Basic), and reports each task’s metrics', async () => {
    const cwd = tempDir('rvl-bert-examples');
    for (const name of readdirSync(FOLDER)) {
      const raw = parse(readFileSync(join(FOLDER, name), 'utf8')) as Mapping;
      const sweep = raw['sweep'] as Mapping | undefined;
      writeFileSync(join(cwd, name), stringify(sweep ? { sweep: { ...sweep, seeds: 1 } } : shrink(raw)));
    }
    const pre = await kd(['run', join(cwd, 'pretrain.yaml'), '--as-recipe'], cwd, 300_000);
    expect(pre.code, pre.stderr).toBe(0);
    const recipe = pre.stdout
      .trim()
      .split('\n')
      .pop()!
      .replace(/^.*its saved student is /, '');
    const pretrained = readModelVariables(recipe);
    for (const [task, metric] of [
      ['vrd', 'R@50'],
      ['spatialsense', 'accuracy'],
    ] as const) {
      const r = await kd(
        ['sweep', join(cwd, `${task}.sweep.yaml`), '--jobs', '1', '--out', join(cwd, 'sweeps'), '-q'],
        cwd,
        600_000,
      );
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const dir = join(cwd, 'sweeps', `rvl-bert-${task}`);
      const results = readFileSync(join(dir, 'results.md'), 'utf8');
      for (const cell of CELLS) {
        expect(results, `${task} ${cell}`).toMatch(new RegExp(`^\\| \`${cell}\` +\\| +1 \\|`, 'm'));
        const summary = JSON.parse(readFileSync(join(dir, cell, 'seed-1', 'summary.json'), 'utf8'));
        expect(summary.student.test.last[metric], `${task} ${cell}`).toBeGreaterThanOrEqual(0);
        const student = readModelVariables(join(dir, cell, 'seed-1', 'student'));
        const same = (path: string) =>
          Array.from(student[`encoder.${path}`]!.dataSync()).every((v, i) => v === pretrained[path]!.dataSync()[i]);
        if (cell.startsWith('basic')) {
          // no pre-training: the encoder is not the recipe's
          expect(same('vl.layers.0.attention.q.weight'), `${task} basic`).toBe(false);
        } else {
          // +VL: the whole pre-trained encoder, frozen through training (bit-identical)
          for (const path of Object.keys(pretrained)) expect(same(path), `${task} ${cell} ${path}`).toBe(true);
        }
      }
    }
  }, 900_000);
});
