import { InterruptedError, UserError, type DependencyContainer, type Metrics, type Module } from '@kd/core';
import {
  backendSummary,
  defaultNativeThreads,
  nativeAddonReport,
  numericsLabel,
  numericsOf,
  selectBackend,
  setNativeThreads,
  type BackendReport,
  type Numerics,
} from '@kd/tfjs-runtime';
import { readModelCard, saveTappedModelSync } from '@kd/models';
import type { EpochRecord, EventSink, StageResult, TrainEvent } from '@kd/trainer';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export type { RunSummary } from './folder/run-summary.js';
import {
  buildRun,
  disposeRun,
  MAX_RECIPE_DEPTH,
  STUDENT_INIT,
  teacherInit,
  type BuiltRun,
} from './assemble/build-run.js';
import { checkVocabulary, loadModelWeights } from './assemble/saved-model.js';
import {
  checkDisjointSources,
  describeInitCoverage,
  describeStudentInit,
  initCoverage,
  initSources,
  initStudent,
  type InitSource,
  type InitTarget,
  type StudentInitReport,
} from './assemble/student-init.js';
import { parseRunConfig } from './config/load-config.js';
import { sameRun } from './config/same-run.js';
import type { ModelInits, RunConfig } from './config/schema.js';
import { environmentRecord } from './folder/environment.js';
import { lockOwner, tryLock } from './folder/pid-lock.js';
import { RunFolder } from './folder/run-folder.js';
import { upgradeSummary, type RunSummary } from './folder/run-summary.js';
import { formatMetric } from './metric-format.js';
import { evaluateByTask } from './stages/task-evaluation.js';
import { writeEntryManifest } from './stages/cache-entry.js';
import { CachedOutputs } from './stages/cached-outputs.js';
import { runDistillStage } from './stages/distill-stage.js';
import { evaluateInitialised, type InitialEvaluation } from './stages/initial-evaluation.js';
import { runMethodStages } from './stages/method-stages.js';
import { ensureRecipe, loadRecipe, loadRecipeConfig, recipeKey } from './stages/recipe.js';
import type { StageContext } from './stages/stage-settings.js';
import { prepareTeacher, teacherInitKey, type TeacherOutcome } from './stages/teacher-stage.js';

export interface RunOptions {
  /** Where to write the run; default a new folder `<outDir>/<name>-s<seed>-<timestamp>[-n]`. */
  readonly runDir?: string;
  readonly events?: EventSink;
  /** Human-readable progress lines (stage changes, results, warnings). */
  readonly log?: (line: string) => void;
  /** Stop the distill stage after this many epochs (for interruption tests). */
  readonly stopAfterEpochs?: number;
  /** Aborted on Ctrl-C / SIGTERM: the run stops before its next training step, resumable. */
  readonly signal?: AbortSignal;
  /** How many recipe runs this run is nested in (a guard against recipes that name themselves). */
  readonly recipeDepth?: number;
}

