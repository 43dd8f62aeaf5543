import { z, type TermSpec } from '@kd/core';

/**
 * Hyperparameters of VLM-KD. The paper's method section could not be read (research notes §7): every
 * choice past the abstract is a reconstruction [R] or our inference [I], and each is a switch here.
 */
export const vlmKdHParams = z.object({
  textSource: z
    .enum(['encoder', 'precomputed'])
    .default('encoder')
    .describe(
      "where caption embeddings come from: 'encoder' = the frozen text encoder participant (hparams.textTeacher; embeddings cached once per distinct caption), 'precomputed' = the batch's captionEmbedding (a JSON Lines caption file with embeddings) [I]",
    ),
  textTeacher: z
    .string()
    .min(1)
    .default('text')
    .describe(
      "participant name of the frozen pretrained text encoder (e.g. extraTeachers.text: a CLIP trained on this run's captions) [abs: 'pretrained text encoder']; 'none' = no text side (the text term must then have weight 0: the ablation baselines)",
    ),
  visionTeacher: z
    .string()
    .min(1)
    .default('teacher')
    .describe(
      "participant name of the frozen vision-only teacher whose logits the vkd term distils; 'none' = no vision teacher (vkd must then have weight 0) [abs: 'in addition to a vision-only teacher']",
    ),
  vkdTemperature: z
    .number()
    .positive()
    .default(4)
    .describe('softmax temperature T of the vision KD term T²·KL (Hinton et al. 2015; T = 4 as in CRD) [I]'),
  vkdPrior: z
    .enum(['none', 'student'])
    .default('none')
    .describe(
      "'none' = plain Hinton KD on the student's logits z; 'student' = KD on z + log π (the training class prior), pairing a cross-entropy-trained (long-tail-biased) teacher with a balanced-softmax student whose raw z stay balanced at test time [I, our choice; use with the bsce term]",
    ),
  projection: z
    .enum(['linear', 'identity'])
    .default('linear')
    .describe(
      "image side: a trainable Linear projection of the student's embedding tap to the shared space, or the identity (shared dim = the student's width) [I]",
    ),
  projectionDim: z
    .number()
    .int()
    .positive()
    .default(64)
    .describe("shared embedding dimension with projection 'linear' (our choice: the CLIP teacher's width)"),
  adaptorHidden: z
    .number()
    .int()
    .positive()
    .default(128)
    .describe(
      'hidden width of the 2-layer text adaptor MLP (Linear → ReLU → Linear) [brief: text adaptor; width our choice]',
    ),
  temperature: z
    .number()
    .positive()
    .default(0.07)
    .describe('contrastive temperature τ, or its initial value when learned (CLIP initialises at 0.07) [I]'),
  learnTemperature: z
    .boolean()
    .default(false)
    .describe(
      'learn τ as CLIP does (log-scale aux parameter, log-scale clamped to [0, ln 100] after each optimizer step as CLIP training code does); off: τ fixed [I]',
    ),
  sameClass: z
    .enum(['diagonal', 'positives', 'masked'])
    .default('diagonal')
    .describe(
      "same-class image–caption pairs in a batch: 'diagonal' = only image i with caption i is positive (CLIP), 'positives' = every same-class pair is a positive, 'masked' = same-class pairs are left out of the softmax [I; notes §7.4 keep it switchable]",
    ),
  vocabularyGuard: z
    .number()
    .min(0)
    .max(1)
    .default(0.3)
    .describe(
      'minimum balanced zero-shot accuracy of the frozen CLIP on the first guardSamples training images (catches a CLIP trained with another vocabulary); 0 = off (our choice; chance is 1/K)',
    ),
  guardSamples: z
    .number()
    .int()
    .positive()
    .default(512)
    .describe('training samples the vocabulary guard looks at (first steps only; our choice)'),
});

export type VlmKdHParams = z.output<typeof vlmKdHParams>;

/** Loss terms (unweighted; the run multiplies by the configured weight). */
export const vlmKdTerms: readonly TermSpec[] = [
  {
    name: 'text',
    defaultWeight: 1,
    description:
      "symmetric InfoNCE between the projected student embedding and the adapted frozen-text-encoder embedding of the sample's caption (λ_t; weight unknown in the paper, 1 is our choice)",
  },
  {
    name: 'vkd',
    defaultWeight: 1,
    description:
      'vision KD from the frozen vision teacher: T²·KL(softmax(t/T) ‖ softmax(s/T)) (λ_v; weight unknown, 1 is our choice)',
  },
  {
    name: 'bsce',
    defaultWeight: 0,
    description:
      'balanced softmax cross-entropy CE(z + log π, y) with the training class prior π — a long-tail-aware L_cls; use with task.weight 0 (off by default)',
  },
];
