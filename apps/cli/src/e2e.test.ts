import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kd, tempDir, tinyConfig, writeFile } from '../test/kd.js';

/** A tiny MNIST run end to end through the built CLI: run → eval, and an interrupted run → resume. */
describe('kd run / eval / resume (tiny MNIST)', () => {
  const cwd = tempDir('e2e');
  const config = writeFile(cwd, 'tiny.yaml', tinyConfig());
  const runDir = join(cwd, 'runs', 'tiny-run');

  it('runs: prints teacher and student results and the run folder, writes the run files', async () => {
    const r = await kd(['run', config, '--run-dir', runDir], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^teacher +resnet8 .* params {2}test accuracy \d+\.\d\d% {2}\(trained: /m);
    expect(r.stdout).toMatch(
      /^student +cnn .* params {2}test accuracy \d+\.\d\d% \(last\), \d+\.\d\d% \(best val, epoch 1\) {2}val best \d+\.\d\d%/m,
    );
    expect(r.stdout).toMatch(/^ +test \(last\): loss \d+\.\d{4}$/m);
    expect(r.stdout).toContain(`run folder: ${runDir}`);
    // not a TTY: plain progress lines on stderr
    expect(r.stderr).toMatch(/^\[teacher-train\] 1 epoch$/m);
    expect(r.stderr).toMatch(
      /^\[distill\] epoch 1\/1 {2}loss \d+\.\d{4} \(task\.ce \d+\.\d{4}, kd\.soft \d+\.\d{4}\) {2}val accuracy \d+\.\d\d% {2}lr [\d.e-]+ {2}\d+\.\ds$/m,
    );

    const files = readdirSync(runDir);
    expect(files).toEqual(
      expect.arrayContaining(['config.json', 'environment.json', 'metrics.jsonl', 'summary.json', 'student']),
    );
    const env = JSON.parse(readFileSync(join(runDir, 'environment.json'), 'utf8'));
    expect(env.backend).toMatchObject({ backend: 'wasm', requested: 'wasm' });
    // the kd kernels and their build are on record: the native addon (built at npm ci on this
    // machine type; the tests run it at KD_THREADS=1), or a wasm build and why not the addon
    expect(env.backend.kernels).toEqual(expect.arrayContaining(['BatchMatMul', 'Conv2D', 'KdLayerNorm']));
    if (env.backend.native.state === 'used') {
      expect(env.backend.kernelBuild).toMatch(/^native-(fma|sse2)-(openblas|own)$/);
      expect(env.backend.native).toMatchObject({ threads: 1, isa: expect.any(String) });
    } else {
      expect(['relaxed-simd', 'simd128']).toContain(env.backend.kernelBuild);
      expect(env.backend.native.reason).toMatch(/\S/);
    }
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(summary.completed).toBe(true);
    expect(summary.methods).toEqual(['kd']);
    expect(existsSync(join(runDir, 'student', 'model.json'))).toBe(true);
    const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.type === 'epoch' && m.stage === 'distill')).toHaveLength(1);

    const e = await kd(['eval', runDir, '--json'], cwd);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout);
    expect(ev.arch).toBe('cnn');
    expect(ev.test.accuracy).toBeCloseTo(summary.student.test.last.accuracy, 6);
    expect(ev.task).toMatchObject({ id: 'classification', primary: 'accuracy' });
    const text = await kd(['eval', runDir], cwd);
    expect(text.stdout).toMatch(
      /^student cnn: val accuracy \d+\.\d\d% {2}test accuracy \d+\.\d\d% {2}\(test loss \d+\.\d{4}\)/,
    );
  });

  it('resumes an interrupted run to completion (teacher from the cache)', async () => {
    const dir = join(cwd, 'runs', 'interrupted');
    const first = await kd(
      ['run', config, '--run-dir', dir, '--set', 'train.epochs=2', '--stop-after-epochs', '1'],
      cwd,
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`stopped after epoch 1; continue with: kd resume ${dir}`);
    expect(first.stdout).toMatch(/^teacher .*\(cache: /m);
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);

    const r = await kd(['resume', dir], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[distill\] 2 epochs, resuming at epoch 2$/m);
    expect(r.stderr).not.toMatch(/^\[distill\] epoch 1\//m);
    expect(r.stdout).toMatch(/^student +cnn .*\(best val, epoch [12]\)/m);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.completed).toBe(true);
    expect(summary.stages.find((s: { name: string }) => s.name === 'distill')).toMatchObject({
      epochs: 2,
      completed: true,
    });
    expect(readdirSync(dir).some((f) => f.startsWith('environment.resume-'))).toBe(true);
  });
});
