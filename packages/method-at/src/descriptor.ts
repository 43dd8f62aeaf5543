import type { MethodDescriptor } from '@kd/core';
import { AtMethod, atHParams, atTerms } from './at.js';

/** Attention transfer (activation-based, Zagoruyko & Komodakis 2017). */
export const atDescriptor: MethodDescriptor = {
  id: 'at',
  title: 'Attention transfer',
  description:
    "The student's spatial attention maps (channel mean of |F|^p, L2-normalised) match the teacher's at several stages (L2).",
  paper: {
    title:
      'Paying More Attention to Attention: Improving the Performance of Convolutional Neural Networks via Attention Transfer',
    authors: 'Sergey Zagoruyko, Nikos Komodakis',
    venue: 'ICLR',
    year: 2017,
    url: 'https://arxiv.org/abs/1612.03928',
  },
  hparams: atHParams,
  terms: atTerms,
  impl: AtMethod,
};
