import { z } from '@kd/core';

/** The class-name prompt templates of CLIP-style zero-shot classification; `{}` is the class name. */
export const DEFAULT_CLASS_PROMPTS: readonly string[] = Object.freeze([
  'a photo of a {}.',
  'an image of a {}.',
  'a picture of the {}.',
  'this is a {}.',
]);

export const captionedOptionsSchema = z
  .object({
    base: z
      .enum(['mnist', 'fashion-mnist', 'mnist+fashion-mnist'])
      .default('fashion-mnist')
      .describe(
        'the image dataset to caption: mnist, fashion-mnist, or mnist+fashion-mnist (both in one 20-class set: the digits "0".."9", then the Fashion-MNIST classes)',
      ),
    baseOptions: z
      .record(z.string(), z.unknown())
      .default({})
      .describe(
        "options of the base dataset (as for `mnist` / `fashion-mnist`; for mnist+fashion-mnist: mnist, fashionMnist (each part's split options), normalize, augment)",
      ),
    captions: z
      .enum(['template', 'file'])
      .default('template')
      .describe('caption provider: the built-in template captioner, or a JSON Lines file'),
    file: z
      .string()
      .min(1)
      .optional()
      .describe('JSON Lines caption file (required when captions is "file"); ids are source indices'),
    captionSeed: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .default(0)
      .describe('seed of the template captioner (independent of the run seed)'),
    length: z.number().int().min(3).max(512).default(32).describe('tokens per text, [CLS] and [SEP] included'),
    minCount: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('vocabulary: words seen fewer times in the train captions are [UNK] (prompt words are always kept)'),
    prompts: z
      .array(z.string().refine((p) => p.includes('{}'), { message: 'each prompt must contain {} for the class name' }))
      .min(1)
      .default([...DEFAULT_CLASS_PROMPTS])
      .describe('class-name prompt templates for zero-shot classification; {} is the class name'),
    captionKinds: z
      .enum(['all', 'general', 'targeted'])
      .default('all')
      .describe(
        "which captions a batch may show: all (general + targeted), general (the general prompt's answers only) or targeted (T1–T4 only); the vocabulary is built from all train captions either way (our choice, for VLM-KD's prompt ablation)",
      ),
    cacheDir: z
      .string()
      .min(1)
      .default('.kd-cache')
      .describe('caption cache root (captions go to <cacheDir>/captions/)'),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.captions === 'file' && o.file === undefined)
      ctx.addIssue({ code: 'custom', path: ['file'], message: "required when captions is 'file'" });
  });

export type CaptionedOptions = z.input<typeof captionedOptionsSchema>;
export type ResolvedCaptionedOptions = z.output<typeof captionedOptionsSchema>;
