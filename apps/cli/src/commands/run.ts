import { UserError } from '@kd/core';
import { resolve } from 'node:path';
import {
  evalRun,
  formatMetric,
  loadConfigFile,
  parseRunConfig,
  resumeRun,
  RunFolder,
  recipeRun,
  runExperiment,
  type RunConfig,
} from '@kd/runner';
import { stopOnSignals } from '../interrupts.js';
import type { Io } from '../io.js';
import { loadHost, pluginRequests, type PluginRequest } from '../plugins/index.js';
import { createReporter } from '../progress/index.js';
import { formatSummary } from '../results.js';
import { stopWithParent } from '../stop-with-parent.js';

export interface RunFlags {
  readonly set: readonly string[];
  readonly outDir?: string;
  readonly runDir?: string;
  readonly backend?: RunConfig['backend'];
  readonly quiet?: boolean;
  readonly stopAfterEpochs?: number;
  readonly asRecipe?: boolean;
}

/** `--out-dir` and `--backend` are config fields too: applied as the last overrides, validated alike. */
export function overrides(flags: Pick<RunFlags, 'set' | 'outDir' | 'backend'>): string[] {
  return [
    ...flags.set,
    ...(flags.outDir !== undefined ? [`outDir=${JSON.stringify(flags.outDir)}`] : []),
    ...(flags.backend !== undefined ? [`backend=${flags.backend}`] : []),
  ];
}

/** `kd run <config>`: load and validate (nothing written yet), run, print the results. */
export async function runCommand(configPath: string, flags: RunFlags, io: Io): Promise<void> {
  if (flags.asRecipe && (flags.runDir !== undefined || flags.stopAfterEpochs !== undefined)) {
    throw new UserError('--as-recipe trains into the recipe cache: it takes neither --run-dir nor --stop-after-epochs');
  }
  const config = loadConfigFile(configPath, overrides(flags));
  const { host } = await loadHost(pluginRequests(config));
  const reporter = createReporter(flags.quiet);
  const stop = stopOnSignals(io);
  const orphaned = stopWithParent(io);
  try {
    if (flags.asRecipe) {
      const runDir = await recipeRun(host, config, {
        log: reporter.log,
        events: reporter.events,
        signal: AbortSignal.any([stop.signal, orphaned.signal]),
      });
      reporter.close();
      io.out(`recipe ${config.name}: its saved student is ${resolve(runDir, 'student')}\n`);
      return;
    }
    const summary = await runExperiment(host, config, {
      runDir: flags.runDir,
      events: reporter.events,
      log: reporter.log,
      stopAfterEpochs: flags.stopAfterEpochs,
      signal: AbortSignal.any([stop.signal, orphaned.signal]),
    });
    reporter.close();
    io.out(formatSummary(summary));
  } finally {
    stop.dispose();
    orphaned.dispose();
    reporter.close();
  }
}

/** The plugins the config of a run folder names (none when it cannot be read: resuming it then says why). */
function storedPlugins(runDir: string): PluginRequest[] {
  try {
    return pluginRequests(parseRunConfig(new RunFolder(runDir).readJson('config.json')));
  } catch {
    return [];
  }
}

/** `kd resume <run-dir>`: continue an interrupted run from its last checkpoint. */
export async function resumeCommand(runDir: string, flags: { quiet?: boolean }, io: Io): Promise<void> {
  const { host } = await loadHost(storedPlugins(runDir));
  const reporter = createReporter(flags.quiet);
  const stop = stopOnSignals(io);
  try {
    const summary = await resumeRun(host, runDir, { events: reporter.events, log: reporter.log, signal: stop.signal });
    reporter.close();
    io.out(formatSummary(summary));
  } finally {
    stop.dispose();
    reporter.close();
  }
}

/** `kd eval <run-dir>`: re-evaluate the saved student on val and test. */
export async function evalCommand(runDir: string, flags: { json?: boolean }, io: Io): Promise<void> {
  const { host } = await loadHost(storedPlugins(runDir));
  const r = await evalRun(host, runDir);
  if (flags.json) io.out(JSON.stringify({ runDir, ...r }, null, 2) + '\n');
  else {
    const primary = r.task.metrics.find((m) => m.name === r.task.primary)!;
    const others = r.task.metrics.filter((m) => m.name !== primary.name).map((m) => formatMetric(m, r.test[m.name]));
    io.out(
      `student ${r.arch}: val ${formatMetric(primary, r.val[primary.name])}  test ${formatMetric(primary, r.test[primary.name])}` +
        `${others.length ? `  (test ${others.join(', ')})` : ''}  (${runDir})\n`,
    );
  }
}
