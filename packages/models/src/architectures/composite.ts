import {
  ANSWER_VOCABULARY,
  ConfigError,
  deriveSeed,
  facetOf,
  PREDICATE_NAMES,
  z,
  type Facet,
  type ModelArchitecture,
  type ModelBuildInput,
} from '@kd/core';
import { CropTeacher } from '../crop-teacher.js';
import { EncoderWithHeads } from '../encoder-with-heads.js';
import { buildModelPart, modelPartSchema } from '../model-part.js';
import { parseOptions } from '../options.js';
import { cropNormalizationOption } from './crop-normalization-option.js';

const positiveInt = z.number().int().positive();

/** Output sizes a head can name instead of a number: sized by the dataset. */
const NAMED_OUTPUTS = ['classes', 'answers', 'predicates'] as const;

const headSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a tap name: letters, digits, _')
      .default('logits')
      .describe('the tap the head writes'),
    from: z.string().min(1).default('embedding').describe('the encoder tap it reads (unprefixed)'),
    input: z
      .enum(['tap', 'pairs'])
      .default('tap')
      .describe("'pairs': the (subject, object) rows of a per-region tap for the batch's pairs"),
    hidden: z.array(positiveInt).default([]).describe('hidden layer widths ([] = one Linear)'),
    activation: z.enum(['relu', 'gelu']).default('relu'),
    outputs: z
      .union([positiveInt, z.enum(NAMED_OUTPUTS)])
      .default('classes')
      .describe('a width, or classes | answers | predicates (+1 background) of the dataset'),
  })
  .strict();

type HeadOptions = z.output<typeof headSchema>;

/** A head's output width and the facet it was read from (named sizes come from the dataset). */
function outputWidth(
  head: HeadOptions,
  input: ModelBuildInput,
  path: string,
): { width: number; facet?: Facet<unknown> } {
  if (typeof head.outputs === 'number') return { width: head.outputs };
  if (head.outputs === 'classes') return { width: input.numClasses };
  const facet = head.outputs === 'answers' ? ANSWER_VOCABULARY : PREDICATE_NAMES;
  const names = input.data ? facetOf(input.data, facet) : undefined;
  if (!names)
    throw new ConfigError(
      path,
      `'${head.outputs}' sizes the head by the dataset's '${facet.id}' facet, and dataset '${input.data?.name ?? '(none)'}' has none`,
    );
  // the relation head scores background + each predicate (column 0 = background), as the relationships task reads it
  return { width: head.outputs === 'predicates' ? names.length + 1 : names.length, facet };
}

/** A pre-trained encoder (any registered architecture) with trainable heads; see EncoderWithHeads. */
export const encoderWithHeads: ModelArchitecture = {
  id: 'encoder-with-heads',
  description:
    'An encoder (any architecture: encoder {arch, options}; variables under encoder., taps prefixed encoder.) with trainable heads, ' +
    'each reading one encoder tap (or its per-region rows for the batch pairs) — e.g. a frozen pre-trained vl-scene with a relation head (RVL-BERT). ' +
    'Options: encoder, heads ([{name (logits), from (embedding), input (tap | pairs), hidden ([]), activation (relu), outputs (classes | answers | predicates | n)}]).',
  build(input) {
    const o = parseOptions('encoder-with-heads', input.options, {
      encoder: modelPartSchema,
      heads: z
        .array(headSchema)
        .min(1)
        .default(() => [headSchema.parse({})]),
    });
    const encoder = buildModelPart(input, 'options.encoder', o.encoder);
    const specs = encoder.tapSpecs();
    const facets: Facet<unknown>[] = [];
    const seen = new Set<string>();
    const heads = o.heads.map((h, i) => {
      const path = `options.heads[${i}]`;
      if (seen.has(h.name)) throw new ConfigError(`${path}.name`, `two heads write '${h.name}'`);
      seen.add(h.name);
      const spec = specs[h.from];
      if (!spec)
        throw new ConfigError(
          `${path}.from`,
          `encoder '${o.encoder.arch}' has no tap '${h.from}' (taps: ${Object.keys(specs).join(', ')})`,
        );
      if (h.input === 'pairs' && spec.shape.length !== 2) {
        throw new ConfigError(
          `${path}.input`,
          `'pairs' reads per-region rows [R, D], and '${h.from}' is [${spec.shape.join(', ')}]`,
        );
      }
      const { width, facet } = outputWidth(h, input, `${path}.outputs`);
      if (facet && !facets.includes(facet)) facets.push(facet);
      return { name: h.name, from: h.from, input: h.input, hidden: h.hidden, activation: h.activation, outputs: width };
    });
    return new EncoderWithHeads({
      encoder,
      heads,
      facets,
      numClasses: input.numClasses,
      seed: deriveSeed(input.seed, 'encoder-with-heads', 'heads'),
    });
  },
};

/** An image model run on region crops of the batch (ViLD's CLIP image tower on proposals); see CropTeacher. */
export const cropTeacher: ModelArchitecture = {
  id: 'crop-teacher',
  description:
    'Runs an image model (image {arch, options}, e.g. clip; variables under image.) on crops of the batch images at the first R proposals, ' +
    'each box enlarged by the context factors about its centre and averaged over them (ViLD: 1 and 1.5): taps regionEmbedding, regionLogits, ' +
    'and the whole-image embedding/logits. Options: image, proposals ("" | biased | objects | …), regions (8), context ([1, 1.5]), cropSize ([h, w]; default the image size), sampling (2), normalize ({ mean, std }: the image model’s input normalisation; default none).',
  build(input) {
    const o = parseOptions('crop-teacher', input.options, {
      image: modelPartSchema,
      proposals: z.string().default(''),
      regions: positiveInt.default(8),
      context: z.array(z.number().positive()).min(1).default([1, 1.5]),
      cropSize: z.tuple([positiveInt, positiveInt]).optional(),
      sampling: positiveInt.default(2),
      normalize: cropNormalizationOption,
    });
    const [h, w, c] = input.inputShape as [number, number, number];
    if (input.inputShape.length !== 3)
      throw new ConfigError(
        'arch',
        `crop-teacher crops images [H, W, C], and the data's inputs are [${input.inputShape.join(', ')}]`,
      );
    const cropSize: [number, number] = o.cropSize ?? [h, w];
    const image = buildModelPart(input, 'options.image', o.image, { inputShape: [cropSize[0], cropSize[1], c] });
    if (!image.tapSpecs()['embedding'] || !image.tapSpecs()['logits']) {
      throw new ConfigError(
        'options.image.arch',
        `'${o.image.arch}' has no 'embedding' and 'logits' taps to run on the crops`,
      );
    }
    return new CropTeacher({
      image,
      imageShape: [h, w, c],
      cropSize,
      proposals: o.proposals,
      regions: o.regions,
      context: o.context,
      sampling: o.sampling,
      normalization: o.normalize,
    });
  },
};
