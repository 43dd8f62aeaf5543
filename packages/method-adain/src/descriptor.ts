import type { MethodDescriptor } from '@kd/core';
import { AdainMethod, adainHParams, adainTerms } from './adain.js';

/** AdaIN statistics KD (reconstruction; see README). */
export const adainDescriptor: MethodDescriptor = {
  id: 'adain',
  title: 'AdaIN statistics KD',
  description:
    "The student's channel mean/std (through a connector) are injected into the teacher's feature by AdaIN and the frozen " +
    'rest of the teacher judges them (ain); the L2 loss on the statistics is the baseline (stat). Reconstruction, no official code.',
  paper: {
    title: 'Knowledge distillation via adaptive instance normalization',
    authors: 'Jing Yang, Brais Martinez, Adrian Bulat, Georgios Tzimiropoulos',
    venue: 'arXiv',
    year: 2020,
    url: 'https://arxiv.org/abs/2003.04289',
  },
  hparams: adainHParams,
  terms: adainTerms,
  impl: AdainMethod,
};
