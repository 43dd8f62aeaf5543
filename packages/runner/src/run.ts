import { UserError, type DependencyContainer } from '@kd/core';
import { backendSummary, selectBackend, type BackendReport } from '@kd/tfjs-runtime';
import { evaluateAccuracy, type EpochRecord, type EventSink, type StageResult } from '@kd/trainer';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildRun, disposeRun, type BuiltRun } from './build/build-run.js';
import { loadModelWeights, saveModel } from './build/saved-model.js';
import { parseRunConfig } from './config/load-config.js';
import type { RunConfig, TeacherConfig } from './config/schema.js';
import { environmentRecord } from './folder/environment.js';
import { RunFolder } from './folder/run-folder.js';
import { CachedOutputs } from './stages/cached-outputs.js';
import { runDistillStage } from './stages/distill-stage.js';
import { runMethodStages } from './stages/method-stages.js';
import { ensureRecipe, loadRecipe } from './stages/recipe-teacher.js';
import { prepareTeacher, type TeacherOutcome } from './stages/teacher-stage.js';

export interface RunSummary {
  readonly name: string;
  readonly runDir: string;
  readonly seed: number;
  readonly backend: string;
  /** One line: the backend, its details, and why the others were not used. */
  readonly backendSummary: string;
  readonly methods: readonly string[];
  readonly weights: Readonly<Record<string, number>>;
  readonly teachers: readonly TeacherOutcome[];
  readonly student: {
    readonly arch: string;
    readonly params: number;
    readonly test: { readonly last: number; readonly best: number };
    /** Test accuracy per class group (e.g. many / medium / few) when the dataset declares groups. */
    readonly testGroups?: { readonly last: Readonly<Record<string, number>>; readonly best?: Readonly<Record<string, number>> };
    readonly val: { readonly best: number; readonly bestEpoch: number; readonly last: number };
  };
  /** Further test metrics methods report (e.g. `ffsd.peer1`, `ffsd.ensemble`), by `<method>.<name>`. */
  readonly reported?: Readonly<Record<string, number>>;
  readonly stages: readonly { name: string; epochs: number; completed: boolean }[];
  readonly seconds: number;
  readonly completed: boolean;
}

export interface RunOptions {
  /** Where to write the run; default `<outDir>/<name>-s<seed>-<timestamp>`. */
  readonly runDir?: string;
  readonly events?: EventSink;
  /** Human-readable progress lines (stage changes, results). */
  readonly log?: (line: string) => void;
  /** Stop the distill stage after this many epochs (for interruption tests). */
  readonly stopAfterEpochs?: number;
  /** How many recipe runs this run is nested in (a guard against recipes that name themselves). */
  readonly recipeDepth?: number;
}

const MAX_RECIPE_DEPTH = 4;

function defaultRunDir(config: RunConfig): string {
  return join(config.outDir, `${config.name}-s${config.seed}-${RunFolder.stamp()}`);
}

async function backendFor(config: RunConfig): Promise<BackendReport> {
  try {
    return await selectBackend({ backend: config.backend });
  } catch (e) {
    throw new UserError(`backend '${config.backend}': ${(e as Error).message}`);
  }
}

/**
 * Runs one experiment: validate and build everything (no disk writes), then create the run folder,
 * give teachers their weights (load, cache, or train), run the methods' extra stages, distill, and
 * write summary.json. Calling it again on the same folder resumes from the last checkpoint.
 */
export async function runExperiment(host: DependencyContainer, config: RunConfig, options: RunOptions = {}): Promise<RunSummary> {
  const started = Date.now();
  const backend = await backendFor(config);
  const run = await buildRun(host, config);
  const folder = new RunFolder(options.runDir ?? defaultRunDir(config));
  const log = options.log ?? (() => {});
  const cachedModels: CachedOutputs[] = [];
  try {
    const resuming = folder.exists();
    folder.create();
    if (!resuming) folder.writeJson('config.json', config);
    folder.writeJson(resuming ? `environment.resume-${RunFolder.stamp()}.json` : 'environment.json', environmentRecord(backend));
    const events: EventSink = (e) => {
      if (e.type === 'epoch') folder.appendMetric({ type: 'epoch', ...e.record });
      else if (e.type !== 'step') folder.appendMetric({ ...e, time: new Date().toISOString() });
      options.events?.(e);
    };
    const teachers: TeacherOutcome[] = [];
    for (const p of run.participants.filter((q) => q.role === 'teacher')) {
      const tc = run.teacherConfigs.get(p.name)!;
      const recipeDir = tc.recipe ? await runRecipe(host, p.name, tc, config, options) : undefined;
      const t = prepareTeacher(p, tc, config, run.dataset, folder.dir, events, recipeDir);
      log(`${p.name}: ${t.arch} (${t.params.toLocaleString('en-US')} params) ${t.source} from ${t.path}, test accuracy ${(t.test * 100).toFixed(2)}%`);
      teachers.push(t);
    }
    const stages: StageResult[] = runMethodStages(run, folder.dir, events);
    const participants = run.active.map((p) => {
      if (p.role !== 'teacher' || !run.teacherConfigs.get(p.name)?.cacheOutputs) return p;
      const cached = CachedOutputs.precompute(p.model, run.dataset.split('train'), run.taps.get(p.name)!, config.train.evalBatchSize);
      cachedModels.push(cached);
      log(`${p.name}: outputs cached for ${run.dataset.split('train').size} training samples (${[...run.taps.get(p.name)!].join(', ')})`);
      return { ...p, model: cached };
    });
    const distill = runDistillStage(run, folder.dir, events, options.stopAfterEpochs, participants);
    stages.push(distill);
    const reported = distill.completed ? methodReports(run) : {};
    for (const [k, v] of Object.entries(reported)) log(`${k}: ${(v * 100).toFixed(2)}%`);
    const summary = summarize(run, folder, backend, teachers, stages, distill, started, reported);
    if (distill.completed) {
      saveModel(folder.studentDir, run.student.model, {
        arch: config.student.arch,
        options: config.student.options,
        inputShape: run.dataset.inputShape,
        numClasses: run.dataset.numClasses,
        ...(run.dataset.text?.vocabularyId ? { vocabularyId: run.dataset.text.vocabularyId } : {}),
        metrics: { test: summary.student.test, val: summary.student.val },
      });
      folder.writeJson('summary.json', summary);
    }
    return summary;
  } finally {
    for (const c of cachedModels) c.dispose();
    disposeRun(run);
  }
}

