import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunFolder } from '@kd/runner';
import { afterAll, describe, expect, it } from 'vitest';
import { KD, kd, listTree, tempDir, writeFile, type KdResult } from '../test/kd.js';

/** A run with no teacher: a width-2 CNN on MNIST, quick. */
function plainConfig(extra = '', trainSize = 256, epochs = 1): string {
  return `name: plain
seed: 1
backend: wasm
data:
  dataset: mnist
  options: { trainSize: ${trainSize}, val: 200, test: 200 }
student:
  arch: cnn
  options: { width: 2 }
train: { epochs: ${epochs}, batchSize: 64, evalBatchSize: 200, optimizer: { lr: 0.05 } }
${extra}`;
}

/** One line `kd: …` on stderr, no stack, exit 2. */
function expectOneLine(r: KdResult, pattern: RegExp): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines.at(-1), r.stderr).toMatch(pattern);
  expect(lines.at(-1)).toMatch(/^kd: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain('unexpected error');
  expect(r.code, r.stderr).toBe(2);
}

const epochRecords = (runDir: string, stage: string) => new RunFolder(runDir).loggedEpochs(stage);

/** Starts `kd …` and sends `signal` once a stderr line matches `when`; resolves with the result. */
function kdInterrupted(
  args: string[],
  cwd: string,
  when: RegExp,
  signal: NodeJS.Signals,
): Promise<KdResult & { sent: boolean }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [KD, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr, sent }));
  });
}

describe('stopping: Ctrl-C and SIGTERM leave a resumable run folder', () => {
  const cwd = tempDir('signals');
  const config = writeFile(cwd, 'long.yaml', plainConfig('', 4096, 4));

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal}: finishes the step, says how to resume, exits ${code}; the resumed run ends as an uninterrupted one`, async () => {
      const dir = join(cwd, 'runs', signal);
      const r = await kdInterrupted(['run', config, '--run-dir', dir], cwd, /^\[distill\] epoch 1\/4/m, signal);
      expect(r.sent).toBe(true);
      expect(r.code, r.stderr).toBe(code);
      const last = r.stderr.trim().split('\n').at(-1);
      expect(last).toBe(`kd: interrupted (${signal}); the run folder is resumable: kd resume ${dir}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'summary.json'))).toBe(false);

      const resumed = await kd(['resume', dir], cwd);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toMatch(/^\[distill\] 4 epochs, resuming at epoch [2-4]$/m);
      expect(epochRecords(dir, 'distill')).toEqual([1, 2, 3, 4]);
      const reference = join(cwd, 'runs', `${signal}-whole`);
      expect((await kd(['run', config, '--run-dir', reference], cwd)).code).toBe(0);
      const summary = (d: string) => JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as { student: unknown };
      expect(summary(dir).student).toEqual(summary(reference).student);
    });
  }
});

