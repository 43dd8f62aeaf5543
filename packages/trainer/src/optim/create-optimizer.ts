import { Adam } from './adam.js';
import type { OptimizerConfig } from './config.js';
import type { Optimizer } from './optimizer.js';
import { Sgd } from './sgd.js';

export function createOptimizer(c: OptimizerConfig): Optimizer {
  switch (c.type) {
    case 'sgd':
      return new Sgd(c.momentum, c.nesterov, c.weightDecay);
    case 'adam':
      return new Adam(c.beta1, c.beta2, c.eps, c.weightDecay, false, c.variant);
    case 'adamw':
      return new Adam(c.beta1, c.beta2, c.eps, c.weightDecay, true, c.variant);
  }
}
