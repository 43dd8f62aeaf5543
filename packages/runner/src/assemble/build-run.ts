import {
  activeTerms,
  findArchitecture,
  findDataset,
  listArchitectures,
  isTrainable,
  MissingTapError,
  resolveMethod,
  resolveWeights,
  UserError,
  ConfigError,
  createRunContainer,
  type AuxModule,
  type Dataset,
  type DependencyContainer,
  type DistillationMethod,
  type MethodDescriptor,
  type Participant,
  type Role,
  type TappedModel,
  type WeightedTerm,
} from '@kd/core';
import { readModelCard } from '@kd/models';
import type { Numerics } from '@kd/tfjs-runtime';
import { join } from 'node:path';
import { canonicalJson } from '../config/canonical-json.js';
import { configPath, toConfigError } from '../config/load-config.js';
import { checkVocabulary, loadModelWeights, resolveModelDir } from './saved-model.js';
import { loadRecipe, loadRecipeConfig, recipeDone, recipeRunDir } from '../stages/recipe.js';
import type { ModelInit, ModelInits, RunConfig, TeacherConfig } from '../config/schema.js';
import { resolveRunTask, setupRunTask, TASK, taskWeightsFor, type BuiltTask } from './build-task.js';
import { checkDataNeeds } from './check-data-needs.js';
import { freezeStudent } from './student-freeze.js';
import {
  checkDisjointSources,
  initCoverage,
  initSources,
  initStudent,
  type InitTarget,
  type StudentInitReport,
} from './student-init.js';
import { buildMethodStages, type BuiltMethodStage } from './build-method-stages.js';

export { TASK } from './build-task.js';

export interface BuiltMethod {
  readonly id: string;
  readonly descriptor: MethodDescriptor;
  readonly method: DistillationMethod<any>;
  readonly hparams: Record<string, unknown>;
  readonly aux: readonly AuxModule[];
  /** The method's extra stages (run before distillation, in order) with their resolved settings. */
  readonly stages: readonly BuiltMethodStage[];
}

export interface BuiltRun {
  readonly config: RunConfig;
  readonly container: DependencyContainer;
  readonly dataset: Dataset;
  readonly teacher?: Participant;
  readonly teacherConfigs: ReadonlyMap<string, TeacherConfig>;
  readonly participants: readonly Participant[];
  readonly student: Participant;
  readonly methods: readonly BuiltMethod[];
  /** What the student is trained for and judged by (its loss terms are `task.<term>`). */
  readonly task: BuiltTask;
  /** The task's terms + every method's terms with resolved weights. */
  readonly weights: readonly WeightedTerm[];
  /** Taps each participant must return in the distillation stage. */
  readonly taps: ReadonlyMap<string, ReadonlySet<string>>;
  /** Participants the distillation stage runs: the student and every model a method reads. */
  readonly active: readonly Participant[];
  /**
   * Things that will run but probably not as meant (a train split smaller than a batch, a val or test
   * split too small to measure anything, or empty), one line each. buildRun has no logger: the
   * caller prints them before training. Empty when all is well.
   */
  readonly warnings: readonly string[];
  /**
   * What each source of `student.init` with a checkpoint loaded into the student, by source (a
   * recipe's is undefined: it loads when the run starts, after the recipe ran); empty without init.
   */
  readonly studentInits: readonly (StudentInitReport | undefined)[];
  /** The same for `teacher.init` / `extraTeachers.<name>.init`, by teacher. */
  readonly teacherInits: ReadonlyMap<string, readonly (StudentInitReport | undefined)[]>;
}

/** A val or test split with fewer samples than this measures noise (one sample is 10% of 10). */
export const SMALL_SPLIT = 10;

/**
 * The distill stage must have at least one loss term with a weight ≠ 0 (a method's own stages, such
 * as FitNets' hint stage, do not count): otherwise there is nothing to differentiate.
 */
