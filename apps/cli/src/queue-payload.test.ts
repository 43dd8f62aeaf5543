import { UserError } from '@kd/core';
import { parseRunConfig, type SweepPlan } from '@kd/runner';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQueueUrl } from './queue/queue-url.js';
import { acceptRunJob, jobIdOf, runJobOf, type RunJobData } from './queue/run-job.js';

const coordinator = { root: '/home/ada/kd', commit: 'abc123' };
const worker = { root: '/srv/checkout/kd', commit: 'abc123' };
const places = { out: '/shared/sweeps', cacheDir: '/shared/sweeps/.kd-cache/w1', project: worker };

const config = parseRunConfig({
  name: 'cmp.kd',
  seed: 2,
  baseDir: '/home/ada/kd/examples',
  outDir: 'sweeps',
  cacheDir: '/home/ada/.kd-cache',
  student: { arch: 'cnn', options: { width: 2 } },
  teacher: { arch: 'resnet8', recipe: 'teacher.yaml' },
  methods: [{ id: 'kd' }],
});
const run = {
  cell: 'kd+train.optimizer.lr=0.1',
  seed: 2,
  runDir: 'sweeps/cmp/kd+train.optimizer.lr=0.1/seed-2',
  config,
};
const plan = { name: 'cmp', dir: 'sweeps/cmp', runs: [run] } as unknown as SweepPlan;

