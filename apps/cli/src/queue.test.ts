import { Queue } from 'bullmq';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KD, kd, listTree, tempDir, tinyConfig, writeFile } from '../test/kd.js';
import { freePort, startRedis, type RedisServer } from '../test/redis.js';

/** A `kd` process running in the background (a worker, a waiting coordinator); its output collected. */
interface KdProcess {
  readonly child: ChildProcess;
  stderr(): string;
  /** Resolves with the first match of `pattern` in its output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

function startKd(cwd: string, args: readonly string[]): KdProcess {
  const child = spawn(process.execPath, [KD, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let text = '';
  child.stdout!.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    stderr: () => text,
    waitFor: async (pattern, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(text);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`kd ${args[0]} never printed ${pattern}; it printed:\n${text}`);
        await sleep(100);
      }
    },
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  look: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await look();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** results.csv without its timing columns (the only ones two equal sweeps differ in). */
function tableOf(csvPath: string): string[][] {
  const rows = readFileSync(csvPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const keep = rows[0]!.map((name, j) => (name.startsWith('seconds_') ? -1 : j)).filter((j) => j >= 0);
  return rows.map((row) => keep.map((j) => row[j]!));
}

/** The tiny MNIST config, with enough student epochs on enough digits that a run lasts a few seconds. */
const longerConfig = () =>
  tinyConfig()
    .replace('trainSize: 256', 'trainSize: 512')
    .replace(/^train: \{ epochs: 1,/m, 'train: { epochs: 4,');

describe('kd sweep --queue and kd worker (BullMQ on a Redis of its own)', () => {
  let redis: RedisServer;
  const workers: KdProcess[] = [];
  const queues: Queue[] = [];
  const queueOn = (db: number) => {
    const queue = new Queue('kd-runs', { connection: { host: '127.0.0.1', port: redis.port, db } });
    queues.push(queue);
    return queue;
  };
  const worker = (cwd: string, args: readonly string[]) => {
    const w = startKd(cwd, ['worker', ...args]);
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await Promise.all(queues.map((q) => q.close()));
    await redis?.stop();
  });

  it('without a reachable Redis: one line, exit 2, nothing written (sweep and worker)', async () => {
    const cwd = tempDir('queue-down');
    writeFile(cwd, 'tiny.yaml', tinyConfig());
    const url = `redis://127.0.0.1:${await freePort()}`;
    const [s, w] = await Promise.all([
      kd(['sweep', 'tiny.yaml', '--queue', url, '--out', 'out', '--detach'], cwd),
      kd(['worker', '--queue', url, '--out', 'runs'], cwd),
    ]);
    for (const r of [s, w]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        /^kd: --queue redis:\/\/127\.0\.0\.1:\d+\/0: cannot reach Redis \(.*ECONNREFUSED.*\)\n$/,
      );
    }
    expect(listTree(cwd)).toEqual(['tiny.yaml']);
  });

  it('two workers on a shared --out, one killed with SIGKILL mid-run: the sweep completes with the table of a local sweep', async () => {
    const cwd = tempDir('queue-kill');
    writeFile(cwd, 'tiny.yaml', longerConfig());
    const sweep = ['tiny.yaml', '--variant', 'student={methods: [], teacher: null}', '--variant', 'kd={}'];
    const args = [...sweep, '--seeds', '2', '--name', 'cmp', '-q'];

    const local = await kd(['sweep', ...args, '--out', 'local', '--jobs', '2'], cwd);
    expect(local.code, local.stderr).toBe(0);

    const url = redis.url(1);
    // the teacher the local sweep cached is reused (--cache-dir); a short job lock: a killed worker's job returns in seconds
    const lock = ['--concurrency', '1', '--lock-seconds', '2', '--cache-dir', '.kd-cache'];
    const a = worker(cwd, ['--queue', url, '--out', 'shared', ...lock]);
    const b = worker(cwd, ['--queue', url, '--out', 'shared', ...lock]);
    await Promise.all([a.waitFor(/taking jobs/), b.waitFor(/taking jobs/)]);
    // the coordinator's --out is not the workers': the table comes from the jobs' results
    const coordinator = kd(['sweep', ...sweep, '--seeds', '2', '--name', 'cmp', '--queue', url, '--out', 'coord'], cwd);

    const runDir = (await a.waitFor(/running in (\S+) \(attempt 1 of 3\)/))[1]!;
    const metrics = join(runDir, 'metrics.jsonl');
    await until(
      'a first distill epoch of the run of worker A',
      () => existsSync(metrics) && /"type":"epoch","stage":"distill"/.test(readFileSync(metrics, 'utf8')),
    );
    const child = Number(readFileSync(join(runDir, '.kd-run.lock'), 'utf8'));
    expect(alive(child)).toBe(true);
    expect(await a.stop('SIGKILL')).toBe('SIGKILL');
    // its child `kd run` lost its IPC channel: it stops after its step (exit 143) instead of training on
    await until('the orphaned run to stop', () => !alive(child), 20_000);

    const r = await coordinator;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('4/4 runs finished (0 skipped as done earlier)');
    expect(r.stderr).toMatch(/: its worker stopped answering; the job is back in the queue$/m);
    expect(tableOf(join(cwd, 'coord', 'cmp', 'results.csv'))).toEqual(
      tableOf(join(cwd, 'local', 'cmp', 'results.csv')),
    );
    expect(existsSync(join(cwd, 'coord', 'cmp', 'kd'))).toBe(false); // no run folder on the coordinator's side
    // the killed run went on from its checkpoint in the shared folder, on worker B
    const starts = readFileSync(metrics, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"stage-start","stage":"distill"'))
      .map((l) => (JSON.parse(l) as { startEpoch: number }).startEpoch);
    expect(starts[0]).toBe(1);
    expect(starts.at(-1)).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(runDir, 'log.txt'), 'utf8')).toContain(
      'kd: the process that started this run is gone: stopping after the current step',
    );
    expect(b.stderr()).toContain(`running in ${runDir}`);
    expect(await b.stop()).toBe(143);
    expect(b.stderr()).toMatch(/stopping: no new jobs/);
  });

  it('hostile or malformed payloads fail at once with one-line reasons; a job of another commit waits for its workers', async () => {
    const cwd = tempDir('queue-hostile');
    const w = worker(cwd, ['--queue', redis.url(2), '--out', 'out', '--concurrency', '2']);
    await w.waitFor(/taking jobs/);
    const queue = queueOn(2);
    const job = { version: 1, run: 'h/c/seed-1', seed: 1, commit: null, config: {} };
    const escape = `evil-${process.pid}`;
    const cases: [string, unknown, string][] = [
      [
        'config',
        { ...job, config: { student: { arch: 'cnn' }, train: { epochz: 1 } } },
        "config field 'train.epochz': unknown key",
      ],
      ['dotdot', { ...job, run: `../${escape}/c/seed-1` }, `run path '../${escape}/c/seed-1' leaves --out`],
      ['absolute', { ...job, run: `/tmp/${escape}/seed-1` }, `run path '/tmp/${escape}/seed-1' is absolute`],
      ['command', { ...job, command: 'touch /tmp/x' }, "payload field 'command': unknown key"],
      [
        'basedir',
        { ...job, config: { baseDir: '../..' } },
        "config field 'baseDir': '../..' leaves the project folder",
      ],
      ['cachedir', { ...job, config: { cacheDir: '/tmp' } }, "config field 'cacheDir': not allowed in a job"],
      ['text', 'rm -rf /', 'payload: Invalid input'],
    ];
    for (const [id, data] of cases) await queue.add('run', data, { jobId: `hostile-${id}`, attempts: 3 });
    await queue.add('run', { ...job, commit: 'deadbeef' }, { jobId: 'other-commit', attempts: 3 });
    for (const [id, , reason] of cases) {
      const failed = await until(`job hostile-${id} to fail`, async () => {
        // the reason and the failed state as one read: a job read before it failed carries no reason
        const j = await queue.getJob(`hostile-${id}`);
        return j?.failedReason !== undefined && (await j.getState()) === 'failed' ? j : undefined;
      });
      expect(failed!.failedReason.startsWith(reason), `${id}: ${failed!.failedReason}`).toBe(true);
      expect(failed!.failedReason).not.toContain('\n');
      expect(failed!.attemptsMade).toBe(1); // no retries of a bad payload
    }
    const other = await until('the other commit’s job to be put aside', async () => {
      const j = await queue.getJob('other-commit');
      return (await j?.getState()) === 'delayed' ? j : undefined;
    });
    expect(other.attemptsMade).toBe(0);
    expect((await queue.getJobLogs('other-commit')).logs).toEqual([
      expect.stringMatching(/^refused by [^:]+:\d+: the job was made at commit deadbeef, /),
    ]);
    expect(w.stderr()).toMatch(
      /job other-commit: the job was made at commit deadbeef, this worker runs none \(not a git checkout\); left in the queue for a worker at that commit\n/,
    );
    expect(existsSync(join(cwd, '..', escape))).toBe(false);
    expect(existsSync(`/tmp/${escape}`)).toBe(false);
    expect(listTree(join(cwd, 'out'))).toEqual([]); // nothing was run
    expect(await w.stop()).toBe(143);
  });

  it('--detach, kd sweep status and kd sweep collect; a run failing --attempts times is listed failed and tried again on rerun', async () => {
    const cwd = tempDir('queue-detach');
    writeFile(cwd, 'tiny.yaml', tinyConfig());
    const url = redis.url(3);
    const args = [
      'sweep',
      'tiny.yaml',
      '--variant',
      'ok={methods: [], teacher: null}',
      '--variant',
      'nan={methods: [], teacher: null, train: {optimizer: {lr: 1e30}}}',
      '--name',
      'det',
      '--out',
      'coord',
      '--queue',
      url,
      '--detach',
      '--attempts',
      '2',
    ];
    const d = await kd(args, cwd);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain(`sweep det: 2 run(s) on ${url}: 2 queued\n`);
    expect(existsSync(join(cwd, 'coord', 'det', 'queue.json'))).toBe(true);
    expect(existsSync(join(cwd, 'coord', 'det', 'results.md'))).toBe(false);

    const queued = await kd(['sweep', 'status', 'coord/det'], cwd);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toBe(`sweep det (coord/det) on ${url}: 2 run(s): 2 waiting\n`);

    const w = worker(cwd, ['--queue', url, '--out', 'runs', '--concurrency', '2']);
    const queue = queueOn(3);
    await until('both jobs to finish', async () => {
      const c = await queue.getJobCounts('completed', 'failed');
      return c['completed'] === 1 && c['failed'] === 1 ? true : undefined;
    });
    const [status, whole, c] = await Promise.all([
      kd(['sweep', 'status', 'coord/det'], cwd),
      kd(['sweep', 'status', url], cwd),
      kd(['sweep', 'collect', 'coord/det'], cwd),
    ]);
    expect(status.stdout).toMatch(
      /: 2 run\(s\): 1 completed · 1 failed\n {2}nan seed 1: failed: stage distill: the loss became NaN .* \(2 attempt\(s\)\)\n$/,
    );
    expect(whole.stdout).toBe(
      `queue kd-runs on ${url}: 1 completed · 1 failed; 1 worker(s) connected\n  sweep det: 1 completed · 1 failed\n`,
    );

    expect(c.code).toBe(2); // a failed run, as kd sweep says
    expect(c.stderr).toMatch(/^kd: 1 run\(s\) failed \(listed in coord\/det\/results\.md\)/);
    expect(c.stdout).toContain('1/2 runs finished, 1 failed');
    const md = readFileSync(join(cwd, 'coord', 'det', 'results.md'), 'utf8');
    expect(md).toMatch(
      /^- `nan` seed 1 \(`coord\/det\/nan\/seed-1`\): stage distill: the loss became NaN .*\(2 attempt\(s\), last on .*\)$/m,
    );
    const csv = tableOf(join(cwd, 'coord', 'det', 'results.csv'));
    expect(csv.map((row) => [row[0], row[1], row.at(-1)])).toEqual([
      ['cell', 'seeds', 'failed'],
      ['ok', '1', '0'],
      ['nan', '0', '1'],
    ]);

    // the rerun queues the failed run again with fresh attempts and finds the other done
    const rerun = await kd(args, cwd);
    expect(rerun.stdout).toContain('0 queued, 1 failed before, queued again, 1 done in the queue');
    const retried = (await queue.getJobs(['waiting', 'active', 'delayed'])).map((j) => [
      j.id?.split('#')[0],
      j.attemptsMade,
    ]);
    expect(retried).toEqual([['det/nan/seed-1', 0]]);
    // the worker's SIGTERM puts the job it was running back, not counted as a failed attempt
    expect(await w.stop()).toBe(143);
    const back = (await queue.getJobs(['waiting'])).map((j) => [j.id?.split('#')[0], j.attemptsMade]);
    expect(back).toEqual([['det/nan/seed-1', 0]]);
  });

  it('Ctrl-C of a waiting coordinator leaves its jobs queued', async () => {
    const cwd = tempDir('queue-ctrl-c');
    writeFile(cwd, 'tiny.yaml', tinyConfig());
    const url = redis.url(4);
    const coordinator = startKd(cwd, ['sweep', 'tiny.yaml', '--seeds', '2', '--queue', url, '--out', 'out']);
    workers.push(coordinator);
    await coordinator.waitFor(/seed 2: queued\n/);
    expect(coordinator.stderr()).toContain('no kd worker is connected to the queue yet');
    expect(await coordinator.stop('SIGINT')).toBe(130);
    expect(coordinator.stderr()).toMatch(
      /^kd: interrupted \(SIGINT\); the jobs stay queued and the workers go on; kd sweep status out\/tiny shows them/m,
    );
    const waiting = await queueOn(4).getJobs(['waiting']);
    expect(waiting.map((j) => j.id?.split('#')[0]).sort()).toEqual(['tiny/base/seed-1', 'tiny/base/seed-2']);
  });
});