async function backendFor(config: RunConfig): Promise<BackendReport> {
  try {
    const report = await selectBackend({ backend: config.backend });
    if (report.native?.state === 'used') {
      // per run (an earlier run in this process may have set others): the config's, else the default
      setNativeThreads(config.threads ?? defaultNativeThreads());
      report.native = nativeAddonReport();
    }
    return report;
  } catch (e) {
    throw new UserError(`backend '${config.backend}': ${(e as Error).message}`);
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new InterruptedError();
}

/** The stored summary when `runDir` holds this run, finished (nothing to do); otherwise undefined. */
function finishedRun(runDir: string, config: RunConfig): RunSummary | undefined {
  const folder = new RunFolder(runDir);
  if (!folder.exists() || !existsSync(folder.summaryPath)) return undefined;
  try {
    if (!sameRun(parseRunConfig(folder.readJson('config.json')), config)) return undefined; // refused by openFolder
    const summary = upgradeSummary(folder.readJson('summary.json'));
    return summary.completed ? summary : undefined;
  } catch {
    return undefined; // openFolder names the problem
  }
}

/** Has this folder any training progress (a checkpoint of any stage)? */
function hasProgress(folder: RunFolder): boolean {
  return existsSync(folder.checkpointsDir) && readdirSync(folder.checkpointsDir).length > 0;
}

/** Another live process is running in this run folder (e.g. a second sweep on the same sweep folder). */
export class RunBusyError extends UserError {
  override readonly name = 'RunBusyError';
  constructor(
    readonly runDir: string,
    readonly owner: number,
  ) {
    super(
      `${runDir} is in use by another kd process${owner > 0 ? ` (pid ${owner})` : ''}; wait for it, or choose another --run-dir`,
    );
  }
}

/** The lock file inside a run folder that marks it as in use by one process. */
export const RUN_LOCK = '.kd-run.lock';

/** A run's own log (its progress and messages) when a sweep runs it in a child process. */
export const RUN_LOG = 'log.txt';

interface OpenedFolder {
  readonly folder: RunFolder;
  readonly resuming: boolean;
  /** Created by this call (so it may be removed again if the run fails before any training). */
  readonly created: boolean;
  readonly release: () => void;
}

/**
 * The run folder to use, locked for this process: an existing run of the same config is resumed; one
 * of another config is refused; otherwise a new folder is created exclusively (two runs started in
 * the same second get two folders). Throws before anything is written.
 */
function openFolder(config: RunConfig, runDir: string | undefined): OpenedFolder {
  const folder =
    runDir === undefined
      ? RunFolder.createUnique(config.outDir, `${config.name}-s${config.seed}-${RunFolder.stamp()}`)
      : new RunFolder(runDir);
  const created = runDir === undefined || (!existsSync(runDir) && RunFolder.createExclusive(runDir));
  // lock first, then look: another process that holds the folder may be writing into it right now
  const lock = join(folder.dir, RUN_LOCK);
  const release = tryLock(lock);
  if (!release) throw new RunBusyError(folder.dir, lockOwner(lock) ?? -1);
  try {
    if (folder.exists()) {
      let stored: RunConfig;
      try {
        stored = parseRunConfig(folder.readJson('config.json'));
      } catch {
        throw new UserError(
          `${folder.configPath} is not a valid run config; choose another --run-dir or delete ${folder.dir}`,
        );
      }
      if (!sameRun(stored, config)) {
        throw new UserError(
          `${folder.dir} holds a run of a different config (its config.json); resume it with 'kd resume ${folder.dir}', or choose another --run-dir`,
        );
      }
      return { folder, resuming: true, created, release };
    }
    // a folder without a run may hold only what a crashed start left: its lock and half-written files
    const stray = readdirSync(folder.dir).filter(
      (f) => !f.startsWith(RUN_LOCK) && f !== RUN_LOG && !/\.tmp-\d+$/.test(f),
    );
    if (stray.length)
      throw new UserError(`${folder.dir} is not empty and holds no run (no config.json); choose another --run-dir`);
    return { folder, resuming: false, created, release };
  } catch (e) {
    release();
    if (created) folder.remove();
    throw e;
  }
}

/**
 * Runs one experiment: validate and build everything (no disk writes), then create the run folder,
 * give teachers their weights (load, cache, or train), run the methods' extra stages, distill, and
 * write summary.json. Calling it again on the same folder resumes from the last checkpoint; on a
 * finished run it returns the stored summary and writes nothing.
 */
export async function runExperiment(
  host: DependencyContainer,
  config: RunConfig,
  options: RunOptions = {},
): Promise<RunSummary> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const backend = await backendFor(config);
  const numerics = numericsOf(backend);
  const done = options.runDir !== undefined ? finishedRun(options.runDir, config) : undefined;
  if (done) {
    log(`${options.runDir} has finished; nothing to do (its summary.json is kept)`);
    return done;
  }
  const run = await buildRun(host, config, numerics);
  const cachedModels: CachedOutputs[] = [];
  let opened: OpenedFolder | undefined;
  try {
    throwIfAborted(options.signal);
    opened = openFolder(config, options.runDir);
    // another process may have finished this run between the check above and taking the lock
    // (building takes seconds): then there is nothing to do, and nothing is written
    const finishedMeanwhile = finishedRun(opened.folder.dir, config);
    if (finishedMeanwhile) {
      log(`${opened.folder.dir} has finished; nothing to do (its summary.json is kept)`);
      return finishedMeanwhile;
    }
    const { folder, resuming } = opened;
    for (const w of run.warnings) log(`warning: ${w}`);
    // where things go, absolute: `kd resume` from another folder finds the same cache
    if (!resuming)
      folder.writeJson('config.json', {
        ...config,
        outDir: resolve(config.outDir),
        cacheDir: resolve(config.cacheDir),
      });
    folder.writeJson(
      resuming ? `environment.resume-${RunFolder.stamp()}.json` : 'environment.json',
      environmentRecord(backend),
    );
    let segmentEpochSeconds = 0; // the epochs this process trained (a resumed run's earlier ones are on record)
    const events: EventSink = (e) => {
      if (e.type === 'epoch') {
        folder.appendMetric({ type: 'epoch', ...e.record });
        segmentEpochSeconds += e.record.seconds;
      } else if (e.type === 'step') {
        // per-step curves (total loss, learning rate) for reports; the terms are per epoch
        const { stage, epoch, step, stepsPerEpoch, loss, lr } = e;
        folder.appendMetric({ type: 'step', stage, epoch, step, stepsPerEpoch, loss, lr });
      } else {
        // a resumed stage logs its epochs again from startEpoch: keep one record per epoch
        if (e.type === 'stage-start' && e.startEpoch !== undefined) folder.dropEpochRecords(e.stage, e.startEpoch);
        folder.appendMetric({ ...e, time: new Date().toISOString() });
      }
      options.events?.(e);
    };
    const ctx: StageContext = { runDir: folder.dir, events, signal: options.signal };
    // the student's initial weights first: a recipe that does not fit stops the run before any teacher trains
    await loadInits(
      host,
      run,
      run.student.model,
      config.student.init,
      STUDENT_INIT,
      run.studentInits,
      numerics,
      options,
    );
    run.student.model.initialised?.();
    const teachers: TeacherOutcome[] = [];
    for (const p of run.participants.filter((q) => q.role === 'teacher')) {
      const tc = run.teacherConfigs.get(p.name)!;
      const where = p.name === 'teacher' ? 'teacher' : `extraTeachers.${p.name}`;
      const recipeDir = tc.recipe
        ? await runRecipe(host, `${where}.recipe`, loadRecipe(where, tc, config), config, numerics, options)
        : undefined;
      const init = await initTeacher(host, run, p.name, numerics, options);
      const t = await prepareTeacher(
        p,
        tc,
        config,
        run.dataset,
        { ...ctx, numerics, log, task: run.task },
        recipeDir,
        init,
      );
      const judged = t.metrics
        ? `test ${formatMetric(run.task.primary, t.metrics[run.task.primary.name])}`
        : `not judged by task '${run.task.id}': ${t.unjudged}`;
      log(`${p.name}: ${t.arch} (${t.params.toLocaleString('en-US')} params) ${t.source} from ${t.path}, ${judged}`);
      teachers.push(t);
    }
    const stages: StageResult[] = await runMethodStages(run, ctx);
    throwIfAborted(options.signal);
    if (config.train.epochs === 0) log('train.epochs is 0: the student is evaluated as initialised, not trained');
    const participants = (config.train.epochs === 0 ? [] : run.active).map((p) => {
      if (p.role !== 'teacher' || !run.teacherConfigs.get(p.name)?.cacheOutputs) return p;
      const cached = CachedOutputs.precompute(
        p.model,
        run.dataset.split('train'),
        run.taps.get(p.name)!,
        config.train.evalBatchSize,
      );
      cachedModels.push(cached);
      log(
        `${p.name}: outputs cached for ${run.dataset.split('train').size} training samples (${[...run.taps.get(p.name)!].join(', ')})`,
      );
      return { ...p, model: cached };
    });
    const distill: StageResult | InitialEvaluation =
      config.train.epochs === 0
        ? evaluateInitialised(run, ctx)
        : await runDistillStage(run, { ...ctx, stopAfterEpochs: options.stopAfterEpochs }, participants);
    stages.push(distill);
    const reported = distill.completed ? methodReports(run) : {};
    for (const [k, v] of Object.entries(reported)) log(`${k}: ${(v * 100).toFixed(2)}%`);
    const seconds = runSeconds(folder, started, segmentEpochSeconds);
    const summary = summarize(run, folder, backend, numerics, teachers, stages, distill, seconds, reported);
    if (distill.completed) {
      saveTappedModelSync(run.student.model, folder.studentDir, {
        arch: config.student.arch,
        options: config.student.options,
        inputShape: run.dataset.inputShape,
        numClasses: run.dataset.numClasses,
        ...(run.dataset.text?.vocabularyId ? { vocabularyId: run.dataset.text.vocabularyId } : {}),
        metrics: { test: summary.student.test, val: summary.student.val },
        numerics: summary.numerics,
      });
      writeEntryManifest(folder.studentDir); // a later reader (a recipe's user) can verify it
      folder.writeJson('summary.json', summary);
    }
    return summary;
  } catch (e) {
    const progress = opened !== undefined && hasProgress(opened.folder);
    // a folder this call created that holds no training yet is removed: a failed start leaves nothing
    if (opened?.created && !progress) {
      opened.release();
      opened.folder.remove();
    }
    if (e instanceof InterruptedError && !options.recipeDepth) {
      e.resumeHint =
        opened && (progress || opened.resuming)
          ? `the run folder is resumable: kd resume ${opened.folder.dir}`
          : 'run the same command again to continue (a teacher recipe in training keeps its progress)';
    }
    throw e;
  } finally {
    opened?.release();
    for (const c of cachedModels) c.dispose();
    disposeRun(run);
  }
}

