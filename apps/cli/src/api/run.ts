import { InterruptedError, UserError } from '@kd/core';
import {
  applySet,
  loadConfigFile,
  parseRunConfig,
  runExperiment,
  withBaseDir,
  type RunConfig,
  type RunConfigInput,
  type RunSummary,
} from '@kd/runner';
import type { EventSink } from '@kd/trainer';
import { resolve } from 'node:path';
import { loadHost, pluginRequests, type PluginRequest } from '../plugins/index.js';

/** What every API call may say about plugins, besides the installed ones and a config's `plugins:`. */
export interface PluginOptions {
  /** More plugins to load: package names, or paths to a module or package folder (relative to the working directory). */
  readonly plugins?: readonly string[];
}

/** Progress and cancellation, for runs and sweeps. */
export interface ProgressOptions {
  /** Every training event: stage start/end, each step (loss, lr), each epoch (train terms, val metrics). */
  readonly onEvent?: EventSink;
  /** The human-readable lines `kd` prints on stderr (stages, results, warnings). */
  readonly onLog?: (line: string) => void;
  /** Abort to stop before the next training step; the run stays resumable (the promise rejects with an InterruptedError). */
  readonly signal?: AbortSignal;
}

export interface RunOptions extends PluginOptions, ProgressOptions {
  /** For a config object: the folder its relative paths (teacher checkpoint, recipes, dataset files) mean (default: the working directory). */
  readonly baseDir?: string;
  /** `path=value` overrides, as `kd run --set` (e.g. `methods[0].hparams.T=2`). */
  readonly set?: readonly string[];
  /** The exact run folder (an existing one of the same config is resumed); default a new folder in `outDir`. */
  readonly runDir?: string;
}

/** The caller's signal with its abort turned into an InterruptedError, which kd's runs and sweeps stop with. */
export function interruptOn(signal: AbortSignal | undefined): AbortSignal | undefined {
  if (!signal) return undefined;
  const controller = new AbortController();
  const forward = () =>
    controller.abort(signal.reason instanceof InterruptedError ? signal.reason : new InterruptedError());
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  return controller.signal;
}

/** Extra plugins named by an API caller, looked up from the working directory. */
export const extraPlugins = (o: PluginOptions): PluginRequest[] =>
  (o.plugins ?? []).map((spec) => ({ spec, baseDir: process.cwd() }));

/** A config object (as a YAML config would parse) validated like a file: unknown keys and bad values are ConfigErrors. */
export function configOf(config: RunConfigInput, options: Pick<RunOptions, 'baseDir' | 'set'> = {}): RunConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new UserError('the config must be an object');
  let raw = structuredClone(config) as Record<string, unknown>;
  for (const s of options.set ?? []) raw = applySet(raw, s);
  return parseRunConfig(withBaseDir(raw, resolve(options.baseDir ?? process.cwd())));
}

/**
 * Runs one experiment, as `kd run` does, and resolves to its summary (also in `<runDir>/summary.json`).
 * `config` is a config object (typed: `RunConfigInput`) or the path of a YAML/JSON config file.
 */
export async function run(config: RunConfigInput | string, options: RunOptions = {}): Promise<RunSummary> {
  const cfg = typeof config === 'string' ? loadConfigFile(config, options.set ?? []) : configOf(config, options);
  const { host } = await loadHost([...pluginRequests(cfg), ...extraPlugins(options)]);
  return runExperiment(host, cfg, {
    runDir: options.runDir,
    events: options.onEvent,
    log: options.onLog,
    signal: interruptOn(options.signal),
  });
}
