import { z } from '@kd/core';
import { sceneVocabularyOption } from './scene-vocabulary.js';

export const sceneCaptionsOptionsSchema = z
  .object({
    scenes: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('options of the `scenes` dataset (items, size, objects, splits, proposals, …)'),
    length: z.number().int().min(3).max(512).default(16).describe('tokens per caption, [CLS] and [SEP] included'),
    minCount: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('vocabulary: words seen fewer times in the train captions are [UNK] (class names are always kept)'),
    prompts: z
      .array(z.string().refine((p) => p.includes('{}'), { message: 'each prompt must contain {} for the class name' }))
      .min(1)
      .default(['a {}'])
      .describe('class-name prompt templates (data.text.classPrompts); {} is the class name'),
    vocabulary: sceneVocabularyOption,
  })
  .strict();

export type SceneCaptionsOptions = z.input<typeof sceneCaptionsOptionsSchema>;