/**
 * A teacher's `init`: a checkpoint's was loaded when the run was built; a recipe's runs (once, cached)
 * and loads now. Returns the folder loaded (a list's, joined by ', ') and its content key for the
 * teacher cache (a list's: one key per source), none without init.
 */
async function initTeacher(
  host: DependencyContainer,
  run: BuiltRun,
  name: string,
  numerics: Numerics,
  options: RunOptions,
): Promise<{ dir: string; key: unknown } | undefined> {
  const init = run.teacherConfigs.get(name)?.init;
  if (!init) return undefined;
  const model = run.participants.find((p) => p.name === name)!.model;
  const loaded = await loadInits(
    host,
    run,
    model,
    init,
    teacherInit(name),
    run.teacherInits.get(name) ?? [],
    numerics,
    options,
  );
  const keys = loaded.map(({ source, report, recipe }) =>
    teacherInitKey(source.init, recipe ? { recipeKey: recipeKey(recipe, numerics) } : { checkpoint: report.dir }),
  );
  // the single-object form keeps its key (a teacher cached before lists of sources existed stays valid)
  return {
    dir: loaded.map((l) => l.report.dir).join(', '),
    key: Array.isArray(init) ? keys : keys[0],
  };
}

/**
 * Loads an init's sources into `model` in order — a checkpoint's was loaded when the run was built
 * (`built`), a recipe runs (once, cached) and loads now — logs one line per source (and, for a list,
 * what none of them initialised), and checks that no two sources load the same variable.
 */
