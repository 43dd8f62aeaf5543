import { z } from '@kd/core';
import { OptimizerConfigSchema, ScheduleConfigSchema } from '@kd/trainer';

/**
 * The experiment config: one file = one run (YAML or JSON). Every object is strict (unknown keys are
 * errors) and every field has a default where one makes sense. Method hyperparameters are validated
 * afterwards by each method's own schema (so adding a method touches nothing here).
 */
const ModelSchema = z
  .object({
    arch: z.string().describe('registered architecture id, e.g. resnet20, cnn'),
    options: z.record(z.string(), z.unknown()).default({}).describe('architecture options'),
  })
  .strict();

/**
 * The same fields with no defaults, all optional: a group's settings override only what they name and
 * take the rest from the main optimizer and schedule (a default here would silently replace them).
 */
function overridesOf<T extends z.ZodRawShape>(schema: z.ZodObject<T>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
    shape[key] = (field.description ? inner.describe(field.description) : inner).optional();
  }
  return z.object(shape).strict();
}

const GroupSettingsSchema = z
  .object({
    optimizer: overridesOf(OptimizerConfigSchema).optional().describe('fields that differ from train.optimizer'),
    schedule: overridesOf(ScheduleConfigSchema).optional().describe('fields that differ from train.schedule'),
  })
  .strict();

export const TrainSettingsSchema = z
  .object({
    epochs: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe(
        "epochs of the main stage; 0 trains nothing: the student as initialised (student.init) is evaluated on val and test as a finished run's is",
      ),
    batchSize: z.number().int().positive().default(64),
    evalBatchSize: z.number().int().positive().default(500),
    optimizer: OptimizerConfigSchema.default(OptimizerConfigSchema.parse({})),
    schedule: ScheduleConfigSchema.default(ScheduleConfigSchema.parse({})),
    clipGradNorm: z.number().positive().optional().describe('global gradient-norm clipping'),
    groups: z
      .record(z.string(), GroupSettingsSchema)
      .default({})
      .describe('per optimizer-group settings (groups named by methods); unset fields follow the main optimizer'),
  })
  .strict();
export type TrainSettings = z.infer<typeof TrainSettingsSchema>;

/** A teacher that must be trained first trains for at least one epoch. */
const TeacherTrainSettingsSchema = TrainSettingsSchema.extend({
  epochs: z.number().int().positive().default(10),
});

/**
 * Where a student's initial weights come from (`student.init`): a saved model, or the saved student
 * of a recipe run (run once and cached as teacher recipes are). Variables are matched by path after
 * mapping prefixes; shapes must match.
 */
export const StudentInitSchema = z
  .object({
    checkpoint: z
      .string()
      .optional()
      .describe('a saved model folder, or a run folder (its student/), whose variables initialise the student'),
    recipe: z
      .string()
      .optional()
      .describe(
        'the run config whose saved student initialises this one; it runs once and is cached by its content under <cacheDir>/recipes/',
      ),
    map: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        "saved path prefix → student path prefix (whole path segments; '' is the whole model), e.g. {'': encoder} loads a saved model into the student's encoder; " +
          'only mapped variables load. Default: every saved variable at its own path',
      ),
    exclude: z
      .array(z.string())
      .optional()
      .describe(
        "saved path prefixes (whole path segments) left out before mapping, e.g. ['vl.cls'] to keep a pre-trained model's class head out of a model with another head; they are not 'unused'",
      ),
    strict: z
      .boolean()
      .optional()
      .describe(
        'every student variable must be initialised, and every selected saved variable must find its place (default false: report them)',
      ),
  })
  .strict();
export type StudentInit = z.infer<typeof StudentInitSchema>;
/** `teacher.init` reads as `student.init` does (the same schema and loader), for the teacher's variables. */
export type ModelInit = StudentInit;

/**
 * `student.init` / `teacher.init`: one source, or a list of sources that each load their mapped
 * variables (e.g. a detector from one run, an image tower from a CLIP recipe); no model variable may
 * be initialised by two of them.
 */
export const ModelInitsSchema = z.union([
  StudentInitSchema,
  z.array(StudentInitSchema).min(1, 'a list of init sources needs at least one (or leave init out)'),
]);
/** An init in either form: one source, or a list of them. */
export type ModelInits = z.infer<typeof ModelInitsSchema>;

/** The student: its model, and optionally where its weights start and which parts stay frozen. */
export const StudentSchema = ModelSchema.extend({
  init: ModelInitsSchema.optional().describe(
    'initialise (part of) the student from saved weights: {checkpoint | recipe, map?, strict?}, or a list of such sources, each loading its mapped variables (a variable loaded by two sources is an error)',
  ),
  freeze: z
    .array(
      z
        .string()
        .min(
          1,
          "a path prefix names a sub-module (e.g. 'encoder', 'conv1'); to freeze the whole student, train nothing",
        ),
    )
    .optional()
    .describe(
      "sub-modules (dotted paths, e.g. 'encoder', 'layer1.0') that do not train: no gradient, batch norm on its running statistics",
    ),
}).strict();
export type StudentConfig = z.infer<typeof StudentSchema>;

