import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { parseGridArg, parseVariantArg, type GridAxis, type Variant } from '@kd/runner';
import { createRequire } from 'node:module';
import { formatListing, listing } from './commands/list.js';
import { evalCommand, resumeCommand, runCommand } from './commands/run.js';
import { sweepCommand } from './commands/sweep.js';
import { workerCommand } from './commands/worker.js';
import { sweepCollectCommand } from './queue/sweep-collect.js';
import { sweepStatusCommand } from './queue/sweep-status.js';
import { compareCommand } from './commands/compare.js';
import { reportCommand } from './commands/report.js';
import { dataPreviewCommand } from './commands/data-preview.js';
import { textCaptionsCommand } from './commands/text-captions.js';
import { textClassEmbeddingsCommand } from './commands/text-class-embeddings.js';
import { commandLine, type Io } from './io.js';
import { loadHost } from './plugins/index.js';

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function intAtLeast(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return n;
  };
}

const backendOption = () =>
  new Option('--backend <name>', 'TensorFlow.js backend (overrides the config)').choices(BACKENDS);
const quietOption = () => new Option('-q, --quiet', 'no progress output (results are still printed)');
const stopOption = () =>
  new Option('--stop-after-epochs <n>', 'stop the distill stage after n epochs (testing resume)')
    .argParser(intAtLeast(1))
    .hideHelp();