/** The one-line reason acceptRunJob gives for `data`. */
function reason(data: unknown): string {
  try {
    acceptRunJob(data, places);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('a run job: data made by the coordinator, checked by the worker', () => {
  it('carries the run path, seed, commit and the config with baseDir relative to the project, without output folders', () => {
    const data = runJobOf(plan, run, coordinator);
    expect(data.run).toBe('cmp/kd+train.optimizer.lr=0.1/seed-2');
    expect(data.seed).toBe(2);
    expect(data.commit).toBe('abc123');
    expect(data.config['baseDir']).toBe('examples');
    expect(data.config).not.toHaveProperty('outDir');
    expect(data.config).not.toHaveProperty('cacheDir');
    expect(JSON.parse(JSON.stringify(data))).toEqual(data); // plain data
  });

  it('has an id that is the same for the same job and differs with its config or commit', () => {
    const data = runJobOf(plan, run, coordinator);
    expect(jobIdOf(data)).toBe(jobIdOf(runJobOf(plan, run, coordinator)));
    expect(jobIdOf(data)).toMatch(/^cmp\/kd\+train\.optimizer\.lr=0\.1\/seed-2#[0-9a-f]{16}$/);
    expect(jobIdOf({ ...data, commit: 'def456' })).not.toBe(jobIdOf(data));
    const other = { ...run, config: { ...config, train: { ...config.train, epochs: 3 } } };
    expect(jobIdOf(runJobOf(plan, other, coordinator))).not.toBe(jobIdOf(data));
  });

  it('cannot carry a config whose folder is outside the project', () => {
    const outside = { ...run, config: { ...config, baseDir: '/tmp/elsewhere' } };
    expect(() => runJobOf(plan, outside, coordinator)).toThrow(
      "sweep cell 'kd+train.optimizer.lr=0.1': its config's folder /tmp/elsewhere is outside the project folder /home/ada/kd",
    );
  });

  it('becomes a run of the worker: its --out, its cache, baseDir in its own checkout, the rest as sent', () => {
    const accepted = acceptRunJob(runJobOf(plan, run, coordinator), places);
    expect(accepted.runDir).toBe(join('/shared/sweeps', 'cmp', 'kd+train.optimizer.lr=0.1', 'seed-2'));
    expect(accepted.cell).toBe('kd+train.optimizer.lr=0.1');
    expect(accepted.config).toEqual({
      ...config,
      baseDir: '/srv/checkout/kd/examples',
      outDir: '/shared/sweeps',
      cacheDir: '/shared/sweeps/.kd-cache/w1',
    });
  });

  it('refuses malformed and hostile payloads with one-line reasons', () => {
    const good: RunJobData = runJobOf(plan, run, coordinator);
    const cases: [unknown, string][] = [
      [null, 'payload: Invalid input'],
      [[], 'payload: Invalid input'],
      [{ ...good, version: 2 }, "payload field 'version'"],
      [{ ...good, exec: 'sh' }, "payload field 'exec': unknown key"],
      [{ ...good, seed: 1.5 }, "payload field 'seed'"],
      [{ ...good, run: '/etc/cron.d/seed-2' }, "run path '/etc/cron.d/seed-2' is absolute"],
      [{ ...good, run: 'C:\\x\\y\\seed-2' }, "run path 'C:\\x\\y\\seed-2' is absolute"],
      [{ ...good, run: '../../home/x/seed-2' }, "run path '../../home/x/seed-2' leaves --out"],
      [{ ...good, run: 'cmp/../../seed-2' }, "run path 'cmp/../../seed-2' leaves --out"],
      [{ ...good, run: 'cmp\\..\\x/seed-2' }, "run path 'cmp\\..\\x/seed-2' leaves --out"],
      [{ ...good, run: 'cmp/./seed-2' }, "run path 'cmp/./seed-2': it must be <sweep>/<cell>/seed-<k> inside --out"],
      [{ ...good, run: 'cmp/kd/seed-2/more' }, "run path 'cmp/kd/seed-2/more': it must be"],
      [{ ...good, run: 'cmp/kd/seed-3' }, "run path 'cmp/kd/seed-3' is not of the job's seed 2"],
      [{ ...good, config: { ...good.config, seed: 5 } }, "config field 'seed': 5 is not the job's seed 2"],
      [{ ...good, config: { ...good.config, outDir: '/etc' } }, "config field 'outDir': not allowed in a job"],
      [{ ...good, config: { ...good.config, baseDir: '/etc' } }, "config field 'baseDir': '/etc' must be relative"],
      [
        { ...good, config: { ...good.config, baseDir: 'a/../../..' } },
        "config field 'baseDir': 'a/../../..' leaves the project",
      ],
      [
        { ...good, config: { ...good.config, methods: [{ id: 'kd', hparamz: {} }] } },
        "config field 'methods[0].hparamz': unknown key",
      ],
      [{ ...good, config: { ...good.config, train: { epochs: 'many' } } }, "config field 'train.epochs'"],
    ];
    for (const [data, expected] of cases) {
      const message = reason(data);
      expect(message.startsWith(expected), `${JSON.stringify(data)?.slice(0, 80)} → ${message}`).toBe(true);
      expect(message).not.toContain('\n');
    }
  });
});

describe('--queue URLs', () => {
  it('parse host, port, database and credentials, and show no password', () => {
    expect(parseQueueUrl('redis://10.0.0.5:6380/2')).toEqual({
      shown: 'redis://10.0.0.5:6380/2',
      hasCredentials: false,
      connection: { host: '10.0.0.5', port: 6380, db: 2 },
    });
    const secret = parseQueueUrl('rediss://kd:s%40cret@queue.lab:7000');
    expect(secret.shown).toBe('rediss://queue.lab:7000/0');
    expect(secret.connection).toEqual({
      host: 'queue.lab',
      port: 7000,
      db: 0,
      username: 'kd',
      password: 's@cret',
      tls: {},
    });
    expect(parseQueueUrl('redis://[::1]').shown).toBe('redis://[::1]:6379/0');
  });

  it('reject anything else in one line naming the option', () => {
    for (const bad of ['localhost:6379', 'http://x:1', 'redis://h:1/db1', 'redis://h:1/0?x=1', 'redis://'])
      expect(() => parseQueueUrl(bad)).toThrow(new RegExp(`^--queue '${bad.replace(/[?/.*+]/g, '\\$&')}': `));
  });
});
