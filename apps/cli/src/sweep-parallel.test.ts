import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunFolder } from '@kd/runner';
import { describe, expect, it } from 'vitest';
import { KD, kd, tempDir, writeFile, type KdResult } from '../test/kd.js';

/** A student alone: a width-2 CNN on 2,048 MNIST digits, 3 epochs (a few seconds a run). */
const config = `name: par
seed: 1
backend: wasm
data:
  dataset: mnist
  options: { trainSize: 2048, val: 200, test: 200 }
student:
  arch: cnn
  options: { width: 2 }
train: { epochs: 3, batchSize: 64, evalBatchSize: 200, optimizer: { lr: 0.05 } }
methods: []
`;

/** results.csv without the time columns (the last two): what must not depend on --jobs. */
const numbers = (sweepDir: string) =>
  readFileSync(join(sweepDir, 'results.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').slice(0, -2).join(','));

/** Starts `kd …` and sends SIGINT once `ready()` holds (polled); resolves with the result. */
function kdInterruptedWhen(args: string[], cwd: string, ready: () => boolean): Promise<KdResult & { sent: boolean }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [KD, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setInterval(() => {
      if (sent || !ready()) return;
      sent = true;
      child.kill('SIGINT');
    }, 50);
    child.on('close', (code) => {
      clearInterval(timer);
      done({ code: code ?? -1, stdout, stderr, sent });
    });
  });
}

describe('kd sweep --jobs: runs in parallel child processes', () => {
  const cwd = tempDir('parallel');
  const path = writeFile(cwd, 'par.yaml', config);
  const sweep = (out: string, ...extra: string[]) => [
    'sweep',
    path,
    '--grid',
    'train.optimizer.lr=0.05,0.1',
    '--out',
    out,
    '--name',
    'par',
    ...extra,
  ];
  const runDirs = (out: string) =>
    ['0.05', '0.1'].map((lr) => join(cwd, out, 'par', `train.optimizer.lr=${lr}`, 'seed-1'));

  it('--jobs 2 and --jobs 1 give the same table; each run logs into its own folder; one overall progress', async () => {
    const [two, one] = [await kd(sweep('two', '--jobs', '2'), cwd), await kd(sweep('one', '--jobs', '1'), cwd)];
    expect(two.code, two.stderr).toBe(0);
    expect(one.code, one.stderr).toBe(0);
    expect(numbers(join(cwd, 'two', 'par'))).toEqual(numbers(join(cwd, 'one', 'par')));
    expect(two.stderr).toMatch(/^sweep par: 2 cell\(s\) × 1 seed\(s\) = 2 run\(s\) in .*, 2 at a time$/m);
    expect(two.stderr).toMatch(/^\[sweep 1\/2\] train\.optimizer\.lr=0\.05 seed 1: running \(log: .*log\.txt\)$/m);
    expect(two.stderr).toMatch(/^\[sweep 2\/2\] .* seed 1: finished in \d+s, test accuracy \d+\.\d\d%$/m);
    expect(two.stderr).toMatch(/^sweep: 2\/2 done · 0 running · 0 failed · 0 left · ETA 0s$/m);
    expect(two.stderr).not.toMatch(/\[distill\]/); // the runs' own progress is in their logs
    for (const dir of runDirs('two')) {
      const log = readFileSync(join(dir, 'log.txt'), 'utf8');
      expect(log).toMatch(/^\[distill\] epoch 3\/3 /m);
      expect(log).toMatch(/^# exit 0$/m);
    }
  });

  it('Ctrl-C stops every running run after its step (resumable); the same command again ends as an uninterrupted sweep', async () => {
    const dirs = runDirs('stopped');
    const r = await kdInterruptedWhen(sweep('stopped', '--jobs', '2'), cwd, () =>
      dirs.some((d) => existsSync(d) && new RunFolder(d).loggedEpochs('distill').length > 0),
    );
    expect(r.sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/finished runs are kept; run the same kd sweep command again to continue/);
    expect(dirs.filter((d) => existsSync(join(d, 'summary.json'))).length).toBeLessThan(2);
    for (const d of dirs.filter((dir) => existsSync(join(dir, 'log.txt')) && !existsSync(join(dir, 'summary.json'))))
      expect(readFileSync(join(d, 'log.txt'), 'utf8')).toMatch(/^# exit 130$/m);
    const again = await kd(sweep('stopped', '--jobs', '2'), cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(numbers(join(cwd, 'stopped', 'par'))).toEqual(numbers(join(cwd, 'two', 'par')));
  });

  it('a teacher that runs in parallel need is trained once: the other run waits for it and loads it', async () => {
    const withTeacher = writeFile(
      cwd,
      'teacher.yaml',
      config.replace(
        'methods: []',
        `teacher:
  arch: resnet8
  options: { width: 4 }
  cache: true
  train: { epochs: 2, batchSize: 64, evalBatchSize: 200, optimizer: { lr: 0.05 } }
methods: [{ id: kd }]`,
      ),
    );
    const r = await kd(
      [
        'sweep',
        withTeacher,
        '--grid',
        'train.optimizer.lr=0.05,0.1',
        '--out',
        'shared',
        '--name',
        'par',
        '--jobs',
        '2',
      ],
      cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    const logs = runDirs('shared').map((d) => readFileSync(join(d, 'log.txt'), 'utf8'));
    const trained = logs.filter((l) => /^\[teacher-train\] epoch 2\/2/m.test(l));
    expect(trained).toHaveLength(1);
    const other = logs.find((l) => !trained.includes(l))!;
    expect(other).toMatch(/^teacher: resnet8 .* cache from /m);
    expect(other).toMatch(/another process is training this teacher into .*; waiting/);
    // both runs distilled from the same teacher
    const teacherColumn = readFileSync(join(cwd, 'shared', 'par', 'results.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[9]);
    expect(new Set(teacherColumn).size).toBe(1);
  });

  it('a run that fails is listed with its reason, the others finish, and the sweep exits 2 naming results.md', async () => {
    const r = await kd(
      ['sweep', path, '--grid', 'train.optimizer.lr=0.05,1e12', '--out', 'failing', '--name', 'par', '--jobs', '2'],
      cwd,
    );
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^kd: 1 run\(s\) failed \(listed in .*results\.md, each with its log\.txt\)/);
    expect(r.stderr).toMatch(
      /^\[sweep 2\/2\] train\.optimizer\.lr=1000000000000 seed 1: failed: stage distill: the loss became/m,
    );
    expect(r.stdout).toContain('1/2 runs finished (0 skipped as done earlier), 1 failed');
    const md = readFileSync(join(cwd, 'failing', 'par', 'results.md'), 'utf8');
    expect(md).toMatch(/^\| `train\.optimizer\.lr=0\.05` +\| +1 \| +\d+\.\d\d \|.*\| +0 \|$/m);
    expect(md).toMatch(/^\| `train\.optimizer\.lr=1000000000000` +\| +0 \| +— \|.*\| +1 \|$/m);
    expect(md).toMatch(
      /^- `train\.optimizer\.lr=1000000000000` seed 1 \(.*\): stage distill: the loss became (NaN|Infinity)/m,
    );
  });
});
