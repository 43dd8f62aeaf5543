import { execFile } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir, writeFile } from '../test/kd.js';
import { ConfigError, run, type RunConfigInput } from './index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A student-only MNIST run small enough for a unit test. */
const tiny: RunConfigInput = {
  name: 'api',
  backend: 'wasm',
  data: { dataset: 'mnist', options: { trainSize: 128, val: 64, test: 64 } },
  student: { arch: 'cnn', options: { width: 2 } },
  train: { epochs: 2, batchSize: 32, evalBatchSize: 64 },
};

/** Runs an ES module against the built @kd/cli, as a user's script would (kd's plugins load as in production). */
function script(code: string): Promise<{ code: number; stdout: string; stderr: string; dir: string }> {
  const dir = tempDir('api');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFile(dir, 'package.json', JSON.stringify({ name: 'api-user', private: true, type: 'module' }));
  writeFile(dir, 'main.js', code);
  return new Promise((done) =>
    execFile(process.execPath, ['main.js'], { cwd: dir, timeout: 120_000 }, (e, stdout, stderr) =>
      done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr, dir }),
    ),
  );
}

describe('kd from code (the API @kd/cli exports)', () => {
  it('run(config object) refuses a bad field as a config file would, naming it, before loading anything', async () => {
    const err = (await run({ ...tiny, train: { epochs: -1 } }).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^config field 'train\.epochs': /);
    const unknown = (await run({ ...tiny, trian: {} } as RunConfigInput).catch((e: Error) => e)) as Error;
    expect(unknown.message).toBe("config field 'trian': unknown key");
  });

  it('list(): what kd list --json shows, from a script', async () => {
    const r = await script(
      "import { list } from '@kd/cli';\nconst l = await list();\nconsole.log(JSON.stringify({ methods: l.methods.map((m) => m.id), archs: l.architectures.map((a) => a.id) }));\n",
    );
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.methods).toEqual(expect.arrayContaining(['kd', 'fitnet', 'at']));
    expect(out.archs).toEqual(expect.arrayContaining(['cnn', 'resnet8']));
  });

  it('run(…, {signal}): aborting stops after the current step, resumably; the same call finishes it', async () => {
    const r = await script(`import { run, InterruptedError } from '@kd/cli';
const config = ${JSON.stringify(tiny)};
const stop = new AbortController();
const steps = [];
const err = await run(config, { runDir: 'runs/one', onEvent: (e) => {
  if (e.type === 'step') { steps.push(e.step); if (e.step === 2) stop.abort(); }
}, signal: stop.signal }).catch((e) => e);
console.log(JSON.stringify({ interrupted: err instanceof InterruptedError, steps }));
const again = await run(config, { runDir: 'runs/one' });
console.log(JSON.stringify({ completed: again.completed, accuracy: again.student.test.last.accuracy }));
`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [first, second] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first).toEqual({ interrupted: true, steps: [1, 2] });
    expect(second.completed).toBe(true);
    expect(second.accuracy).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(r.dir, 'runs', 'one', 'summary.json'))).toBe(true);
    const metrics = readFileSync(join(r.dir, 'runs', 'one', 'metrics.jsonl'), 'utf8');
    expect(metrics.match(/"type":"epoch"/g)).toHaveLength(2);
  });

  it('sweep(file, {variants, grid}): cells × seeds with start/end callbacks, the table, results.md', async () => {
    const r = await script(`import { sweep } from '@kd/cli';
import { writeFileSync, readFileSync } from 'node:fs';
writeFileSync('base.json', JSON.stringify(${JSON.stringify({ ...tiny, train: { ...tiny.train, epochs: 1 } })}));
const seen = [];
const result = await sweep('base.json', {
  variants: { narrow: null, wide: { student: { options: { width: 4 } } } },
  grid: { 'train.optimizer.lr': [0.05] },
  seeds: 1,
  onRunStart: (run, status) => seen.push('start ' + run.cell + ' ' + status),
  onRunEnd: (run, outcome) => seen.push('end ' + run.cell + ' ' + outcome.kind),
});
console.log(JSON.stringify({ seen, cells: result.rows.map((x) => x.cell), failures: result.failures.length,
  md: readFileSync(result.resultsPath, 'utf8').includes('| \`narrow+train.optimizer.lr=0.05\` |') }));
`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      seen: [
        'start narrow+train.optimizer.lr=0.05 new',
        'end narrow+train.optimizer.lr=0.05 finished',
        'start wide+train.optimizer.lr=0.05 new',
        'end wide+train.optimizer.lr=0.05 finished',
      ],
      cells: ['narrow+train.optimizer.lr=0.05', 'wide+train.optimizer.lr=0.05'],
      failures: 0,
      md: true,
    });
  });
});
