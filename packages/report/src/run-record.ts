import { UserError } from '@kd/core';
import { RunFolder, upgradeSummary, type RunSummary } from '@kd/runner';
import { existsSync } from 'node:fs';

/** One epoch of one stage as metrics.jsonl records it. */
export interface EpochEntry {
  readonly stage: string;
  readonly epoch: number;
  readonly lr?: number;
  /** Mean over the epoch of the total loss (`loss`) and of every term, by name. */
  readonly train: Readonly<Record<string, number>>;
  /** The stage's evaluation on val after the epoch, by metric name (absent for stages that do not evaluate). */
  readonly val: Readonly<Record<string, number>>;
}

/** One training step as metrics.jsonl records it (`{"type":"step", …}`: total loss and lr; runs of kd before issue 14 have none). */
export interface StepEntry {
  readonly stage: string;
  /** Fractional epoch: epoch − 1 + step / stepsPerEpoch. */
  readonly at: number;
  readonly loss: number;
  /** The main group's learning rate at that step. */
  readonly lr?: number;
}

/** What a run folder holds for a report, read once. */
export interface RunRecord {
  readonly dir: string;
  /** The resolved config (config.json), as written. */
  readonly config: Readonly<Record<string, unknown>>;
  /** environment.json; empty when absent. */
  readonly environment: Readonly<Record<string, unknown>>;
  /** summary.json (older summaries upgraded); absent while the run has not finished a stage. */
  readonly summary?: RunSummary;
  readonly epochs: readonly EpochEntry[];
  readonly steps: readonly StepEntry[];
  /** When the last stage of the run ended (metrics.jsonl), if it did. */
  readonly finishedAt?: string;
}

/** A run folder is a folder with the run's config.json. */
export function isRunFolder(dir: string): boolean {
  return new RunFolder(dir).exists();
}

const numbers = (value: unknown): Record<string, number> =>
  Object.fromEntries(
    Object.entries(value && typeof value === 'object' ? value : {}).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
    ),
  );

/** Reads a run folder; a folder without config.json, or with unreadable JSON, is a one-line `UserError`. */
export function readRun(dir: string): RunRecord {
  const folder = new RunFolder(dir);
  if (!folder.exists()) throw new UserError(`${dir} is not a run folder (no config.json)`);
  const records = folder.metrics();
  const epochs: EpochEntry[] = records
    .filter((r) => r['type'] === 'epoch' && typeof r['stage'] === 'string' && typeof r['epoch'] === 'number')
    .map((r) => ({
      stage: r['stage'] as string,
      epoch: r['epoch'] as number,
      ...(typeof r['lr'] === 'number' ? { lr: r['lr'] } : {}),
      train: numbers(r['train']),
      val: numbers(r['val']),
    }));
  const steps: StepEntry[] = records
    .filter((r) => r['type'] === 'step' && typeof r['loss'] === 'number' && typeof r['stepsPerEpoch'] === 'number')
    .map((r) => ({
      stage: String(r['stage']),
      at: (r['epoch'] as number) - 1 + (r['step'] as number) / (r['stepsPerEpoch'] as number),
      loss: r['loss'] as number,
      ...(typeof r['lr'] === 'number' ? { lr: r['lr'] } : {}),
    }));
  const ends = records.filter((r) => r['type'] === 'stage-end' && typeof r['time'] === 'string');
  return {
    dir,
    config: folder.readJson('config.json'),
    environment: existsSync(`${dir}/environment.json`) ? folder.readJson('environment.json') : {},
    ...(existsSync(folder.summaryPath) ? { summary: upgradeSummary(folder.readJson('summary.json')) } : {}),
    epochs,
    steps,
    ...(ends.length ? { finishedAt: ends[ends.length - 1]!['time'] as string } : {}),
  };
}

/** The stages of a run that logged epochs, in the order they ran. */
export function stagesOf(epochs: readonly EpochEntry[]): string[] {
  return [...new Set(epochs.map((e) => e.stage))];
}
