import type { MethodDescriptor } from '@kd/core';
import { WsdKdMethod, wsdKdHParams, wsdKdTerms } from './wsd-kd.js';

export const wsdKdDescriptor: MethodDescriptor = {
  id: 'wsd-kd',
  title: 'WSD-KD (a multi-label classifier taught by a weakly supervised detector)',
  description:
    'A WSDDN teacher trained on image labels only (architecture wsddn) teaches a classifier (roi-classifier) in two stages: ' +
    "stage 'feature' — the student's fc7 of the teacher's proposals regress the teacher's fc7; then distillation — BCE on the labels " +
    "plus BCE between σ(z / t) (t learnable per class, from 5) and the teacher's image scores at T = 0.5. Reports the teacher's CorLoc.",
  paper: {
    title: 'Multi-Label Image Classification via Knowledge Distillation from Weakly-Supervised Detection',
    authors: 'Yongcheng Liu, Lu Sheng, Jing Shao, Junjie Yan, Shiming Xiang, Chunhong Pan',
    venue: 'ACM MM',
    year: 2018,
    url: 'https://arxiv.org/abs/1809.05884',
  },
  hparams: wsdKdHParams,
  terms: wsdKdTerms,
  impl: WsdKdMethod,
};
