import type { MethodDescriptor } from '@kd/core';
import { FitnetMethod, fitnetHParams, fitnetTerms } from './fitnet.js';

export const fitnetDescriptor: MethodDescriptor = {
  id: 'fitnet',
  title: 'FitNets (hints)',
  description:
    "A connector regresses the student's middle feature map onto the teacher's (MSE hint loss); an optional " +
    'first stage trains the student up to the guided layer on the hint alone.',
  paper: {
    title: 'FitNets: Hints for Thin Deep Nets',
    authors: 'Adriana Romero, Nicolas Ballas, Samira Ebrahimi Kahou, Antoine Chassang, Carlo Gatta, Yoshua Bengio',
    venue: 'ICLR',
    year: 2015,
    url: 'https://arxiv.org/abs/1412.6550',
  },
  hparams: fitnetHParams,
  terms: fitnetTerms,
  impl: FitnetMethod,
};