describe('run folders', () => {
  const cwd = tempDir('folders');
  const config = writeFile(cwd, 'plain.yaml', plainConfig());

  it('two runs started in the same second get two folders', async () => {
    const out = join(cwd, 'same-second');
    const [a, b] = await Promise.all([
      kd(['run', config, '--out-dir', out], cwd),
      kd(['run', config, '--out-dir', out], cwd),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const runs = readdirSync(out).sort();
    expect(runs).toHaveLength(2);
    // the same second: the second one gets the suffix -2 (sorted, the plain name comes first)
    if (runs[1]!.startsWith(runs[0]!)) expect(runs[1]).toBe(`${runs[0]}-2`);
    for (const run of runs) expect(epochRecords(join(out, run), 'distill')).toEqual([1]);
  });

  it('--run-dir with another config is refused and the folder is left as it was; resume of a finished run rewrites nothing', async () => {
    const dir = join(cwd, 'runs', 'one');
    expect((await kd(['run', config, '--run-dir', dir], cwd)).code).toBe(0);
    const before = Object.fromEntries(
      listTree(dir)
        .filter((f) => f.endsWith('.json') || f.endsWith('.jsonl'))
        .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
    );
    const other = await kd(['run', config, '--run-dir', dir, '--set', 'train.optimizer.lr=0.1'], cwd);
    expectOneLine(
      other,
      new RegExp(`^kd: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds a run of a different config`),
    );
    const again = await kd(['resume', dir], cwd);
    expect(again.code, again.stderr).toBe(0);
    const after = Object.fromEntries(
      listTree(dir)
        .filter((f) => f.endsWith('.json') || f.endsWith('.jsonl'))
        .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
    );
    expect(after).toEqual(before);
  });

  it('two kd sweep processes on one sweep folder share the runs instead of training each twice', async () => {
    const out = join(cwd, 'sweeps');
    const args = [
      'sweep',
      config,
      '--out',
      out,
      '--name',
      'shared',
      '--seeds',
      '3',
      '--grid',
      'train.optimizer.lr=0.05,0.1',
    ];
    const [a, b] = await Promise.all([kd(args, cwd), kd(args, cwd)]);
    const both = `A (exit ${a.code}):\n${a.stderr}\nB (exit ${b.code}):\n${b.stderr}`;
    expect([a.code, b.code], both).toEqual([0, 0]);
    const runDirs = readdirSync(join(out, 'shared'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((cell) =>
        readdirSync(join(out, 'shared', cell.name))
          .filter((s) => /^seed-\d$/.test(s))
          .map((s) => join(out, 'shared', cell.name, s)),
      );
    expect(runDirs).toHaveLength(6);
    for (const d of runDirs) {
      expect(epochRecords(d, 'distill')).toEqual([1]); // trained once, by one process
      expect(readdirSync(d).filter((f) => f.startsWith('environment'))).toEqual(['environment.json']);
    }
    // both report every run (each run's summary is read by the process that did not train it)
    const table = (r: KdResult) => r.stdout.slice(0, r.stdout.indexOf('\n\n'));
    expect(table(a)).toBe(table(b));
    expect(a.stdout).toContain('6/6 runs finished');
    expect(b.stdout).toContain('6/6 runs finished');
  });
});

describe('user and environment problems: one line, exit 2, nothing half-written', () => {
  const cwd = tempDir('problems');
  const out = join(cwd, 'out');
  const config = (name: string, text: string) => writeFile(cwd, name, text);
  const nothingWritten = () => {
    expect(existsSync(out) ? listTree(out) : []).toEqual([]);
    expect(existsSync(join(cwd, 'runs'))).toBe(false);
  };

  it('a loss that becomes NaN names the stage, epoch, step and terms, and suggests a lower learning rate', async () => {
    const path = config('nan.yaml', plainConfig().replace('optimizer: { lr: 0.05 }', 'optimizer: { lr: 1.0e+12 }'));
    const r = await kd(['run', path, '--out-dir', out], cwd);
    expectOneLine(
      r,
      /^kd: stage distill: the loss became (NaN|Infinity) at epoch 1, step \d+ \(.*task\.ce = .*\); try a lower learning rate \(train\.optimizer\.lr, 1000000000000 at that step\)/,
    );
    rmSync(out, { recursive: true, force: true });
  });

  it('negative weights, every term off, and bad --set paths are refused before anything is written', async () => {
    const kdRun = (extra: string) =>
      config(
        'kd.yaml',
        `${plainConfig().replace('name: plain', 'name: kd')}teacher: { arch: cnn, options: { width: 2 }, train: { epochs: 1 } }\n${extra}`,
      );
    expectOneLine(
      await kd(['run', kdRun('methods: [{ id: kd, weights: { soft: -1 } }]'), '--out-dir', out], cwd),
      /config field 'methods\[0\]\.weights\.soft': a term weight must be ≥ 0/,
    );
    expectOneLine(
      await kd(
        ['run', kdRun('task: { weight: 0 }\nmethods: [{ id: kd, weights: { soft: 0 } }]'), '--out-dir', out],
        cwd,
      ),
      /config field 'task\.weight': every loss term is switched off/,
    );
    const ok = config('ok.yaml', plainConfig());
    expectOneLine(
      await kd(['run', ok, '--out-dir', out, '--set', '__proto__.polluted=1'], cwd),
      /--set __proto__\.polluted: key '__proto__' is not allowed/,
    );
    expectOneLine(
      await kd(['run', ok, '--out-dir', out, '--set', 'train..epochs=3'], cwd),
      /--set train\.\.epochs: empty key in the path/,
    );
    expectOneLine(
      await kd(['run', ok, '--out-dir', out, '--set', 'methods[3].id=kd'], cwd),
      /index 3 is past the end of 'methods' \(0 entries\)/,
    );
    nothingWritten();
  });

  it('a teacher checkpoint with a missing or truncated shard, or of another width, stops the run before it writes anything', async () => {
    const made = join(cwd, 'made');
    expect((await kd(['run', config('student.yaml', plainConfig()), '--run-dir', made], cwd)).code).toBe(0);
    const teacherAt = (dir: string, width: number) =>
      config(
        'with-teacher.yaml',
        `${plainConfig()}teacher: { arch: cnn, options: { width: ${width} }, checkpoint: ${dir} }\nmethods: [{ id: kd }]\n`,
      );
    expectOneLine(
      await kd(['run', teacherAt(made, 4), '--out-dir', out], cwd),
      /config field 'teacher\.options': .*width.*4.*differ from the options of the model in .*made\/student .*width.*2/,
    );
    const shard = join(made, 'student', 'group1-shard1of1.bin');
    const bytes = readFileSync(shard);
    truncateSync(shard, 40);
    expectOneLine(
      await kd(['run', teacherAt(made, 2), '--out-dir', out], cwd),
      /config field 'teacher\.checkpoint': .*group1-shard1of1\.bin.*truncated/,
    );
    rmSync(shard);
    expectOneLine(
      await kd(['run', teacherAt(made, 2), '--out-dir', out], cwd),
      /config field 'teacher\.checkpoint': .*group1-shard1of1\.bin/,
    );
    writeFileSync(shard, bytes);
    nothingWritten();
  });

  it('a recipe that names a missing recipe is refused before anything is written (paths relative to the config file)', async () => {
    mkdirSync(join(cwd, 'recipes'), { recursive: true });
    writeFile(
      cwd,
      'recipes/outer.yaml',
      `${plainConfig()}teacher: { arch: cnn, options: { width: 4 }, recipe: missing-inner.yaml }\nmethods: [{ id: kd }]\n`,
    );
    const path = config(
      'uses-recipe.yaml',
      `${plainConfig()}teacher: { arch: cnn, options: { width: 2 }, recipe: recipes/outer.yaml }\nmethods: [{ id: kd }]\n`,
    );
    expectOneLine(
      await kd(['run', path, '--out-dir', out], cwd),
      /config field 'teacher\.recipe': .*recipes\/missing-inner\.yaml/,
    );
    nothingWritten();
  });

  it('--out-dir that is a file', async () => {
    const file = writeFile(cwd, 'a-file', 'x');
    expectOneLine(
      await kd(['run', config('ok.yaml', plainConfig()), '--out-dir', file], cwd),
      /^kd: cannot write .*a-file: a file of that name is in the way \(EEXIST\)$/,
    );
  });

  describe('a full disk and a read-only folder (real tmpfs mounts)', () => {
    const mounts: string[] = [];
    afterAll(() => mounts.forEach((m) => spawnSync('umount', [m])));
    const mount = (options: string): string | undefined => {
      const dir = join(cwd, `mnt-${mounts.length}`);
      mkdirSync(dir, { recursive: true });
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
      if (r.status !== 0) return undefined;
      mounts.push(dir);
      return dir;
    };
    // mounting needs root (CI and this project's machines run as root); elsewhere these two are skipped
    const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;

    it.runIf(canMount)('disk full: names the file it could not write', async () => {
      const full = mount('size=24k');
      expect(full).toBeDefined();
      const r = await kd(['run', config('ok.yaml', plainConfig()), '--out-dir', full!], cwd);
      expectOneLine(r, /^kd: cannot write .*mnt-\d+\/plain-s1-[\d-]+\/.*: no space left on the device \(ENOSPC\)$/);
    });

    it.runIf(canMount)('a read-only output folder', async () => {
      const ro = mount('size=24k,ro');
      expect(ro).toBeDefined();
      const r = await kd(['run', config('ok.yaml', plainConfig()), '--out-dir', join(ro!, 'runs')], cwd);
      expectOneLine(r, /^kd: cannot write .*mnt-\d+\/runs.*: the file system is read-only \(EROFS\)$/);
    });
  });
});