function checkSomeTermActive(weights: readonly WeightedTerm[]): void {
  if (weights.some((w) => w.weight !== 0)) return;
  const methodTerms = weights.filter((w) => w.method !== TASK).map((w) => `${w.method}.${w.term}`);
  throw new ConfigError(
    'task.weight',
    methodTerms.length
      ? `every loss term is switched off (task.weight 0 and all method term weights 0: ${methodTerms.join(', ')}); nothing would be trained`
      : 'task.weight is 0 and no method adds a loss term, so every loss term is switched off; nothing would be trained',
  );
}

/** Refuses an empty train split; returns a one-line warning for each split too small to mean much. */
function splitWarnings(dataset: Dataset, config: RunConfig): string[] {
  const samples = (n: number) => `${n} sample${n === 1 ? '' : 's'}`;
  const train = dataset.split('train').size;
  if (train === 0)
    throw new ConfigError(
      'data.options',
      `the train split is empty (dataset '${config.data.dataset}'); there is nothing to train on`,
    );
  const warnings: string[] = [];
  if (train < config.train.batchSize) {
    warnings.push(
      `the train split has ${samples(train)}, fewer than train.batchSize (${config.train.batchSize}): each epoch is a single short step`,
    );
  }
  const what = { val: 'val accuracy and the best-by-val checkpoint are', test: 'test accuracy is' } as const;
  for (const name of ['val', 'test'] as const) {
    const n = dataset.split(name).size;
    if (n === 0) {
      warnings.push(
        name === 'val'
          ? 'the val split is empty: val accuracy reads 0 and the best checkpoint is just the first epoch (see data.options)'
          : 'the test split is empty: test accuracy reads 0 (see data.options)',
      );
    } else if (n < SMALL_SPLIT) {
      warnings.push(`the ${name} split has ${samples(n)} (fewer than ${SMALL_SPLIT}): ${what[name]} noise`);
    }
  }
  return warnings;
}

/**
 * A teacher checkpoint must exist and hold the configured architecture, options and data shape
 * (checked before any file is written); returns its folder.
 */
function checkTeacherCheckpoint(where: string, tc: TeacherConfig, config: RunConfig, dataset: Dataset): string {
  let dir: string;
  try {
    dir = resolveModelDir(configPath(config, tc.checkpoint!));
  } catch (e) {
    throw new ConfigError(`${where}.checkpoint`, (e as Error).message);
  }
  const saved = readModelCard(dir);
  checkVocabulary(`config field '${where}.checkpoint'`, dir, saved, dataset.text);
  if (
    saved.arch !== tc.arch ||
    JSON.stringify(saved.inputShape) !== JSON.stringify(dataset.inputShape) ||
    saved.numClasses !== dataset.numClasses
  ) {
    throw new ConfigError(
      `${where}.checkpoint`,
      `${dir} holds ${saved.arch} for input [${saved.inputShape}] with ${saved.numClasses} classes; the config asks for ${tc.arch} on [${dataset.inputShape}] with ${dataset.numClasses}`,
    );
  }
  if (saved.options && canonicalJson(saved.options) !== canonicalJson(tc.options)) {
    throw new ConfigError(
      `${where}.options`,
      `${canonicalJson(tc.options)} differ from the options of the model in ${dir} (${canonicalJson(saved.options)})`,
    );
  }
  return dir;
}

/** How deep recipes may name recipes (a guard against a recipe that names itself). */
export const MAX_RECIPE_DEPTH = 4;