function version(): string {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The `kd` command tree. Errors surface as exceptions (exitOverride); `main` turns them into exit codes. */
export function buildProgram(io: Io, argv: readonly string[]): Command {
  const program = new Command('kd')
    .description('kd: knowledge-distillation experiments with TensorFlow.js')
    .version(version())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} })
    .showSuggestionAfterError(true);

  program
    .command('list')
    .description('list installed methods (terms, hyperparameters), architectures and datasets')
    .option('--json', 'machine-readable output')
    .option(
      '--plugin <name-or-path>',
      'also load this plugin: a package name, or a module or package folder path (repeatable)',
      collect,
      [] as string[],
    )
    .action(async (opts) => {
      const { host, plugins } = await loadHost(opts.plugin.map((spec) => ({ spec, baseDir: process.cwd() })));
      const l = listing(host, plugins);
      io.out(opts.json ? JSON.stringify(l, null, 2) + '\n' : formatListing(l));
    });

  program
    .command('run')
    .description('run one experiment from a YAML/JSON config')
    .argument('<config>', "config file (YAML or JSON; '-': read it from standard input)")
    .option(
      '--set <path=value>',
      'override a config value, e.g. methods[0].hparams.T=2 (repeatable)',
      collect,
      [] as string[],
    )
    .option('--out-dir <dir>', 'parent folder for the run folder (config outDir)')
    .option('--run-dir <dir>', 'exact run folder (an existing one is resumed)')
    .addOption(backendOption())
    .addOption(quietOption())
    .addOption(stopOption())
    .option(
      '--as-recipe',
      "train it as a recipe: into <cacheDir>/recipes/, where a teacher.recipe or init.recipe naming this file finds it (e.g. before a sweep whose runs would wait for it); prints its model's folder",
    )
    .action(async (config, opts) => {
      await runCommand(config, { ...opts, set: opts.set }, io);
    });

  const data = program.command('data').description('look at datasets');
  data
    .command('preview')
    .description("write a PNG grid of a split's first samples (images, boxes, labels, text) of a config's dataset")
    .argument('<config>', 'config file (YAML or JSON); only its data part is used')
    .option(
      '--set <path=value>',
      'override a config value, e.g. data.options.longTail.imbalance=10 (repeatable)',
      collect,
      [] as string[],
    )
    .addOption(
      new Option('--split <name>', 'which split').choices(['train', 'val', 'test'] as const).default('train' as const),
    )
    .option('--count <n>', 'how many samples', intAtLeast(1), 16)
    .option('--columns <n>', 'tiles per row (default: about square)', intAtLeast(1))
    .option('--out <file>', 'PNG path (default <outDir>/preview-<dataset>-<split>.png)')
    .action(async (config, opts) => {
      await dataPreviewCommand(config, { ...opts, set: opts.set }, io);
    });

  const text = program.command('text').description('text for vision-language methods');
  text
    .command('captions')
    .description(
      "caption a split of a config's dataset once and cache it (template captioner, or a JSON Lines file from a real VLM)",
    )
    .argument('<config>', 'config file (YAML or JSON); its data, seed and cacheDir are used')
    .option('--set <path=value>', 'override a config value (repeatable)', collect, [] as string[])
    .addOption(
      new Option('--split <name>', 'which split').choices(['train', 'val', 'test'] as const).default('train' as const),
    )
    .option('--count <n>', 'only the first n samples of the split', intAtLeast(1))
    .option('--file <captions.jsonl>', 'captions from a file: one JSON object per line, {"id": …, "captions": [...]}')
    .addOption(
      new Option('--key <kind>', "what a line's id means: the sample's source index or its index in the split")
        .choices(['source', 'index'] as const)
        .default('source' as const),
    )
    .option('--show <n>', 'print the captions of the first n samples', intAtLeast(0), 3)
    .action(async (config, opts) => {
      await textCaptionsCommand(config, { ...opts, set: opts.set }, io);
    });
  text
    .command('class-embeddings')
    .description(
      "write a CLIP-like teacher's text embeddings of its dataset's class names (prompt ensemble) to a JSON file: ViLD-text's classifier (region-detector options.classifier.embeddings)",
    )
    .argument(
      '<teacher>',
      "a finished run folder of a 'clip' model, or its config file (run once as a recipe into the cache unless there)",
    )
    .requiredOption('--out <file.json>', 'where to write {classes, dim, embeddings, source}')
    .option('--set <path=value>', 'override a value of the config file (repeatable)', collect, [] as string[])
    .option(
      '--classes-of <config>',
      "embed the class names of this config's dataset (its data section), in its order, instead of the teacher's own: a classifier for another dataset",
    )
    .action(async (teacher, opts) => {
      await textClassEmbeddingsCommand(teacher, { out: opts.out, set: opts.set, classesOf: opts.classesOf }, io);
    });

  program
    .command('eval')
    .description("re-evaluate a finished run's student on val and test")
    .argument('<run-dir>', 'run folder')
    .option('--json', 'machine-readable output')
    .action(async (runDir, opts) => {
      await evalCommand(runDir, opts, io);
    });

  program
    .command('resume')
    .description('continue an interrupted run from its last checkpoint')
    .argument('<run-dir>', 'run folder')
    .addOption(quietOption())
    .action(async (runDir, opts) => {
      await resumeCommand(runDir, opts, io);
    });

  const sweep = program
    .command('sweep')
    .description(
      'run variants × grid cells × seeds (--jobs at once, or on kd workers with --queue), skipping finished runs; write results.md, results.csv and plots',
    )
    .argument('<config>', 'base run config, or a sweep file (top-level `sweep:`)')
    .option(
      '--grid <path=v1,v2,...>',
      'sweep a config path over values, parsed like --set (repeatable; cartesian product)',
      (v: string, prev: GridAxis[]) => [...prev, parseGridArg(v)],
      [] as GridAxis[],
    )
    .option(
      '--variant <name=file|mapping>',
      "a named cell merged onto the base: an override file, or inline YAML like 'student={methods: []}' (repeatable)",
      (v: string, prev: Variant[]) => [...prev, parseVariantArg(v)],
      [] as Variant[],
    )
    .option('--set <path=value>', 'override the base config for every cell (repeatable)', collect, [] as string[])
    .option('--seeds <n>', 'seeds per cell (default 1, or the sweep file)', intAtLeast(1))
    .option('--seed-start <k>', 'first seed (default 1)', intAtLeast(0))
    .option('--out <dir>', 'parent folder of the sweep folder (default sweeps)')
    .option('--name <name>', 'sweep folder name (default: config file name)')
    .addOption(backendOption())
    .option('-j, --jobs <n>', `runs at once, each in its own process (default: the number of cores)`, intAtLeast(1))
    .option('--queue <redis-url>', 'run on kd workers through the job queue at redis://host:port[/db] instead of here')
    .option('--detach', 'with --queue: enqueue the runs and return (see kd sweep status / collect)')
    .option('--attempts <n>', 'with --queue: tries per run before it counts as failed (default 3)', intAtLeast(1))
    .addOption(quietOption())
    .addOption(stopOption())
    .action(async (config, opts) => {
      await sweepCommand(config, { ...opts, variant: opts.variant }, commandLine(argv), io);
    });
  sweep
    .command('status')
    .description("where a sweep's runs stand on the queue (or a whole queue's counts per sweep)")
    .argument('<sweep-dir|redis-url>', 'a sweep folder, or redis://host:port[/db] for every sweep on that queue')
    .option('--queue <redis-url>', "the sweep's queue with credentials (default: the one in its queue.json)")
    .action(async (target, opts) => {
      await sweepStatusCommand(target, opts, io);
    });
  sweep
    .command('collect')
    .description('write results.md and results.csv from finished run folders and completed queue jobs')
    .argument('<sweep-dir>', 'the sweep folder (sweep.json, and queue.json when it ran on a queue)')
    .option('--queue <redis-url>', "the sweep's queue with credentials (default: the one in its queue.json)")
    .action(async (dir, opts) => {
      await sweepCollectCommand(dir, opts, io);
    });

  program
    .command('worker')
    .description('run sweep runs from the job queue (kd sweep --queue), each as a child kd run, until stopped')
    .requiredOption('--queue <redis-url>', 'the job queue: redis://host:port[/db]')
    .requiredOption(
      '--out <dir>',
      'where runs go (<out>/<sweep>/<cell>/seed-<k>); point every worker at one shared folder',
    )
    .option('--concurrency <n>', 'runs at once, each in its own process (default: the number of cores)', intAtLeast(1))
    .option('--cache-dir <dir>', 'teacher and recipe cache (default <out>/.kd-cache/<host>)')
    .option(
      '--lock-seconds <s>',
      "how long a job stays taken without its worker renewing it (default 30): a killed worker's jobs return after about twice this",
      intAtLeast(1),
    )
    .action(async (opts) => {
      await workerCommand(opts, io);
    });

  program
    .command('compare')
    .description(
      'config differences (and seeds) and metrics of finished runs, side by side; or of sweep cells: mean ± std over their seeds and paired differences to the first cell',
    )
    .argument(
      '<dirs...>',
      'two or more run folders, or two or more sweep cell folders (<sweep>/<cell>, holding seed-<n> runs; the first is the reference)',
    )
    .option('--json', 'machine-readable output (fractions as fractions)')
    .action((runDirs, opts) => {
      compareCommand(runDirs, opts, io);
    });

  program
    .command('report')
    .description('one self-contained HTML page of a run or a sweep: curves, metrics, table, charts, config')
    .argument('<dir>', 'a run folder or a sweep folder')
    .option('--out <file>', 'the HTML file (default <dir>/report.html)')
    .option('--plots <dir>', "a sweep's charts as SVG files into <dir> instead (printed as markdown images)")
    .action(async (dir, opts) => {
      await reportCommand(dir, opts, io);
    });

  return program;
}
