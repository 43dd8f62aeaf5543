/**
 * kd from code: run a config object or file, run a sweep, list what is installed. The same plugins
 * as the `kd` command are loaded (installed packages with `"kd": {"plugin": true}`, the project in
 * the working directory if it is one, a config's `plugins:`), and the same run folders are written.
 */
export { run, configOf, type RunOptions, type PluginOptions, type ProgressOptions } from './run.js';
export { sweep, type SweepOptions } from './sweep.js';
export { list } from './list.js';
export type { RunConfigInput, RunConfig, RunSummary, SweepResult, SweepRun, RunOutcome, CellResult } from '@kd/runner';
export type { TrainEvent, EventSink, StepEvent, EpochEvent, StageEvent, EpochRecord } from '@kd/trainer';
export { UserError, ConfigError, InterruptedError } from '@kd/core';
