import type { MethodDescriptor } from '@kd/core';
import { RvlBertMethod, rvlBertHParams, rvlBertTerms } from './rvl-bert.js';

export const rvlBertDescriptor: MethodDescriptor = {
  id: 'rvl-bert',
  title: 'RVL-BERT (mask attention loss on a frozen VL encoder with trainable heads)',
  description:
    'Visual relationship detection with visual-linguistic knowledge: the student is the rvl-bert architecture (a frozen pre-trained vl-scene + answer head, spatial module, mask attention module); ' +
    'this method adds the mask attention module’s mask loss (MSE of its role masks against their boxes); the answer loss is the relationships task’s.',
  paper: {
    title: 'Visual Relationship Detection With Visual-Linguistic Knowledge From Multimodal Representations',
    authors: 'Meng-Jiun Chiou, Roger Zimmermann, Jiashi Feng',
    venue: 'IEEE Access',
    year: 2021,
    url: 'https://arxiv.org/abs/2009.04965',
  },
  hparams: rvlBertHParams,
  terms: rvlBertTerms,
  impl: RvlBertMethod,
};
