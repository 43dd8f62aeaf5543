import type { MethodDescriptor } from '@kd/core';
import { DistillVlmMethod, distillVlmHParams, distillVlmTerms } from './distillvlm.js';

export const distillVlmDescriptor: MethodDescriptor = {
  id: 'distillvlm',
  title: 'DistillVLM (adapted teacher, attention MSE, token NCE with a queue)',
  description:
    'Compresses a vision-language transformer (vl-scene) into a smaller one: the teacher re-trained on the student’s region proposals (adaptation), ' +
    'then attention-map MSE and token-wise InfoNCE on hidden states against a FIFO queue of teacher tokens, in pre-training (with vl-pretrain) or fine-tuning (vqa, captioning).',
  paper: {
    title: 'Compressing Visual-linguistic Model via Knowledge Distillation',
    authors: 'Zhiyuan Fang, Jianfeng Wang, Xiaowei Hu, Lijuan Wang, Yezhou Yang, Zicheng Liu',
    venue: 'ICCV',
    year: 2021,
    url: 'https://arxiv.org/abs/2104.02096',
  },
  hparams: distillVlmHParams,
  terms: distillVlmTerms,
  impl: DistillVlmMethod,
};
