import { z } from '@kd/core';

/** Optimizer settings; semantics follow torch.optim (SGD weight decay is coupled L2, AdamW decoupled). */
export const OptimizerConfigSchema = z
  .object({
    type: z.enum(['sgd', 'adam', 'adamw']).default('sgd').describe('optimizer'),
    lr: z.number().positive().default(0.05).describe('base learning rate'),
    momentum: z.number().min(0).max(1).default(0.9).describe('SGD momentum'),
    nesterov: z.boolean().default(false).describe('SGD Nesterov momentum'),
    weightDecay: z.number().min(0).default(5e-4).describe('L2 (sgd, adam) or decoupled (adamw) weight decay'),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    eps: z.number().positive().default(1e-8),
    variant: z
      .enum(['torch', 'bert'])
      .default('torch')
      .describe(
        "adam/adamw update: 'torch' (torch.optim: ε on the bias-corrected √v̂; AdamW decays the weights before the step) or 'bert' (pytorch-transformers' AdamW of BERT, VL-BERT and RVL-BERT: ε on the uncorrected √v with step size lr·√(1−β2^t)/(1−β1^t); AdamW decays the updated weights after the step)",
      ),
  })
  .strict();
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;
