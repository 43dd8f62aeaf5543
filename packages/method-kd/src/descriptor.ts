import type { MethodDescriptor } from '@kd/core';
import { KdMethod, kdHParams, kdTerms } from './kd.js';

export const kdDescriptor: MethodDescriptor = {
  id: 'kd',
  title: 'Knowledge distillation (soft targets)',
  description:
    "The student matches the teacher's class distribution softened at temperature T (KL divergence scaled by T^2).",
  paper: {
    title: 'Distilling the Knowledge in a Neural Network',
    authors: 'Geoffrey Hinton, Oriol Vinyals, Jeff Dean',
    venue: 'NIPS Deep Learning and Representation Learning Workshop',
    year: 2015,
    url: 'https://arxiv.org/abs/1503.02531',
  },
  hparams: kdHParams,
  terms: kdTerms,
  impl: KdMethod,
};