function summarize(
  run: BuiltRun,
  folder: RunFolder,
  backend: BackendReport,
  teachers: TeacherOutcome[],
  stages: StageResult[],
  distill: StageResult,
  started: number,
  reported: Record<string, number>,
): RunSummary {
  const history: readonly EpochRecord[] = distill.epochs;
  return {
    name: run.config.name,
    runDir: folder.dir,
    seed: run.config.seed,
    backend: backend.backend,
    backendSummary: backendSummary(backend),
    methods: run.methods.map((m) => m.id),
    weights: Object.fromEntries(run.weights.map((w) => [`${w.method}.${w.term}`, w.weight])),
    teachers,
    student: {
      arch: run.config.student.arch,
      params: run.student.model.paramCount(),
      test: { last: distill.test?.last.accuracy ?? NaN, best: distill.test?.best?.accuracy ?? NaN },
      ...(distill.test?.last.groups
        ? { testGroups: { last: distill.test.last.groups, ...(distill.test.best?.groups ? { best: distill.test.best.groups } : {}) } }
        : {}),
      val: { best: distill.best?.val ?? NaN, bestEpoch: distill.best?.epoch ?? 0, last: history.at(-1)?.val?.accuracy ?? NaN },
    },
    ...(Object.keys(reported).length ? { reported } : {}),
    stages: stages.map((s) => ({ name: s.stage, epochs: s.epochs.length, completed: s.completed })),
    seconds: (Date.now() - started) / 1000,
    completed: distill.completed,
  };
}

/** Runs a teacher's recipe once (cached by its content) and returns the folder of its saved student. */
async function runRecipe(host: DependencyContainer, name: string, tc: TeacherConfig, config: RunConfig, options: RunOptions): Promise<string> {
  const depth = (options.recipeDepth ?? 0) + 1;
  const where = name === 'teacher' ? 'teacher' : `extraTeachers.${name}`;
  if (depth > MAX_RECIPE_DEPTH) throw new UserError(`${where}.recipe: recipes nested more than ${MAX_RECIPE_DEPTH} deep (does ${tc.recipe} name itself?)`);
  const log = options.log ?? (() => {});
  const { modelDir } = await ensureRecipe(
    host,
    loadRecipe(where, tc),
    config.cacheDir,
    (h, c, runDir) => runExperiment(h, c, { runDir, recipeDepth: depth, log: (line) => log(`[recipe ${c.name}] ${line}`) }),
    log,
  );
  return modelDir;
}

/** The methods' own test metrics after distillation (`report`), keyed `<method>.<name>`. */
function methodReports(run: BuiltRun): Record<string, number> {
  const out: Record<string, number> = {};
  const split = run.dataset.split('test');
  for (const m of run.methods) {
    const r = m.method.report?.({ split, batchSize: run.config.train.evalBatchSize, student: run.student.model }) ?? {};
    for (const [k, v] of Object.entries(r)) out[`${m.id}.${k}`] = v;
  }
  return out;
}

/** Continues an interrupted run from its folder (same config, same seed; finished stages are skipped). */
export async function resumeRun(host: DependencyContainer, runDir: string, options: Omit<RunOptions, 'runDir'> = {}): Promise<RunSummary> {
  const folder = new RunFolder(runDir);
  if (!folder.exists()) throw new UserError(`not a run folder (no config.json): ${runDir}`);
  const config = parseRunConfig(folder.readJson('config.json'));
  return runExperiment(host, config, { ...options, runDir });
}

/** Re-evaluates a finished run's saved student on val and test. */
export async function evalRun(host: DependencyContainer, runDir: string): Promise<{ val: number; test: number; arch: string }> {
  const folder = new RunFolder(runDir);
  if (!folder.exists()) throw new UserError(`not a run folder (no config.json): ${runDir}`);
  const config = parseRunConfig(folder.readJson('config.json'));
  await backendFor(config);
  const run = await buildRun(host, { ...config, methods: [], teacher: undefined, extraTeachers: {} });
  try {
    if (!existsSync(join(folder.studentDir, 'model.json'))) throw new UserError(`run ${runDir} has no saved student yet (unfinished run? try 'kd resume')`);
    loadModelWeights(folder.studentDir, run.student.model);
    const val = evaluateAccuracy(run.student.model, run.dataset.split('val'), config.train.evalBatchSize).accuracy;
    const test = evaluateAccuracy(run.student.model, run.dataset.split('test'), config.train.evalBatchSize).accuracy;
    return { val, test, arch: config.student.arch };
  } finally {
    disposeRun(run);
  }
}
