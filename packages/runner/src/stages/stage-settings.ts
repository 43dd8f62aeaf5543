import type { GroupOptim } from '@kd/trainer';
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
