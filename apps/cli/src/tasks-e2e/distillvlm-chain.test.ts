import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { example, kd, tempDir } from '../../test/kd.js';

const FOLDER = example('distillvlm');
const CELLS = ['no-kd', 'logit', 'att', 'att-hidden', 'full', 'full-unadapted', 'pretrain-only', 'both'];

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One of examples/distillvlm/*.yaml shrunk, keeping everything that chains the files (recipe names,
 * proposal sources, heads, causal text, init exclusions, the methods and their weights): a few 32-px
 * scenes, one epoch, the large model (d 128) as a 2-layer d-24 one and the small (d 64) as a 1-layer
 * d-16 one, two heads each (attention maps still pair by head, layers by the uniform map).
 */
function shrink(config: Mapping): Mapping {
  const out: Mapping = { ...config, backend: 'wasm' };
  const data = config['data'] as Mapping | undefined;
  if (data) {
    const options = data['options'] as Mapping;
    out['data'] = {
      ...data,
      options: {
        ...options,
        scenes: { size: 32, minItemSize: 10, maxItemSize: 16, train: 32, val: 8, test: 8, proposals: 'two' },
        length: 10,
      },
    };
  }
  const model = (m: unknown) => {
    if (!isMapping(m) || !isMapping(m['options'])) return m;
    const o = m['options'];
    const tiny =
      o['dModel'] === 128
        ? { width: 8, regions: 4, layers: 2, dModel: 24, heads: 2, ffn: 48 }
        : { width: 4, regions: 4, layers: 1, dModel: 16, heads: 2, ffn: 32 };
    return { ...m, options: { ...o, ...tiny } };
  };
  if (config['student']) out['student'] = model(config['student']);
  if (config['teacher']) out['teacher'] = model(config['teacher']);
  if (isMapping(config['train'])) out['train'] = { ...config['train'], epochs: 1, batchSize: 8 };
  if (Array.isArray(config['methods'])) {
    out['methods'] = config['methods'].map((m: Mapping) =>
      m['id'] === 'distillvlm'
        ? { ...m, hparams: { ...(m['hparams'] as Mapping), queueSize: 16, projectionDim: 8 } }
        : m,
    );
  }
  return out;
}

/** The sweep file with one seed (its variants only name files and switches, which the shrunk files honour). */
function shrinkSweep(file: Mapping): Mapping {
  const sweep = file['sweep'] as Mapping;
  return { sweep: { ...sweep, seeds: 1 } };
}

describe('DistillVLM end to end: the chain of examples/distillvlm (teacher pre-training, adaptation, fine-tuning; student pre-training ± KD) and every cell of both sweeps, tiny', () => {
  it('trains each recipe once and runs every cell; teachers are judged beside the students', async () => {
    const cwd = tempDir('distillvlm-chain');
    for (const name of readdirSync(FOLDER)) {
      const raw = parse(readFileSync(join(FOLDER, name), 'utf8')) as Mapping;
      writeFileSync(join(cwd, name), stringify(name.endsWith('.sweep.yaml') ? shrinkSweep(raw) : shrink(raw)));
    }
    for (const task of ['captioning', 'vqa']) {
      const r = await kd(
        ['sweep', join(cwd, `${task}.sweep.yaml`), '--jobs', '2', '--out', join(cwd, 'sweeps'), '-q'],
        cwd,
        600_000,
      );
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const dir = join(cwd, 'sweeps', `distillvlm-${task}`);
      const results = readFileSync(join(dir, 'results.md'), 'utf8');
      for (const cell of CELLS)
        expect(results, `${task} ${cell}`).toMatch(new RegExp(`^\\| \`${cell}\` +\\| +1 \\|`, 'm'));
      const summary = (cell: string) => JSON.parse(readFileSync(join(dir, cell, 'seed-1', 'summary.json'), 'utf8'));
      const terms = (cell: string) =>
        Object.entries(summary(cell).weights as Record<string, number>)
          .filter(([, w]) => w > 0)
          .map(([t]) => t)
          .sort();
      const head = task === 'vqa' ? 'task.bce' : 'task.ce';
      expect(terms('no-kd')).toEqual([head]);
      expect(terms('logit')).toEqual(['distillvlm.logit', head]);
      expect(terms('att')).toEqual(['distillvlm.att', 'distillvlm.logit', head]);
      expect(terms('att-hidden')).toEqual(['distillvlm.att', 'distillvlm.hidden_mse', 'distillvlm.logit', head]);
      expect(terms('full')).toEqual(['distillvlm.att', 'distillvlm.logit', 'distillvlm.nce', head]);
      expect(terms('both')).toEqual(terms('full'));
      expect(terms('pretrain-only')).toEqual([head]);
      // the adapted teacher reads the student's proposal source, the un-adapted one its own
      const teacher = (cell: string) => summary(cell).teachers[0];
      expect(teacher('full').source).toBe('recipe');
      expect(teacher('full-unadapted').path).not.toBe(teacher('full').path);
      const metric = task === 'vqa' ? 'accuracy' : 'CIDEr-D';
      expect(teacher('full').metrics[metric]).toBeGreaterThanOrEqual(0);
      expect(teacher('full-unadapted').metrics[metric]).toBeGreaterThanOrEqual(0);
      expect(summary('full').student.test.last[metric]).toBeGreaterThanOrEqual(0);
    }
    // every recipe of the chain ran exactly once, shared by both sweeps
    const recipes = readdirSync(join(cwd, '.kd-cache', 'recipes')).filter((n) => !n.endsWith('.lock'));
    expect(recipes.map((n) => n.replace(/-[0-9a-f]{16}$/, '')).sort()).toEqual([
      'distillvlm-student-pretrain',
      'distillvlm-student-pretrain-kd',
      'distillvlm-teacher-captioning',
      'distillvlm-teacher-captioning-unadapted',
      'distillvlm-teacher-pretrain',
      'distillvlm-teacher-pretrain-adapted',
      'distillvlm-teacher-vqa',
      'distillvlm-teacher-vqa-unadapted',
    ]);
  });
});