async function loadInits(
  host: DependencyContainer,
  run: BuiltRun,
  model: Module,
  init: ModelInits | undefined,
  into: InitTarget,
  built: readonly (StudentInitReport | undefined)[],
  numerics: Numerics,
  options: RunOptions,
): Promise<{ source: InitSource; report: StudentInitReport; recipe?: RunConfig }[]> {
  const log = options.log ?? (() => {});
  const sources = initSources(init, into);
  const loaded: { source: InitSource; report: StudentInitReport; recipe?: RunConfig }[] = [];
  for (const [i, source] of sources.entries()) {
    const { init: s, into: at } = source;
    if (s.recipe) {
      const recipe = loadRecipeConfig(`${at.field}.recipe`, s.recipe, run.config);
      const dir = await runRecipe(host, `${at.field}.recipe`, recipe, run.config, numerics, options);
      checkVocabulary(`config field '${at.field}.recipe'`, dir, readModelCard(dir), run.dataset.text);
      loaded.push({ source, report: initStudent(model, dir, s, `recipe ${s.recipe}`, at), recipe });
    } else loaded.push({ source, report: built[i]! });
  }
  const reports = loaded.map((l) => l.report);
  checkDisjointSources(reports, into.who);
  const missing = Array.isArray(init) ? initCoverage(sources, reports) : undefined;
  for (const r of reports) log(describeStudentInit(r, into.who));
  if (missing) log(describeInitCoverage(reports, missing, into.who));
  return loaded;
}

