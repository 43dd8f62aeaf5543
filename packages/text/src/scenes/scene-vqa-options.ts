import { z } from '@kd/core';
import { sceneVocabularyOption } from './scene-vocabulary.js';

export const sceneVqaOptionsSchema = z
  .object({
    scenes: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('options of the `scenes` dataset (items, size, objects, splits, proposals, …)'),
    length: z.number().int().min(3).max(512).default(16).describe('tokens per question, [CLS] and [SEP] included'),
    minCount: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('vocabulary: words seen fewer times in the train questions are [UNK] (class names are always kept)'),
    prompts: z
      .array(z.string().refine((p) => p.includes('{}'), { message: 'each prompt must contain {} for the class name' }))
      .min(1)
      .default(['a {}'])
      .describe('class-name prompt templates (data.text.classPrompts); {} is the class name'),
    vocabulary: sceneVocabularyOption,
    questionsPerScene: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'at most this many questions per scene, drawn once per scene (seeded); default: every question of every scene',
      ),
  })
  .strict();

export type SceneVqaOptions = z.input<typeof sceneVqaOptionsSchema>;
