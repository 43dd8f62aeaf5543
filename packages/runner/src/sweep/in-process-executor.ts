import { InterruptedError, type DependencyContainer } from '@kd/core';
import type { EventSink } from '@kd/trainer';
import { RunBusyError, runExperiment } from '../run.js';
import type { RunExecutor } from './executor.js';

export interface InProcessOptions {
  readonly events?: EventSink;
  readonly log?: (line: string) => void;
  /** Stop each started run's distill stage after this many epochs (interruption tests). */
  readonly stopAfterEpochs?: number;
}

/**
 * Runs each sweep run in this process, one at a time (TensorFlow.js has one engine per process, so
 * two runs here would interleave their tensors). A run that fails is reported with its message.
 */
export function inProcessExecutor(host: DependencyContainer, options: InProcessOptions = {}): RunExecutor {
  return {
    maxConcurrency: 1,
    async execute(run, signal) {
      try {
        const summary = await runExperiment(host, run.config, {
          runDir: run.runDir,
          events: options.events,
          log: options.log,
          stopAfterEpochs: options.stopAfterEpochs,
          signal,
        });
        return summary.completed ? { kind: 'finished', summary } : { kind: 'incomplete' };
      } catch (e) {
        if (e instanceof RunBusyError && e.runDir === run.runDir) return { kind: 'busy' };
        if (e instanceof InterruptedError) return { kind: 'interrupted' };
        const message = e instanceof Error ? e.message : String(e);
        return { kind: 'failed', error: message.split('\n')[0]! };
      }
    },
  };
}
