import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Run and sweep folders as kd writes them, with chosen numbers: what the report tests read. */

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kd-report-${prefix}-`));
}

const json = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value, null, 2) + '\n');

export interface FixtureRun {
  readonly name?: string;
  readonly seed?: number;
  /** The student's test accuracy (last and best), a fraction. */
  readonly test?: number;
  readonly testLoss?: number;
  /** Val accuracy after each distill epoch (fractions); its length is the number of epochs. */
  readonly val?: readonly number[];
  /** Term names the distill stage logs besides `loss` (default task.ce, kd.soft). */
  readonly terms?: readonly string[];
  /** A FitNets-like hint stage of one epoch before distillation. */
  readonly hintStage?: boolean;
  readonly teacher?: number;
  /** Extra config.json content (merged at the top level). */
  readonly config?: Record<string, unknown>;
  readonly completed?: boolean;
}

const TASK = {
  id: 'classification',
  primary: 'accuracy',
  metrics: [
    { name: 'accuracy', unit: 'fraction', higherIsBetter: true, description: 'top-1 accuracy' },
    { name: 'loss', unit: 'score', higherIsBetter: false, description: 'cross-entropy' },
  ],
};

/** Writes a run folder: config.json, environment.json, metrics.jsonl and summary.json. */
export function writeRun(dir: string, run: FixtureRun = {}): string {
  mkdirSync(dir, { recursive: true });
  const seed = run.seed ?? 1;
  const name = run.name ?? 'fixture';
  const val = run.val ?? [0.8, 0.9, 0.95];
  const terms = run.terms ?? ['task.ce', 'kd.soft'];
  json(join(dir, 'config.json'), {
    name,
    seed,
    backend: 'wasm',
    data: { dataset: 'mnist', options: { val: 200, test: 200 } },
    student: { arch: 'cnn', options: { width: 2 } },
    train: { epochs: val.length, batchSize: 64, optimizer: { type: 'sgd', lr: 0.1 } },
    methods: [{ id: 'kd', hparams: { T: 4 } }],
    ...run.config,
  });
  json(join(dir, 'environment.json'), {
    startedAt: '2026-12-05T10:00:00.000Z',
    node: 'v20.20.2',
    tfjs: '4.22.0',
    gitSha: 'abc1234',
    machine: { hostname: 'vm', cpus: 2, cpuModel: 'Test CPU', memoryGiB: 8, platform: 'linux', arch: 'x64' },
  });
  const lines: unknown[] = [];
  if (run.hintStage) {
    lines.push({ type: 'stage-start', stage: 'fitnet.hint', epochs: 1, startEpoch: 1, time: '2026-12-05T10:00:01Z' });
    lines.push({
      type: 'epoch',
      stage: 'fitnet.hint',
      epoch: 1,
      lr: 0.1,
      train: { loss: 0.5, 'fitnet.hint': 0.5 },
      seconds: 1,
    });
    lines.push({ type: 'stage-end', stage: 'fitnet.hint', epochs: 1, time: '2026-12-05T10:00:02Z' });
  }
  lines.push({
    type: 'stage-start',
    stage: 'distill',
    epochs: val.length,
    startEpoch: 1,
    time: '2026-12-05T10:00:03Z',
  });
  val.forEach((v, i) => {
    const e = i + 1;
    const train: Record<string, number> = { loss: 2 / e + seed * 0.01 };
    terms.forEach((t, j) => (train[t] = (j + 1) / e + seed * 0.01));
    lines.push({
      type: 'epoch',
      stage: 'distill',
      epoch: e,
      lr: 0.1 * (1 - i / val.length),
      train,
      val: { accuracy: v, loss: 1 - v },
      seconds: 1,
    });
  });
  lines.push({ type: 'stage-end', stage: 'distill', epochs: val.length, time: `2026-12-05T10:0${seed}:00.000Z` });
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  const test = run.test ?? 0.9;
  const best = Math.max(...val);
  json(join(dir, 'summary.json'), {
    name,
    runDir: dir,
    seed,
    backend: 'wasm',
    backendSummary: 'wasm (simd, 1 thread)',
    numerics: 'wasm/relaxed-simd',
    task: TASK,
    methods: ['kd'],
    weights: { 'task.ce': 1, 'kd.soft': 0.9 },
    teachers:
      run.teacher === undefined
        ? []
        : [
            {
              name: 'teacher',
              arch: 'resnet8',
              params: 1234,
              source: 'cache',
              path: 'p',
              metrics: { accuracy: run.teacher },
            },
          ],
    student: {
      arch: 'cnn',
      params: 1702,
      test: {
        last: { accuracy: test, loss: run.testLoss ?? 0.3 },
        best: { accuracy: test, loss: run.testLoss ?? 0.3 },
      },
      val: { best: { accuracy: best }, bestEpoch: val.indexOf(best) + 1, last: { accuracy: val.at(-1) } },
    },
    stages: [{ name: 'distill', epochs: val.length, completed: true }],
    seconds: 12 + seed,
    completed: run.completed ?? true,
  });
  return dir;
}

/** Writes a sweep folder: sweep.json and `<cell>/seed-<k>` for each cell's runs (a run per given seed). */
export function writeSweep(
  dir: string,
  cells: readonly { readonly name: string; readonly runs: readonly FixtureRun[] }[],
  seeds: readonly number[],
): string {
  mkdirSync(dir, { recursive: true });
  json(join(dir, 'sweep.json'), {
    name: 'fixture-sweep',
    command: 'kd sweep fixture.yaml --seeds 2',
    config: 'fixture.yaml',
    base: 'fixture.yaml',
    seeds,
    variants: [],
    grid: [],
    cells: cells.map((c) => ({ name: c.name, variant: c.name, point: [] })),
  });
  for (const cell of cells)
    for (const run of cell.runs)
      writeRun(join(dir, cell.name, `seed-${run.seed ?? 1}`), { name: `sweep.${cell.name}`, ...run });
  return dir;
}

/** The items a chart drew, by vega mark type (`rect` bars, `symbol` points, `line`, `area`, `rule`). */
export function markCount(svg: string, type: string): number {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs'))];
  return groups.reduce((n, g) => n + (g[1]!.match(/<(path|line)\b/g)?.length ?? 0), 0);
}

/** The texts of a chart's legend labels, in order. */
export function legendLabels(svg: string): string[] {
  return textsIn(svg, 'legend-label');
}

function textsIn(svg: string, role: string): string[] {
  return [...svg.matchAll(new RegExp(`<g class="mark-text role-${role}"[^>]*>(.*?)</g>`, 'gs'))].flatMap((g) =>
    [...g[1]!.matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((m) => m[1]!),
  );
}

/** The texts of a chart's axis labels (both axes, in document order). */
export function axisLabels(svg: string): string[] {
  return textsIn(svg, 'axis-label');
}
