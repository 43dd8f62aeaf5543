import type { MethodDescriptor } from '@kd/core';
import { VlPretrainMethod, vlPretrainHParams, vlPretrainTerms } from './vl-pretrain.js';

export const vlPretrainDescriptor: MethodDescriptor = {
  id: 'vl-pretrain',
  title: 'Vision-language pre-training (masked tokens + image–text matching)',
  description:
    'Pre-trains a VL transformer over caption tokens and image regions (architecture vl-scene, data scene-captions) with masked-token prediction and image–text matching; ' +
    'the result is the frozen VL knowledge of RVL-BERT and the teacher DistillVLM compresses (reuse it with teacher.recipe).',
  paper: {
    title: 'UNITER: UNiversal Image-TExt Representation Learning',
    authors: 'Yen-Chun Chen, Linjie Li, Licheng Yu, Ahmed El Kholy, Faisal Ahmed, Zhe Gan, Yu Cheng, Jingjing Liu',
    venue: 'ECCV',
    year: 2020,
    url: 'https://arxiv.org/abs/1909.11740',
  },
  hparams: vlPretrainHParams,
  terms: vlPretrainTerms,
  impl: VlPretrainMethod,
};