/**
 * A run's time over all the processes that trained it: this one's wall time since `started`, plus
 * the epochs that earlier processes trained and metrics.jsonl keeps (a resumed run's summary counts
 * them; an epoch cut short by a kill and trained again counts once, as the run does).
 */
function runSeconds(folder: RunFolder, started: number, segmentEpochSeconds: number): number {
  const recorded = folder
    .metrics()
    .filter((r) => r['type'] === 'epoch' && typeof r['seconds'] === 'number')
    .reduce((sum, r) => sum + (r['seconds'] as number), 0);
  return (Date.now() - started) / 1000 + Math.max(0, recorded - segmentEpochSeconds);
}

function summarize(
  run: BuiltRun,
  folder: RunFolder,
  backend: BackendReport,
  numerics: Numerics,
  teachers: TeacherOutcome[],
  stages: StageResult[],
  distill: StageResult | InitialEvaluation,
  seconds: number,
  reported: Record<string, number>,
): RunSummary {
  const history: readonly EpochRecord[] = distill.epochs;
  // train.epochs 0: no epoch, the initialised student's val metrics are both the best and the last
  const initial = 'val' in distill ? distill.val : undefined;
  return {
    name: run.config.name,
    runDir: folder.dir,
    seed: run.config.seed,
    backend: backend.backend,
    backendSummary: backendSummary(backend),
    numerics: numericsLabel(numerics),
    task: { id: run.task.id, primary: run.task.primary.name, metrics: run.task.metrics },
    methods: run.methods.map((m) => m.id),
    weights: Object.fromEntries(run.weights.map((w) => [`${w.method}.${w.term}`, w.weight])),
    teachers,
    student: {
      arch: run.config.student.arch,
      params: run.student.model.paramCount(),
      test: { last: distill.test?.last ?? {}, best: distill.test?.best ?? distill.test?.last ?? {} },
      val: {
        best: initial ?? history.find((e) => e.epoch === distill.best?.epoch)?.val ?? {},
        bestEpoch: distill.best?.epoch ?? 0,
        last: initial ?? history.at(-1)?.val ?? {},
      },
    },
    ...(Object.keys(reported).length ? { reported } : {}),
    stages: stages.map((s) => ({ name: s.stage, epochs: s.epochs.length, completed: s.completed })),
    seconds,
    completed: distill.completed,
  };
}

/** A recipe run's progress event, its stage named `recipe <name> › <stage>`. */
function inRecipe(name: string, e: TrainEvent): TrainEvent {
  const stage = (s: string) => `recipe ${name} › ${s}`;
  return e.type === 'epoch'
    ? { ...e, record: { ...e.record, stage: stage(e.record.stage) } }
    : { ...e, stage: stage(e.stage) };
}

/** Runs a recipe (named by `field`) once, cached by its content and numerics, and returns the folder of its saved student. */
async function runRecipe(
  host: DependencyContainer,
  field: string,
  recipe: RunConfig,
  config: RunConfig,
  numerics: Numerics,
  options: RunOptions,
): Promise<string> {
  const depth = (options.recipeDepth ?? 0) + 1;
  if (depth > MAX_RECIPE_DEPTH)
    throw new UserError(
      `${field}: recipes nested more than ${MAX_RECIPE_DEPTH} deep (does ${recipe.name} name itself?)`,
    );
  const log = options.log ?? (() => {});
  const { modelDir } = await ensureRecipe(host, recipe, {
    cacheDir: config.cacheDir,
    numerics,
    run: (h, c, runDir) =>
      runExperiment(h, c, {
        runDir,
        recipeDepth: depth,
        signal: options.signal,
        log: (line) => log(`[recipe ${c.name}] ${line}`),
        // the recipe's epochs show as the run's do, its stages named after it
        events: options.events && ((e) => options.events!(inRecipe(c.name, e))),
      }),
    log,
    signal: options.signal,
  });
  return modelDir;
}

