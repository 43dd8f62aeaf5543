import type { MethodDescriptor } from '@kd/core';
import { vlmKdHParams, vlmKdTerms } from './hparams.js';
import { VlmKdMethod } from './vlm-kd.js';

/** The `vlm-kd` plugin: static description (listing methods creates no instance). */
export const vlmKdDescriptor: MethodDescriptor = {
  id: 'vlm-kd',
  title: 'VLM-KD: knowledge distillation from a vision-language model for long-tail recognition',
  description:
    "Captions of every training image (a VLM's answers to a general and targeted prompts) are embedded by a frozen text encoder, adapted by a trainable MLP and matched contrastively with the student's projected image embedding; plus KD from a vision-only teacher and an optional balanced-softmax classification loss.",
  paper: {
    title: 'Knowledge Distillation from Vision-Language Models for Long-Tail Visual Recognition',
    authors: 'Zaiwei Zhang, Gregory P. Meyer, Zhichao Lu, Ashish Shrivastava, Avinash Ravichandran, Eric M. Wolff',
    venue: 'arXiv 2408.16930',
    year: 2024,
    url: 'https://arxiv.org/abs/2408.16930',
  },
  hparams: vlmKdHParams,
  terms: vlmKdTerms,
  impl: VlmKdMethod,
};
