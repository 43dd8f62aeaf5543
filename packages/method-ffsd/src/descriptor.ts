import type { MethodDescriptor } from '@kd/core';
import { FfsdMethod } from './ffsd.js';
import { ffsdHParams, ffsdTerms } from './hparams.js';

/** The `ffsd` method: online KD with common students, a feature-fusion head and a student leader. */
export const ffsdDescriptor: MethodDescriptor = {
  id: 'ffsd',
  title: 'FFSD (online KD via feature fusion and self-distillation)',
  description:
    'The student is the leader of m common students built like it (trained together, DML); a fusion module on their ' +
    "detached last maps teaches the leader (logits, attention, trans-fusion); self-distillation modules map each network's " +
    'deepest map to its shallow stages; an attention-shift loss keeps the common students diverse.',
  paper: {
    title:
      'Online Knowledge Distillation via Feature Fusion and Self-Distillation (later: Distilling a Powerful Student Model via Online Knowledge Distillation)',
    authors: 'Shaojie Li, Mingbao Lin, Yan Wang, Yongjian Wu, Yonghong Tian, Ling Shao, Rongrong Ji',
    venue: 'arXiv 2103.14473 (IEEE TNNLS)',
    year: 2021,
    url: 'https://arxiv.org/abs/2103.14473',
  },
  hparams: ffsdHParams,
  terms: ffsdTerms,
  impl: FfsdMethod,
};
