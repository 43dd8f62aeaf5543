import { InterruptedError } from '@kd/core';
import type { Io } from './io.js';

export interface SignalStop {
  /** Aborted (with an `InterruptedError`) on the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Ctrl-C and `kill` for long work: the first SIGINT/SIGTERM aborts `signal`, so training stops
 * before its next step and leaves its folder resumable (the command then prints how to resume and
 * exits 130 / 143); a second signal quits at once (checkpoints are written atomically, so even that
 * leaves a resumable folder).
 */
export function stopOnSignals(io: Io): SignalStop {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    const signal = name === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    if (controller.signal.aborted) process.exit(signal === 'SIGTERM' ? 143 : 130);
    controller.abort(new InterruptedError(signal));
    io.err(
      `\nkd: ${signal}: stopping after the current step (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again quits at once)\n`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
