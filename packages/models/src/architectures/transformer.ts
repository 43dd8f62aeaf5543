import { z, type ModelArchitecture } from '@kd/core';
import { parseOptions } from '../options.js';
import { TransformerClassifier } from '../transformer.js';

const positiveInt = z.number().int().positive();

export const transformer: ModelArchitecture = {
  id: 'transformer',
  description:
    'Transformer encoder classifier over [tokens, features] inputs (Linear embedding + learned positions, mean pool). ' +
    'Options: layers (4), dModel (128), heads (4), ffn (512), normFirst (false: post-norm as PyTorch), activation (relu|gelu).',
  build(input) {
    const o = parseOptions('transformer', input.options, {
      layers: positiveInt.default(4),
      dModel: positiveInt.default(128),
      heads: positiveInt.default(4),
      ffn: positiveInt.default(512),
      normFirst: z.boolean().default(false),
      activation: z.enum(['relu', 'gelu']).default('relu'),
    });
    return new TransformerClassifier({ ...input, ...o });
  },
};
