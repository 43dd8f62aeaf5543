import { loadConfigFile, planSweep, teacherCacheKey } from '@kd/runner';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const numerics = { backend: 'wasm', kernelBuild: 'relaxed-simd' };
const classification = { id: 'classification' };
const examples = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples');

describe('examples/', () => {
  it.each(readdirSync(examples).filter((f) => f.endsWith('.yaml') && !f.endsWith('.sweep.yaml')))(
    '%s is a valid config',
    (file) => {
      expect(() => loadConfigFile(join(examples, file))).not.toThrow();
    },
  );

  const kd = loadConfigFile(join(examples, 'mnist-kd.yaml'));
  const fitnet = loadConfigFile(join(examples, 'mnist-fitnet.yaml'));
  const student = loadConfigFile(join(examples, 'mnist-student.yaml'));

  it('are valid configs: KD and FitNets share one teacher (one cache entry), the baseline has none', () => {
    expect(kd.methods.map((m) => m.id)).toEqual(['kd']);
    expect(fitnet.methods.map((m) => m.id)).toEqual(['fitnet']);
    expect(student.methods).toEqual([]);
    expect(student.teacher).toBeUndefined();
    expect(teacherCacheKey(fitnet, fitnet.teacher!, numerics, classification)).toBe(
      teacherCacheKey(kd, kd.teacher!, numerics, classification),
    );
    expect({ ...student.student, ...student.train }).toEqual({ ...kd.student, ...kd.train });
  });

  it('the baseline sweep is student alone vs KD vs FitNets, 3 seeds, with the same teacher and student', () => {
    const plan = planSweep({ configPath: join(examples, 'mnist-baselines.sweep.yaml'), out: 'sweeps' });
    expect(plan.cells.map((c) => c.name)).toEqual(['student', 'kd', 'fitnet']);
    expect(plan.seeds).toEqual([1, 2, 3]);
    expect(plan.runs.map((r) => r.runDir).slice(0, 2)).toEqual([
      join('sweeps', 'mnist-baselines', 'student', 'seed-1'),
      join('sweeps', 'mnist-baselines', 'student', 'seed-2'),
    ]);
    const [s, k, f] = plan.cells.map((c) => c.config);
    expect(s!.teacher).toBeUndefined();
    expect(s!.methods).toEqual([]);
    expect(k!.methods).toEqual(kd.methods);
    expect(f!.methods).toEqual(fitnet.methods);
    expect(teacherCacheKey(f!, f!.teacher!, numerics, classification)).toBe(
      teacherCacheKey(kd, kd.teacher!, numerics, classification),
    );
    for (const c of [s!, k!, f!]) expect([c.student, c.train, c.data]).toEqual([kd.student, kd.train, kd.data]);
  });

  it("WSD-KD's comparison sweep: 7 cells × 3 seeds, each switching only its part", () => {
    const plan = planSweep({ configPath: join(examples, 'scenes-wsd-kd.sweep.yaml'), out: 'sweeps' });
    const names = ['no-kd', 'feature-only', 'soft-only', 'wsd-kd', 'wsd-kd-jitter', 'teacher', 'teacher-jitter'];
    expect(plan.cells.map((c) => c.name)).toEqual(names);
    expect(plan.seeds).toEqual([1, 2, 3]);
    const cell = Object.fromEntries(plan.cells.map((c) => [c.name, c.config]));
    const base = cell['wsd-kd']!;
    expect(base.data.options['proposals']).toBe('edges');
    expect(base.teacher!.arch).toBe('wsddn');
    expect(base.methods).toEqual([expect.objectContaining({ id: 'wsd-kd', stages: { feature: { epochs: 3 } } })]);
    // students alike (and their budget) except where a cell says
    for (const n of ['no-kd', 'feature-only', 'soft-only', 'wsd-kd-jitter'])
      expect([cell[n]!.student, cell[n]!.train.epochs], n).toEqual([base.student, base.train.epochs]);
    expect(cell['no-kd']!.teacher).toBeUndefined();
    expect(cell['no-kd']!.methods).toEqual([]);
    expect(cell['feature-only']!.methods[0]!.weights).toEqual({ soft: 0 });
    expect(cell['soft-only']!.methods[0]!.hparams).toEqual({ featureEpochs: 0 });
    expect(cell['wsd-kd-jitter']!.data.options['proposals']).toBe('one');
    expect(cell['wsd-kd-jitter']!.teacher).toEqual(base.teacher);
    // WSDDN as the run's model: the teacher's architecture and budget
    for (const [n, proposals] of [
      ['teacher', 'edges'],
      ['teacher-jitter', 'one'],
    ] as const) {
      const c = cell[n]!;
      expect([c.student.arch, c.student.options], n).toEqual([base.teacher!.arch, base.teacher!.options]);
      expect([c.train.epochs, c.train.optimizer], n).toEqual([
        base.teacher!.train.epochs,
        base.teacher!.train.optimizer,
      ]);
      expect(c.data.options['proposals'], n).toBe(proposals);
    }
  });

  it("ViLD's ablation sweep: 8 cells × 3 seeds on one budget, each cell switching only its part", () => {
    const plan = planSweep({ configPath: join(examples, 'scenes-vild.sweep.yaml'), out: 'sweeps' });
    const names = ['supervised-base', 'vild-text', 'vild-image', 'vild', 'vild-w1', 'vild-w2', 'oracle', 'ensemble'];
    expect(plan.cells.map((c) => c.name)).toEqual(names);
    expect(plan.seeds).toEqual([1, 2, 3]);
    const cell = Object.fromEntries(plan.cells.map((c) => [c.name, c.config]));
    const vild = cell['vild']!;
    for (const c of Object.values(cell)) {
      expect([c.train.epochs, c.data.options['train'], c.data.options['items']]).toEqual([5, 3000, 'fashion-mnist']);
      expect(c.student.options['rpn']).toEqual(vild.student.options['rpn']);
    }
    const weights = (name: string) => Object.fromEntries(cell[name]!.methods.map((m) => [m.id, m.weights]));
    expect(weights('vild')).toEqual({ vild: { image: 0.5 } });
    expect([weights('vild-w1'), weights('vild-w2')]).toEqual([{ vild: { image: 1 } }, { vild: { image: 2 } }]);
    expect(cell['vild-image']!.task.weights).toEqual({ cls: 0 });
    for (const name of ['supervised-base', 'oracle', 'vild-text']) {
      expect(cell[name]!.teacher, name).toBeUndefined();
      expect(cell[name]!.methods, name).toEqual([]);
      expect(cell[name]!.student.options['distill'], name).toBeUndefined();
    }
    for (const name of ['supervised-base', 'oracle'])
      expect(cell[name]!.student.options['classifier'], name).toBeUndefined();
    expect(cell['oracle']!.data.options['annotateNovel']).toBe(true);
    expect(cell['supervised-base']!.data.options['annotateNovel']).toBeUndefined();
    expect(cell['ensemble']!.student.options['ensemble']).toBe(true);
    expect(cell['ensemble']!.methods).toEqual(vild.methods);
  });

  it('scenes-vild.yaml is scenes-vild-text.yaml plus ViLD-image, its crop teacher the image side of fashion-mnist-clip.yaml', () => {
    const text = loadConfigFile(join(examples, 'scenes-vild-text.yaml'));
    const vild = loadConfigFile(join(examples, 'scenes-vild.yaml'));
    const clip = loadConfigFile(join(examples, 'fashion-mnist-clip.yaml'));
    const { distill, ...detector } = vild.student.options;
    expect(distill).toEqual({ proposals: '', count: 30 });
    expect(detector).toEqual(text.student.options);
    expect({ ...vild.data.options, proposals: 'none' }).toEqual(text.data.options);
    expect([vild.task, vild.train]).toEqual([text.task, text.train]);
    expect(vild.methods.map((m) => [m.id, m.weights])).toEqual([['vild', { image: 0.5 }]]);
    const teacher = vild.teacher!;
    expect(teacher.cacheOutputs).toBe(true);
    const init = teacher.init!;
    if (Array.isArray(init)) throw new Error('scenes-vild.yaml: teacher.init is one source');
    expect(resolve(examples, init.recipe!)).toBe(join(examples, 'fashion-mnist-clip.yaml'));
    const image = teacher.options['image'] as { options: { encoder: unknown; heads: { outputs?: number }[] } };
    const tower = clip.student.options as { image: unknown; embedDim: number };
    expect(image.options.encoder).toEqual(tower.image);
    expect(image.options.heads[0]!.outputs).toBe(tower.embedDim);
    expect(teacher.options['regions']).toBe(30);
  });

  it('scenes-vild-ensemble.yaml is scenes-vild.yaml plus the detector’s ensemble (λ 2/3 by default)', () => {
    const vild = loadConfigFile(join(examples, 'scenes-vild.yaml'));
    const ensemble = loadConfigFile(join(examples, 'scenes-vild-ensemble.yaml'));
    const { ensemble: option, ...detector } = ensemble.student.options;
    expect(option).toBe(true);
    expect(detector).toEqual(vild.student.options);
    expect({ ...ensemble, name: vild.name, student: vild.student }).toEqual(vild);
  });

  it('fashion-mnist-full/: every config is valid; the cells of the baselines and AdaIN sweeps differ from kd.yaml only in their methods (one teacher recipe, one student, one budget); FFSD has the same student, data and budget', () => {
    const dir = join(examples, 'fashion-mnist-full');
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.sweep.yaml')))
      expect(() => loadConfigFile(join(dir, f)), f).not.toThrow();
    const kdFull = loadConfigFile(join(dir, 'kd.yaml'));
    const alone = loadConfigFile(join(dir, 'student.yaml'));
    const teacher = loadConfigFile(join(dir, 'teacher.yaml'));
    // the student alone is kd.yaml without teacher and methods (and KD's 0.1 on the labels): the budget
    // study's cell at the chosen budget is the baselines' student row (not run twice)
    expect(alone).toEqual({ ...kdFull, name: alone.name, teacher: undefined, methods: [], task: alone.task });
    expect(alone.task).toEqual({ ...kdFull.task, weight: 1 });
    expect(kdFull.task.weight).toBe(0.1);
    expect([teacher.student.arch, teacher.data]).toEqual([kdFull.teacher!.arch, kdFull.data]);
    // the chosen budget (docs/design/converged-budgets.md); the teacher trains at least as long
    expect(kdFull.train.epochs).toBe(60);
    expect(teacher.train.epochs).toBeGreaterThanOrEqual(kdFull.train.epochs);
    const baselines = planSweep({ configPath: join(dir, 'baselines.sweep.yaml'), out: 'sweeps' });
    const adain = planSweep({ configPath: join(dir, 'adain.sweep.yaml'), out: 'sweeps' });
    expect(baselines.cells.map((c) => c.name)).toEqual(['kd', 'fitnet', 'at']);
    expect(adain.cells.map((c) => c.name)).toEqual(['stat', 'ain-kl', 'ain-ce', 'both']);
    for (const plan of [baselines, adain]) {
      expect(plan.seeds).toEqual([1, 2, 3]);
      for (const { name, config } of plan.cells) {
        expect([config.student, config.train, config.data], name).toEqual([kdFull.student, kdFull.train, kdFull.data]);
        expect(config.teacher, name).toEqual(kdFull.teacher);
        // RepDistiller's KD weighs the labels 0.1; FitNets, AT and AdaIN keep 1
        expect(config.task, name).toEqual({ ...kdFull.task, weight: name === 'kd' ? 0.1 : 1 });
      }
    }
    const ffsd = planSweep({ configPath: join(dir, 'ffsd.sweep.yaml'), out: 'sweeps' });
    expect(ffsd.cells.map((c) => c.name)).toEqual(['independent', 'full', 'dml', 'ff', 'ff-sd']);
    for (const { name, config } of ffsd.cells) {
      expect([config.student, config.data, config.train.epochs], name).toEqual([
        kdFull.student,
        kdFull.data,
        kdFull.train.epochs,
      ]);
      expect(config.teacher, name).toBeUndefined();
      // the official warm-up, 5 of 300 epochs, scaled to the budget
      for (const m of config.methods)
        expect(m.hparams['warmupEpochs'], name).toBeCloseTo((5 / 300) * config.train.epochs, 9);
    }
    const budget = planSweep({ configPath: join(dir, 'budget.sweep.yaml'), out: 'sweeps' });
    const beyond = planSweep({ configPath: join(dir, 'budget-120.sweep.yaml'), out: 'sweeps' });
    expect(budget.cells.map((c) => c.config.train.epochs)).toEqual([60, 30, 15]);
    expect(beyond.cells.map((c) => c.config.train.epochs)).toEqual([120]);
    for (const plan of [budget, beyond]) {
      expect(plan.seeds).toEqual([1, 2, 3]);
      for (const { config } of plan.cells) expect({ ...config, train: alone.train }).toEqual(alone);
    }
  });

  it('mnist-fashion-lt/: every config is valid; the recipes and every cell read the same data (the CLIP vocabulary must be the run’s)', () => {
    const dir = join(examples, 'mnist-fashion-lt');
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.sweep.yaml')))
      expect(() => loadConfigFile(join(dir, f)), f).not.toThrow();
    const vlmKd = loadConfigFile(join(dir, 'vlm-kd.yaml'));
    // the same images and captions (captionKinds only picks which captions a batch shows; the vocabulary is built from all)
    const { captionKinds, ...sameData } = vlmKd.data.options;
    expect(captionKinds).toBe('all');
    for (const f of ['cnn-teacher.yaml', 'clip.yaml'])
      expect(loadConfigFile(join(dir, f)).data.options, f).toEqual(sameData);
    expect(vlmKd.data.options['base']).toBe('mnist+fashion-mnist');
    const ablation = planSweep({ configPath: join(dir, 'vlm-kd.sweep.yaml'), out: 'sweeps' });
    expect(ablation.cells.map((c) => c.name)).toEqual(['baseline', 'vision-kd', 'text-general', 'full', 'text-only']);
    expect(ablation.seeds).toEqual([1, 2, 3, 4, 5]);
    for (const { name, config } of ablation.cells) {
      expect([config.student, config.train], name).toEqual([vlmKd.student, vlmKd.train]);
      expect(config.data.options['baseOptions'], name).toEqual(vlmKd.data.options['baseOptions']);
    }
    const budget = planSweep({ configPath: join(dir, 'budget.sweep.yaml'), out: 'sweeps' });
    expect(budget.cells.map((c) => c.config.train.epochs)).toEqual([30, 60, 120, 240]);
    expect(budget.seeds).toEqual([1, 2, 3]);
    expect(budget.cells.every((c) => c.config.teacher === undefined)).toBe(true);
  });
});