export const TeacherSchema = ModelSchema.extend({
  checkpoint: z
    .string()
    .optional()
    .describe('load trained weights from this folder (a run folder, or a saved model folder)'),
  recipe: z
    .string()
    .optional()
    .describe(
      'the run config that trains this teacher (its student); it runs once and is cached by its content under <cacheDir>/recipes/',
    ),
  init: ModelInitsSchema.optional().describe(
    "initialise (part of) the teacher from saved weights as student.init does: {checkpoint | recipe, map?, strict?} or a list of them, e.g. a crop teacher's image tower from a CLIP recipe ({map: {image: image}}); a teacher the task can train is then trained from them, one it cannot is used as loaded",
  ),
  evaluate: z
    .boolean()
    .optional()
    .describe(
      "judge the teacher by the run's task (default: when its model has the task's taps; false: never; true: its taps are required)",
    ),
  seed: z.number().int().min(0).default(0).describe('teacher init/data seed (fixed across student seeds by default)'),
  trainable: z.boolean().default(false).describe('train the teacher together with the student (no gradient stop)'),
  train: TeacherTrainSettingsSchema.default(TeacherTrainSettingsSchema.parse({})).describe(
    'settings when the teacher must be trained first',
  ),
  cache: z
    .boolean()
    .default(true)
    .describe('reuse a teacher trained earlier with the same data, model, seed and settings'),
  cacheOutputs: z
    .boolean()
    .default(false)
    .describe(
      "precompute the teacher's taps once per training sample instead of a forward pass every step (needs augmentation off)",
    ),
}).strict();
export type TeacherConfig = z.infer<typeof TeacherSchema>;

/**
 * One method stage's settings. Every field is optional and has no default, so a config that does not
 * name it reads (and hashes, for caches and recipes) as before: the stage then runs as it always
 * did — the method's epochs, `train`'s optimizer at a constant learning rate, the stage's default
 * term weights, no evaluation.
 */
export const MethodStageSchema = z
  .object({
    epochs: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("the stage's epochs (default: the method's; 0 skips the stage)"),
    batchSize: z.number().int().positive().optional().describe('default: train.batchSize'),
    optimizer: overridesOf(OptimizerConfigSchema).optional().describe('fields that differ from train.optimizer'),
    schedule: overridesOf(ScheduleConfigSchema)
      .optional()
      .describe(
        "fields that differ from the stage's default schedule: train.schedule with type constant and no warm-up (a constant learning rate)",
      ),
    clipGradNorm: z
      .number()
      .positive()
      .optional()
      .describe('global gradient-norm clipping (default: train.clipGradNorm)'),
    groups: z
      .record(z.string(), GroupSettingsSchema)
      .optional()
      .describe(
        "per optimizer-group settings in this stage (groups of the aux modules it trains), over this stage's optimizer and schedule and train.groups.<group>",
      ),
    weights: z
      .record(
        z.string(),
        z.number().min(0, 'a term weight must be ≥ 0 (0 switches the term off; a negative weight would maximise it)'),
      )
      .optional()
      .describe("weights of the stage's terms (default: the stage's own); 0 switches a term off"),
    evaluate: z
      .boolean()
      .optional()
      .describe(
        "evaluate the student by the run's task on val after every epoch of the stage (logged like the distillation stage); default false",
      ),
  })
  .strict();
export type MethodStageSettings = z.infer<typeof MethodStageSchema>;

export const MethodEntrySchema = z
  .object({
    id: z.string().describe('method id (see `kd list`)'),
    hparams: z.record(z.string(), z.unknown()).default({}),
    weights: z
      .record(
        z.string(),
        z.number().min(0, 'a term weight must be ≥ 0 (0 switches the term off; a negative weight would maximise it)'),
      )
      .default({})
      .describe('term weights (finite, ≥ 0); 0 switches a term off'),
    stages: z
      .record(z.string(), MethodStageSchema)
      .default({})
      .describe("settings of the method's own stages (e.g. FitNets' hint), by stage name"),
  })
  .strict();

export const RunConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
      .default('run'),
    seed: z.number().int().min(0).default(1),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    threads: z
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .describe(
        "threads for kd's native kernels (default: KD_THREADS, else every core; a sweep's runs share the cores); results do not depend on it",
      ),
    outDir: z.string().default('runs'),
    cacheDir: z.string().default('.kd-cache'),
    baseDir: z
      .string()
      .optional()
      .describe(
        'folder that relative file paths in this config (teacher checkpoint and recipe, dataset and model files) are resolved against; ' +
          "kd sets it to the config file's folder (outDir and cacheDir stay relative to where kd runs)",
      ),
    plugins: z
      .array(z.string().min(1, 'a plugin is a package name or a path'))
      .default([])
      .describe(
        'plugins to load besides the installed ones (packages whose package.json says "kd": {"plugin": true}): ' +
          'package names, or paths to a module or package folder relative to this config file',
      ),
    data: z
      .object({
        dataset: z.string().default('mnist'),
        options: z.record(z.string(), z.unknown()).default({}),
      })
      .strict()
      .default({ dataset: 'mnist', options: {} }),
    teacher: TeacherSchema.optional(),
    extraTeachers: z
      .record(z.string(), TeacherSchema)
      .default({})
      .describe('further frozen teachers, by participant name'),
    student: StudentSchema,
    train: TrainSettingsSchema.default(TrainSettingsSchema.parse({})),
    task: z
      .object({
        id: z
          .string()
          .optional()
          .describe(
            "the task the student is trained for and judged by (`kd list`); default: the dataset's task (classification, or multi-label for scenes)",
          ),
        hparams: z.record(z.string(), z.unknown()).default({}).describe("the task's hyperparameters"),
        weights: z
          .record(z.string(), z.number().min(0, 'a term weight must be ≥ 0 (0 switches the term off)'))
          .default({})
          .describe('weights of the task terms (task.<term>; 0 switches a term off)'),
        weight: z
          .number()
          .min(0)
          .default(1)
          .describe(
            'γ, multiplies every task term (0: the student has no loss of its own, e.g. when a method brings the objective)',
          ),
      })
      .strict()
      .default({ hparams: {}, weights: {}, weight: 1 }),
    methods: z.array(MethodEntrySchema).default([]),
  })
  .strict();

export type RunConfig = z.infer<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;
