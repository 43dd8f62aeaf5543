import type { StageEvent, TrainEvent } from '@kd/trainer';
import { epochLine, formatDuration, formatLoss, formatLr } from './format.js';
import type { Reporter } from './reporter.js';

export interface LineReporterOptions {
  readonly write?: (text: string) => void;
  /** Seconds between progress lines inside an epoch. */
  readonly intervalSeconds?: number;
  readonly now?: () => number;
}

interface StageState {
  epochs: number;
  startEpoch: number;
  startedAt: number;
  lastLine: number;
  select?: StageEvent['select'];
}

/**
 * Plain progress for logs and CI: a line when a stage starts or is skipped, one per epoch (loss,
 * val accuracy, lr, seconds) and, within long epochs, one every `intervalSeconds` (30 s) with ETA.
 */
export function lineReporter(options: LineReporterOptions = {}): Reporter {
  const write = options.write ?? ((t: string) => void process.stderr.write(t));
  const now = options.now ?? Date.now;
  const interval = (options.intervalSeconds ?? 30) * 1000;
  const stages = new Map<string, StageState>();
  const events = (e: TrainEvent) => {
    switch (e.type) {
      case 'stage-start': {
        const from = e.startEpoch ?? 1;
        stages.set(e.stage, {
          epochs: e.epochs,
          startEpoch: from,
          startedAt: now(),
          lastLine: now(),
          select: e.select,
        });
        write(
          `[${e.stage}] ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}${from > 1 ? `, resuming at epoch ${from}` : ''}\n`,
        );
        break;
      }
      case 'stage-skip':
        write(`[${e.stage}] finished earlier, skipped\n`);
        break;
      case 'stage-end':
        stages.delete(e.stage);
        break;
      case 'epoch': {
        const s = stages.get(e.record.stage);
        if (s) s.lastLine = now();
        write(epochLine(e.record, s?.epochs, s?.select) + '\n');
        break;
      }
      case 'step': {
        const s = stages.get(e.stage);
        if (!s || now() - s.lastLine < interval) break;
        s.lastLine = now();
        const done = (e.epoch - s.startEpoch) * e.stepsPerEpoch + e.step;
        const total = (s.epochs - s.startEpoch + 1) * e.stepsPerEpoch;
        const eta = ((now() - s.startedAt) / 1000 / done) * (total - done);
        write(
          `[${e.stage}] epoch ${e.epoch}/${s.epochs} step ${e.step}/${e.stepsPerEpoch}  loss ${formatLoss(e.loss)}  lr ${formatLr(e.lr)}  ETA ${formatDuration(eta)}\n`,
        );
        break;
      }
    }
  };
  return { events, log: (line) => write(line + '\n'), close: () => {} };
}