/** The model sources a config names, by field: its teachers' and its student's init (`recipe` / `checkpoint`). */
function modelSources(
  config: RunConfig,
): [string, { readonly recipe?: string; readonly checkpoint?: string }, (() => RunConfig) | undefined][] {
  const out: [string, { recipe?: string; checkpoint?: string }, (() => RunConfig) | undefined][] = [];
  const teachers: [string, TeacherConfig | undefined][] = [
    ['teacher', config.teacher],
    ...Object.entries(config.extraTeachers).map(([k, v]): [string, TeacherConfig] => [`extraTeachers.${k}`, v]),
  ];
  for (const [where, tc] of teachers) {
    if (tc) out.push([where, tc, tc.recipe ? () => loadRecipe(where, tc, config) : undefined]);
    for (const { init, into } of initSources(tc?.init, { field: `${where}.init`, who: where }))
      out.push([
        into.field,
        init,
        init.recipe ? () => loadRecipeConfig(`${into.field}.recipe`, init.recipe!, config) : undefined,
      ]);
  }
  for (const { init, into } of initSources(config.student.init, STUDENT_INIT))
    out.push([
      into.field,
      init,
      init.recipe ? () => loadRecipeConfig(`${into.field}.recipe`, init.recipe!, config) : undefined,
    ]);
  return out;
}

/**
 * A recipe (named by `field`) and every recipe or checkpoint it names in turn (its teachers', its
 * student's init) must exist and fit, checked before any file is written (a recipe's own sources are
 * otherwise only met when it runs). A problem further down is reported at `field`, with the way to it.
 */
function checkRecipeChain(field: string, path: string, recipe: RunConfig, depth = 1): void {
  if (depth > MAX_RECIPE_DEPTH)
    throw new ConfigError(field, `recipes nested more than ${MAX_RECIPE_DEPTH} deep (does ${path} name itself?)`);
  for (const [where, source, load] of modelSources(recipe)) {
    try {
      if (load) checkRecipeChain(field, source.recipe!, load(), depth + 1);
      if (source.checkpoint) resolveModelDir(configPath(recipe, source.checkpoint));
    } catch (e) {
      if (!(e instanceof UserError) || (e instanceof ConfigError && e.path === field)) throw e;
      const inner =
        e instanceof ConfigError
          ? e.message.replace(/^config field '([^']*)': /, '$1: ')
          : `${where}.checkpoint: ${e.message}`;
      throw new ConfigError(field, `${path}: ${inner}`);
    }
  }
}

/**
 * `student.init` (one source or a list), checked before any file is written: a checkpoint is loaded
 * into the student now; a recipe and everything it names in turn must exist, and a recipe already in
 * the cache must fit the student (the run loads it when it starts, after running the recipe if need
 * be). Sources whose saved model is at hand must load disjoint variables (and, with `strict`, cover
 * the model together). Returns what each source loaded now, by source (undefined for a recipe).
 */
function checkModelInit(
  config: RunConfig,
  init: ModelInits | undefined,
  into: InitTarget,
  dataset: Dataset,
  model: TappedModel,
  numerics: Numerics | undefined,
): (StudentInitReport | undefined)[] {
  const sources = initSources(init, into);
  const checked = sources.map((s) => checkInitSource(config, s.init, s.into, dataset, model, numerics));
  const known = checked.flatMap((c) => (c ? [c.report] : []));
  checkDisjointSources(known, into.who);
  if (Array.isArray(init) && known.length === sources.length) initCoverage(sources, known);
  return checked.map((c) => (c?.now ? c.report : undefined));
}

/**
 * One source of an init, checked: a checkpoint is loaded now (`now`), a recipe already in the cache
 * loaded to check it (the run loads it again when it starts); undefined for a recipe not yet run.
 */
function checkInitSource(
  config: RunConfig,
  init: ModelInit,
  into: InitTarget,
  dataset: Dataset,
  model: TappedModel,
  numerics: Numerics | undefined,
): { report: StudentInitReport; now: boolean } | undefined {
  const field = into.field;
  if (init.checkpoint && init.recipe)
    throw new ConfigError(`${field}.recipe`, 'give either checkpoint or recipe, not both');
  if (init.checkpoint) {
    let dir: string;
    try {
      dir = resolveModelDir(configPath(config, init.checkpoint));
    } catch (e) {
      throw new ConfigError(`${field}.checkpoint`, (e as Error).message);
    }
    checkVocabulary(`config field '${field}.checkpoint'`, dir, readModelCard(dir), dataset.text);
    return { report: initStudent(model, dir, init, `checkpoint ${dir}`, into), now: true };
  }
  if (!init.recipe)
    throw new ConfigError(field, 'give checkpoint (a saved model or run folder) or recipe (a run config)');
  const recipe = loadRecipeConfig(`${field}.recipe`, init.recipe, config);
  checkRecipeChain(`${field}.recipe`, init.recipe, recipe);
  const done = numerics && recipeRunDir(config.cacheDir, recipe, numerics);
  if (done && recipeDone(done)) {
    const dir = join(done, 'student');
    checkVocabulary(`config field '${field}.recipe'`, dir, readModelCard(dir), dataset.text);
    return { report: initStudent(model, dir, init, `recipe ${init.recipe}`, into), now: false };
  }
  return undefined;
}

