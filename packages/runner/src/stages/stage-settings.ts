import type { EventSink, GroupOptim } from '@kd/trainer';
import type { TrainSettings } from '../config/schema.js';

/** Optimizer settings per group: `main` from the train settings, others merged over it. */
export function groupOptims(train: TrainSettings): Record<string, GroupOptim> & { main: GroupOptim } {
  const main: GroupOptim = { optimizer: train.optimizer, schedule: train.schedule };
  const out: Record<string, GroupOptim> & { main: GroupOptim } = { main };
  for (const [group, g] of Object.entries(train.groups)) {
    out[group] = {
      optimizer: { ...main.optimizer, ...(g.optimizer ?? {}) },
      schedule: { ...main.schedule, ...(g.schedule ?? {}) },
    };
  }
  return out;
}

/** What every stage of one run shares: its folder, its event sink, and the signal that stops it. */
export interface StageContext {
  readonly runDir: string;
  readonly events?: EventSink;
  /** Aborted by Ctrl-C / SIGTERM: stages stop before their next step (see `trainStage`). */
  readonly signal?: AbortSignal;
}
