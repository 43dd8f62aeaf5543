import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, kd, tempDir } from '../../test/kd.js';

const SWEEP = example('scenes-wsd-kd.sweep.yaml');
const CELLS = ['no-kd', 'feature-only', 'soft-only', 'wsd-kd', 'wsd-kd-jitter', 'teacher', 'teacher-jitter'];
/** examples/scenes-wsd-kd.yaml shrunk: a few scenes, one epoch per stage, narrow teacher and student. */
const SHRINK = [
  'data.options.train=48',
  'data.options.val=16',
  'data.options.test=16',
  'teacher.train.epochs=1',
  'train.epochs=1',
  'methods.0.stages.feature.epochs=1',
  'teacher.options.widths=[4,4,4,4]',
  'teacher.options.hidden=16',
  'student.options.widths=[2,2,2,2]',
  'student.options.hidden=16',
  'student.options.regions=8',
  'teacher.options.regions=8',
];

describe('WSD-KD end to end: every cell of examples/scenes-wsd-kd.sweep.yaml (its base is examples/scenes-wsd-kd.yaml), tiny', () => {
  it('trains the WSDDN teacher on image labels, then stage 1 and distillation per cell; the table has mAP and the teacher’s CorLoc', async () => {
    const cwd = tempDir('wsd-kd');
    const r = await kd(
      [
        'sweep',
        SWEEP,
        '--seeds',
        '1',
        '--jobs',
        '2',
        '--out',
        join(cwd, 'sweeps'),
        '-q',
        ...SHRINK.flatMap((s) => ['--set', s]),
      ],
      cwd,
      400_000,
    );
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const dir = join(cwd, 'sweeps', 'scenes-wsd-kd');
    const results = readFileSync(join(dir, 'results.md'), 'utf8');
    for (const cell of CELLS) expect(results, cell).toMatch(new RegExp(`^\\| \`${cell}\` +\\| +1 \\|`, 'm'));
    expect(results).toMatch(/mAP/);
    const log = (cell: string) => readFileSync(join(dir, cell, 'seed-1', 'log.txt'), 'utf8');
    const summary = (cell: string) => JSON.parse(readFileSync(join(dir, cell, 'seed-1', 'summary.json'), 'utf8'));
    // the teacher is trained once per proposal source by whichever cell comes first, then read from the cache
    const stages = (cell: string) =>
      summary(cell)
        .stages.map((s: { name: string }) => s.name)
        .filter((name: string) => name !== 'teacher-train');

    // the method: the teacher trained by its own loss on the task, then stage 1 alone, then BCE + soft
    const teacherTrain = /^\[teacher-train\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.bce \d+\.\d{4}\)/m;
    expect(['feature-only', 'soft-only', 'wsd-kd'].filter((c) => teacherTrain.test(log(c)))).toHaveLength(1);
    expect(log('wsd-kd')).toMatch(/^teacher: wsddn \(\S+ params\) (trained|cache from)/m);
    expect(log('wsd-kd')).toMatch(/^\[wsd-kd\.feature\] epoch 1\/1 {2}loss \d+\.\d{4} \(wsd-kd\.feature \d+\.\d{4}\)/m);
    expect(log('wsd-kd')).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.bce \d+\.\d{4}, wsd-kd\.soft \d+\.\d{4}\)/m,
    );
    // distillation reads the teacher's scores only (the feature term is off there): no region features cached
    expect(log('wsd-kd')).toMatch(
      /^teacher: outputs cached for 48 training samples \((?!.*regionFeatures).*classLogits.*\)$/m,
    );
    expect(stages('wsd-kd')).toEqual(['wsd-kd.feature', 'distill']);
    expect(summary('wsd-kd').teachers[0]).toMatchObject({ arch: 'wsddn' });
    expect(summary('wsd-kd').teachers[0].metrics.mAP).toBeGreaterThan(0);
    const corLoc = summary('wsd-kd').reported['wsd-kd.teacherCorLoc'];
    expect(corLoc).toBeGreaterThanOrEqual(0);
    expect(corLoc).toBeLessThanOrEqual(1);

    // the ablation's cells switch the parts
    expect(stages('no-kd')).toEqual(['distill']);
    expect(log('no-kd')).toMatch(/^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.bce \d+\.\d{4}\) /m);
    expect(stages('feature-only')).toEqual(['wsd-kd.feature', 'distill']);
    expect(log('feature-only')).not.toMatch(/wsd-kd\.soft/);
    expect(stages('soft-only')).toEqual(['distill']);
    expect(log('soft-only')).toMatch(/wsd-kd\.soft/);
    // WSDDN as the run's model: its own loss, judged as a multi-label classifier
    expect(summary('teacher').student.arch).toBe('wsddn');
    expect(summary('teacher').student.test.last.mAP).toBeGreaterThan(0);
    // the box-jitter source: proposals around the objects (data option 'one'), teacher retrained on them
    expect(
      JSON.parse(readFileSync(join(dir, 'wsd-kd-jitter', 'seed-1', 'config.json'), 'utf8')).data.options.proposals,
    ).toBe('one');
    expect(JSON.parse(readFileSync(join(dir, 'wsd-kd', 'seed-1', 'config.json'), 'utf8')).data.options.proposals).toBe(
      'edges',
    );
  });
});
