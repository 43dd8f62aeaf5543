import type { MethodDescriptor } from '@kd/core';
import { ClipMethod, clipHParams, clipTerms } from './clip.js';

export const clipDescriptor: MethodDescriptor = {
  id: 'clip',
  title: 'CLIP-style contrastive image–text training',
  description:
    'Trains a dual encoder (architecture clip, data captioned) so that images and their captions meet in one embedding space (symmetric InfoNCE); the result classifies zero-shot by class-name prompts and serves as the CLIP-like teacher of ViLD and VLM-KD.',
  paper: {
    title: 'Learning Transferable Visual Models From Natural Language Supervision',
    authors:
      'Alec Radford, Jong Wook Kim, Chris Hallacy, Aditya Ramesh, Gabriel Goh, Sandhini Agarwal, Girish Sastry, Amanda Askell, Pamela Mishkin, Jack Clark, Gretchen Krueger, Ilya Sutskever',
    venue: 'ICML',
    year: 2021,
    url: 'https://arxiv.org/abs/2103.00020',
  },
  hparams: clipHParams,
  terms: clipTerms,
  impl: ClipMethod,
};