/** The methods' own test metrics after distillation (`report`), keyed `<method>.<name>`. */
function methodReports(run: BuiltRun): Record<string, number> {
  const out: Record<string, number> = {};
  const split = run.dataset.split('test');
  for (const m of run.methods) {
    const r =
      m.method.report?.({
        split,
        batchSize: run.config.train.evalBatchSize,
        student: run.student.model,
        participants: run.participants,
      }) ?? {};
    for (const [k, v] of Object.entries(r)) out[`${m.id}.${k}`] = v;
  }
  return out;
}

/** Continues an interrupted run from its folder (same config, same seed; finished stages are skipped). */
export async function resumeRun(
  host: DependencyContainer,
  runDir: string,
  options: Omit<RunOptions, 'runDir'> = {},
): Promise<RunSummary> {
  const folder = new RunFolder(runDir);
  if (!folder.exists()) throw new UserError(`not a run folder (no config.json): ${runDir}`);
  const config = parseRunConfig(folder.readJson('config.json'));
  return runExperiment(host, config, { ...options, runDir });
}

/**
 * Builds a finished run's student (by its saved config: its dataset, no methods or teachers) with its
 * saved weights, hands the built run to `use`, and disposes it.
 */
export async function withSavedStudent<T>(
  host: DependencyContainer,
  runDir: string,
  use: (run: BuiltRun) => T | Promise<T>,
): Promise<T> {
  const folder = new RunFolder(runDir);
  if (!folder.exists()) throw new UserError(`not a run folder (no config.json): ${runDir}`);
  const config = parseRunConfig(folder.readJson('config.json'));
  await backendFor(config);
  // the saved student is loaded below: its initial weights (student.init) do not matter here
  const { init: _init, ...student } = config.student;
  const run = await buildRun(host, {
    ...config,
    student,
    methods: [],
    teacher: undefined,
    extraTeachers: {},
    task: { ...config.task, weights: {}, weight: 1 },
  });
  try {
    if (!existsSync(join(folder.studentDir, 'model.json')))
      throw new UserError(`run ${runDir} has no saved student yet (unfinished run? try 'kd resume')`);
    loadModelWeights(folder.studentDir, run.student.model);
    return await use(run);
  } finally {
    disposeRun(run);
  }
}

/**
 * The run folder of a config's run as a recipe (`kd run --as-recipe`): trained once into
 * `<cacheDir>/recipes/` unless it is there already (resumed if interrupted) — the same cache entry a
 * teacher's `recipe: <config>` or an `init.recipe` naming its file uses (same numerics). Training the
 * recipes of a chain first lets a sweep's parallel runs find them instead of waiting on one another.
 */
export async function recipeRun(
  host: DependencyContainer,
  recipe: RunConfig,
  options: Pick<RunOptions, 'log' | 'signal' | 'events'> = {},
): Promise<string> {
  const numerics = numericsOf(await backendFor(recipe));
  const modelDir = await runRecipe(host, 'recipe', recipe, recipe, numerics, options);
  return dirname(modelDir);
}

/** Re-evaluates a finished run's saved student on val and test by the run's task. */
export async function evalRun(
  host: DependencyContainer,
  runDir: string,
): Promise<{ val: Metrics; test: Metrics; arch: string; task: RunSummary['task'] }> {
  return withSavedStudent(host, runDir, (run) => {
    const score = (split: 'val' | 'test') =>
      evaluateByTask(
        run.task,
        run.dataset,
        run.student.model,
        run.dataset.split(split),
        run.config.train.evalBatchSize,
      );
    return {
      val: score('val'),
      test: score('test'),
      arch: run.config.student.arch,
      task: { id: run.task.id, primary: run.task.primary.name, metrics: run.task.metrics },
    };
  });
}