/** Loads a checked teacher checkpoint into the built model now, so a missing shard or a shape mismatch stops the run before it starts. */
function loadTeacherCheckpoint(where: string, dir: string, model: TappedModel): void {
  try {
    loadModelWeights(dir, model);
  } catch (e) {
    if (e instanceof UserError) throw new ConfigError(`${where}.checkpoint`, e.message);
    throw e;
  }
}

function buildModel(
  container: DependencyContainer,
  dataset: Dataset,
  arch: string,
  options: Record<string, unknown>,
  seed: number,
  where: string,
  baseDir: string | undefined,
): TappedModel {
  let a;
  try {
    a = findArchitecture(container, arch);
  } catch (e) {
    throw new ConfigError(`${where}.arch`, (e as Error).message);
  }
  try {
    return a.build({
      inputShape: dataset.inputShape,
      numClasses: dataset.numClasses,
      seed,
      options,
      data: dataset,
      baseDir,
      architectures: listArchitectures(container),
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${where}.${e.path}`, e.message.replace(/^config [^:]*: /, ''));
    throw e;
  }
}

/**
 * Validates and constructs everything a run needs, without training and without touching the disk:
 * resolves the dataset, builds teacher(s) and student, resolves each method in the run's own child
 * container, parses its hyperparameters, sets it up (auxiliary modules sized from declared taps) and
 * checks that every tap it reads exists. Any problem is a UserError naming the field or tap.
 */
export async function buildRun(
  host: DependencyContainer,
  config: RunConfig,
  /** The run's numerics, when known: a teacher recipe already trained with them is checked too. */
  numerics?: Numerics,
): Promise<BuiltRun> {
  const container = createRunContainer(host);
  let provider;
  try {
    provider = findDataset(container, config.data.dataset);
  } catch (e) {
    throw new ConfigError('data.dataset', (e as Error).message);
  }
  // Validate method ids and hparams before loading data (cheap errors first).
  const entries = config.methods.map((entry, i) => {
    let resolved;
    try {
      resolved = resolveMethod(container, entry.id);
    } catch (e) {
      throw new ConfigError(`methods[${i}].id`, (e as Error).message);
    }
    // Strict regardless of how the plugin wrote its schema: an unknown hyperparameter is a typo.
    const parsed = resolved.descriptor.hparams.strict().safeParse(entry.hparams);
    if (!parsed.success) throw toConfigError(parsed.error, `methods[${i}].hparams`);
    let weights;
    try {
      weights = resolveWeights(entry.id, resolved.descriptor.terms, entry.weights);
    } catch (e) {
      throw new ConfigError(`methods[${i}].weights`, (e as Error).message);
    }
    return { entry, i, ...resolved, hparams: parsed.data as Record<string, unknown>, weights };
  });
  const ids = entries.map((e) => e.entry.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ConfigError('methods', `method '${dup}' is listed twice`);

  const dataset = await provider
    .load(config.data.options, config.seed, { baseDir: config.baseDir })
    .catch((e: Error) => {
      if (e instanceof ConfigError)
        throw new ConfigError(
          `data.${e.path}`.replace(/^data\.data\./, 'data.'),
          e.message.replace(/^config [^:]*: /, ''),
        );
      throw e;
    });
  const runTask = resolveRunTask(container, config, dataset);
  const weights: WeightedTerm[] = [...runTask.weights, ...entries.flatMap((e) => e.weights)];
  // train.epochs 0 trains nothing, so no loss term needs to be on
  const trains = config.train.epochs > 0;
  if (trains) checkSomeTermActive(weights);
  const warnings = splitWarnings(dataset, config);
  if (!trains && !config.student.init)
    warnings.push(
      'train.epochs is 0 and the student has no init: it is evaluated with its random initial weights (give student.init to evaluate saved ones)',
    );
  if (!trains && entries.length)
    warnings.push(
      `train.epochs is 0: the main stage trains nothing, so the terms of ${entries.map((e) => `'${e.entry.id}'`).join(', ')} are never used there (their own stages run as configured)`,
    );

  const teacherConfigs = new Map<string, TeacherConfig>();
  const teacherInits = new Map<string, (StudentInitReport | undefined)[]>();
  const participants: Participant[] = [];
  let teacher: Participant | undefined;
  const declared: [string, TeacherConfig | undefined][] = [
    ['teacher', config.teacher],
    ...Object.entries(config.extraTeachers).map(([k, v]): [string, TeacherConfig] => [`extraTeachers.${k}`, v]),
  ];
  const checkpoints = new Map<string, string>();
  for (const [where, tc] of declared) {
    if (tc?.checkpoint && tc.recipe)
      throw new ConfigError(`${where}.recipe`, 'give either checkpoint or recipe, not both');
    if (tc?.init && (tc.checkpoint || tc.recipe))
      throw new ConfigError(
        `${where}.init`,
        `give either ${tc.checkpoint ? 'checkpoint' : 'recipe'} (the whole teacher) or init (part of it), not both`,
      );
    if (tc?.checkpoint) checkpoints.set(where, checkTeacherCheckpoint(where, tc, config, dataset));
    if (tc?.recipe) {
      const recipe = loadRecipe(where, tc, config);
      checkRecipeChain(`${where}.recipe`, tc.recipe, recipe);
      const done = numerics && recipeRunDir(config.cacheDir, recipe, numerics);
      // a recipe already in the cache can be checked now; a new one is checked when it has run
      if (done && recipeDone(done))
        checkVocabulary(
          `config field '${where}.recipe'`,
          join(done, 'student'),
          readModelCard(join(done, 'student')),
          dataset.text,
        );
    }
    if (tc?.cacheOutputs && tc.trainable)
      throw new ConfigError(`${where}.cacheOutputs`, 'a trainable teacher cannot use cached outputs');
    if (tc?.cacheOutputs && dataset.split('train').augments) {
      throw new ConfigError(
        `${where}.cacheOutputs`,
        "cached outputs would not match training batches that change each epoch (the dataset's augmentation or sampled pairs); turn that off or cacheOutputs off",
      );
    }
  }
  if (config.teacher) {
    const model = buildModel(
      container,
      dataset,
      config.teacher.arch,
      config.teacher.options,
      config.teacher.seed,
      'teacher',
      config.baseDir,
    );
    teacher = { name: 'teacher', role: 'teacher', model: model.setFrozen(!config.teacher.trainable) };
    teacherConfigs.set('teacher', config.teacher);
    participants.push(teacher);
    if (checkpoints.has('teacher')) loadTeacherCheckpoint('teacher', checkpoints.get('teacher')!, model);
    teacherInits.set(
      'teacher',
      checkModelInit(config, config.teacher.init, teacherInit('teacher'), dataset, model, numerics),
    );
  }
  for (const [name, tc] of Object.entries(config.extraTeachers)) {
    if (name === 'teacher' || name === 'student')
      throw new ConfigError(`extraTeachers.${name}`, 'reserved participant name');
    const model = buildModel(container, dataset, tc.arch, tc.options, tc.seed, `extraTeachers.${name}`, config.baseDir);
    participants.push({ name, role: 'teacher', model: model.setFrozen(!tc.trainable) });
    teacherConfigs.set(name, tc);
    const where = `extraTeachers.${name}`;
    if (checkpoints.has(where)) loadTeacherCheckpoint(where, checkpoints.get(where)!, model);
    teacherInits.set(name, checkModelInit(config, tc.init, teacherInit(name), dataset, model, numerics));
  }
  const studentModel = buildModel(
    container,
    dataset,
    config.student.arch,
    config.student.options,
    config.seed,
    'student',
    config.baseDir,
  );
  if (config.student.freeze) freezeStudent(studentModel, config.student.freeze);
  const studentInits = checkModelInit(config, config.student.init, STUDENT_INIT, dataset, studentModel, numerics);
  const student: Participant = { name: 'student', role: 'student', model: studentModel };
  participants.push(student);
  // terms the student cannot have (a detector without an RPN: the RPN terms) are off, or a config error
  weights.splice(
    0,
    runTask.weights.length,
    ...taskWeightsFor(runTask.task, runTask.weights, studentModel, config.task.weights),
  );
  if (trains) checkSomeTermActive(weights);
  // what the models and the task read from the data, before the task is set up (it may read facets there)
  checkDataNeeds(dataset, [
    ...participants.map((p) => ({
      who: `model '${p.name}' (${p.model.arch})`,
      keys: p.model.requiredBatchKeys(),
      facets: p.model.requiredFacets?.() ?? [],
    })),
    {
      who: `task '${runTask.descriptor.id}'`,
      keys: runTask.task.requiredBatchKeys?.() ?? [],
      facets: runTask.task.requiredFacets?.() ?? [],
    },
  ]);
  const task = setupRunTask(runTask, dataset, student, participants, (p) => teacherConfigs.get(p.name)?.evaluate);
  for (const p of participants) {
    const tc = teacherConfigs.get(p.name);
    const where = p.name === 'teacher' ? 'teacher' : `extraTeachers.${p.name}`;
    // a teacher the task cannot train needs its weights from elsewhere
    if (tc && !taskCanTrain(task, p) && !tc.checkpoint && !tc.recipe && !tc.init && p.model.namedVariables().size)
      throw new ConfigError(
        where,
        `model '${p.name}' (${p.model.arch}) has no tap ${task.task.requiredTaps().find((r) => !(r.tap in p.model.tapSpecs()))?.tap} for task '${task.id}', so the task cannot train it; give it weights with checkpoint, recipe or init`,
      );
  }

  const find = (methodId: string, role: Role, model?: string): Participant => {
    const p = model ? participants.find((q) => q.name === model) : role === 'teacher' ? teacher : student;
    if (!p) {
      if (role === 'teacher' && !model)
        throw new UserError(`method '${methodId}' needs a teacher: add a 'teacher:' section to the config`);
      throw new UserError(`method '${methodId}' refers to model '${model}', which is not in this run`);
    }
    return p;
  };
  // a teacher outside the task (a crop teacher under detection) is asked only for its methods' taps
  const taps = new Map<string, Set<string>>(
    participants.map((p) => [p.name, new Set(taskCanTrain(task, p) ? task.task.requiredTaps().map((r) => r.tap) : [])]),
  );
  const used = new Set<string>([student.name]);
  const methods: BuiltMethod[] = [];
  for (const e of entries) {
    const tapOf = (role: Role, tap: string, model?: string) => {
      const p = find(e.entry.id, role, model);
      const specs = p.model.tapSpecs();
      const spec = specs[tap];
      if (!spec) throw new MissingTapError(e.entry.id, `${p.name} (${p.model.arch})`, tap, Object.keys(specs));
      return spec;
    };
    e.method.setup({
      hparams: e.hparams,
      activeTerms: new Set(e.weights.filter((w) => w.weight !== 0).map((w) => w.term)),
      data: dataset,
      teacher,
      student,
      participants,
      tap: tapOf,
      seed: config.seed,
      architecture: (id: string) => findArchitecture(container, id),
      buildLike: (name: string, seed: number) => {
        const mc =
          name === 'student' ? config.student : name === 'teacher' ? config.teacher : config.extraTeachers[name];
        if (!mc) throw new UserError(`method '${e.entry.id}' asked for a copy of '${name}', which is not in this run`);
        return buildModel(
          container,
          dataset,
          mc.arch,
          mc.options,
          seed,
          `${name} (copy for ${e.entry.id})`,
          config.baseDir,
        );
      },
    });
    const declaredStages = e.method.stages?.() ?? [];
    // every tap is checked now; the distillation stage computes only the method's own (a method stage
    // computes its stage's taps: method-stages.ts)
    for (const req of declaredStages.flatMap((s) => s.taps)) {
      tapOf(req.role, req.tap, req.model);
      used.add(find(e.entry.id, req.role, req.model).name);
    }
    for (const req of e.method.requiredTaps()) {
      tapOf(req.role, req.tap, req.model);
      const p = find(e.entry.id, req.role, req.model);
      taps.get(p.name)!.add(req.tap);
      used.add(p.name);
    }
    const aux = e.method.auxModules();
    const stages = buildMethodStages(
      e.entry.id,
      e.i,
      declaredStages,
      e.entry.stages,
      config.train,
      participants.map((p) => p.name),
      aux,
    );
    methods.push({ id: e.entry.id, descriptor: e.descriptor, method: e.method, hparams: e.hparams, aux, stages });
    for (const stage of stages) {
      if (stage.epochs === 0) continue;
      for (const name of stage.spec.trainable) {
        const p = participants.find((q) => q.name === name);
        if (p && !isTrainable(p)) {
          warnings.push(
            `${stage.where}: stage '${stage.spec.name}' of method '${e.entry.id}' names '${name}', which is frozen: the stage leaves it untouched (weights and BN statistics)`,
          );
        }
      }
    }
  }
  const groups = new Set(['main', ...methods.flatMap((m) => m.aux.map((a) => a.group ?? 'main'))]);
  // a warning, not an error: a sweep cell without the method (FFSD's `independent`) keeps the base's groups
  for (const g of Object.keys(config.train.groups)) {
    if (!groups.has(g)) {
      warnings.push(
        `train.groups.${g}: no module of this run trains in optimizer group '${g}' (groups: ${[...groups].join(', ')}); its settings are unused`,
      );
    }
  }
  checkDataNeeds(
    dataset,
    methods.map((m) => ({
      who: `method '${m.id}'`,
      keys: m.method.requiredBatchKeys?.() ?? [],
      facets: m.method.requiredFacets?.() ?? [],
    })),
  );
  // A teacher no method reads is still prepared (its accuracy is reported) but not run each step.
  const active = participants.filter((p) => used.has(p.name) || isTrainable(p));
  return {
    config,
    container,
    dataset,
    teacher,
    teacherConfigs,
    participants,
    student,
    task,
    methods,
    weights,
    taps,
    active,
    warnings,
    studentInits,
    teacherInits,
  };
}

/** The config field and name `student.init` reports under. */
export const STUDENT_INIT: InitTarget = { field: 'student.init', who: 'student' };

/** The config field and name `teacher.init` / `extraTeachers.<name>.init` reports under. */
export function teacherInit(name: string): InitTarget {
  return { field: `${name === 'teacher' ? 'teacher' : `extraTeachers.${name}`}.init`, who: name };
}

/** Whether the run's task can train (and so judge) a model: it has every tap the task reads. */
export function taskCanTrain(task: BuiltTask, p: Participant): boolean {
  const specs = p.model.tapSpecs();
  return task.task.requiredTaps().every((r) => r.tap in specs);
}

export function methodActive(run: BuiltRun, id: string): Set<string> {
  return activeTerms(run.weights, id);
}

/** Disposes every variable the run created. */
export function disposeRun(run: BuiltRun): void {
  for (const m of run.methods) {
    m.method.dispose?.();
    for (const a of m.aux) a.module.dispose();
  }
  for (const p of run.participants) p.model.dispose();
}
