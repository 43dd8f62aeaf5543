import type { MethodDescriptor } from '@kd/core';
import { VildMethod, vildHParams, vildTerms } from './vild.js';

export const vildDescriptor: MethodDescriptor = {
  id: 'vild',
  title: 'ViLD-image (region embeddings from a CLIP-like teacher)',
  description:
    "A detector's normalised region embeddings of M precomputed proposals per image are pulled (L1) towards a " +
    "CLIP-like teacher's normalised image embeddings of those proposals' crops (1× and 1.5×, averaged; crop-teacher). " +
    "ViLD-text is the detector's text-embedding classifier (region-detector options.classifier).",
  paper: {
    title: 'Open-vocabulary Object Detection via Vision and Language Knowledge Distillation',
    authors: 'Xiuye Gu, Tsung-Yi Lin, Weicheng Kuo, Yin Cui',
    venue: 'ICLR',
    year: 2022,
    url: 'https://arxiv.org/abs/2104.13921',
  },
  hparams: vildHParams,
  terms: vildTerms,
  impl: VildMethod,
};
