import { ConfigError, resolveConfigPath, z, type ModelArchitecture, type ModelBuildInput } from '@kd/core';
import { parseOptions } from './options.js';
import { CifarResNet, RESNET_X4_WIDTHS, resnetBlocksPerStage, resnetWidths } from './resnet.js';
import { SmallCnn } from './small-cnn.js';
import { TransformerClassifier } from './transformer.js';
import { VlTransformer } from './vl-transformer.js';
import { VlSceneModel } from './vl-scene-model.js';
import { GraphModelTeacher } from './io/graph-model-teacher.js';
import { ClipDualEncoder } from './clip-dual-encoder.js';
import { WideResNet, wrnBlocksPerStage } from './wide-resnet.js';

const positiveInt = z.number().int().positive();

/** `width`: a base width (number) or explicit channel widths [stem, stage1, stage2, stage3]. */
const resnetWidth = z
  .union([positiveInt, z.array(positiveInt).length(4)])
  .optional()
  .describe('base width, or explicit widths [stem, stage1, stage2, stage3]');

const resnetDepth = positiveInt
  .refine((d) => d >= 8 && (d - 2) % 6 === 0, { message: 'depth must be 6n+2 with n >= 1 (8, 14, 20, 32, 56, …)' })
  .default(20);

const wrnDepth = positiveInt
  .refine((d) => d >= 10 && (d - 4) % 6 === 0, { message: 'depth must be 6n+4 with n >= 1 (10, 16, 22, 28, 40, …)' })
  .default(16);

function buildResNet(
  id: string,
  input: ModelBuildInput,
  depth: number,
  width: number | readonly number[] | undefined,
  widthsOf: (base: number) => readonly number[],
  defaultWidths: readonly number[],
): CifarResNet {
  resnetBlocksPerStage(depth);
  const widths = width === undefined ? defaultWidths : typeof width === 'number' ? widthsOf(width) : width;
  return new CifarResNet({ ...input, depth, widths, arch: id });
}

/** A CIFAR ResNet of fixed depth, base width 16 (widths 16 | 16, 32, 64). Option: `width`. */
function cifarResNet(depth: number): ModelArchitecture {
  const id = `resnet${depth}`;
  return {
    id,
    description:
      `CIFAR ResNet-${depth} (${(depth - 2) / 6} BasicBlocks per stage, widths 16|16,32,64, option-B shortcuts). ` +
      'Options: width (base width w → w|w,2w,4w, or [stem, s1, s2, s3]).',
    build(input) {
      const o = parseOptions(id, input.options, { width: resnetWidth });
      return buildResNet(id, input, depth, o.width, resnetWidths, resnetWidths(16));
    },
  };
}

/** RepDistiller's ×4 ResNets: stem 32, stages 64, 128, 256. Option: `width` (stem width s → s|2s,4s,8s). */
function cifarResNetX4(depth: number): ModelArchitecture {
  const id = `resnet${depth}x4`;
  const x4 = (s: number) => [s, 2 * s, 4 * s, 8 * s];
  return {
    id,
    description:
      `CIFAR ResNet-${depth}×4 as in RepDistiller (widths 32|64,128,256). ` +
      'Options: width (stem width s → s|2s,4s,8s, or [stem, s1, s2, s3]).',
    build(input) {
      const o = parseOptions(id, input.options, { width: resnetWidth });
      return buildResNet(id, input, depth, o.width, x4, RESNET_X4_WIDTHS);
    },
  };
}

export const resnet: ModelArchitecture = {
  id: 'resnet',
  description: 'CIFAR ResNet of any depth. Options: depth (6n+2, default 20), width (base width, default 16, or [stem, s1, s2, s3]).',
  build(input) {
    const o = parseOptions('resnet', input.options, { depth: resnetDepth, width: resnetWidth });
    return buildResNet(`resnet${o.depth}`, input, o.depth, o.width, resnetWidths, resnetWidths(16));
  },
};

export const resnet8 = cifarResNet(8);
export const resnet14 = cifarResNet(14);
export const resnet20 = cifarResNet(20);
export const resnet32 = cifarResNet(32);
export const resnet56 = cifarResNet(56);
export const resnet8x4 = cifarResNetX4(8);
export const resnet32x4 = cifarResNetX4(32);

export const wrn: ModelArchitecture = {
  id: 'wrn',
  description: 'Wide ResNet WRN-d-k (pre-activation, widths 16|16k,32k,64k). Options: depth (6n+4, default 16), widen (k, default 2).',
  build(input) {
    const o = parseOptions('wrn', input.options, { depth: wrnDepth, widen: positiveInt.default(2) });
    wrnBlocksPerStage(o.depth);
    return new WideResNet({ ...input, depth: o.depth, widen: o.widen, arch: `wrn-${o.depth}-${o.widen}` });
  },
};

function namedWrn(depth: number, widen: number): ModelArchitecture {
  const id = `wrn-${depth}-${widen}`;
  return {
    id,
    description: `Wide ResNet WRN-${depth}-${widen} (pre-activation, widths 16|${16 * widen},${32 * widen},${64 * widen}). No options.`,
    build(input) {
      parseOptions(id, input.options, {});
      return new WideResNet({ ...input, depth, widen, arch: id });
    },
  };
}

export const wrn16x2 = namedWrn(16, 2);
export const wrn40x2 = namedWrn(40, 2);

export const cnn: ModelArchitecture = {
  id: 'cnn',
  description: 'Small plain CNN: 3× conv3x3–BN–ReLU (widths c, 2c, 4c; max-pool between), avg pool, Linear. Options: width (c, default 16).',
  build(input) {
    const o = parseOptions('cnn', input.options, { width: positiveInt.default(16) });
    return new SmallCnn({ ...input, width: o.width, arch: 'cnn' });
  },
};

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

export const vlTransformer: ModelArchitecture = {
  id: 'vl-transformer',
  description:
    'Single-stream vision-language transformer over text tokens + region tokens (features + box geometry + segment), ' +
    'with [CLS], masked-token, image-text matching and relation heads. Options: vocabSize, textLength (16), regions (8), ' +
    'regionFeatures (64), layers (4), dModel (128), heads (4), ffn (512), normFirst, activation, predicates (0), textAttention (bidirectional|causal).',
  build(input) {
    const o = parseOptions('vl-transformer', input.options, {
      vocabSize: positiveInt,
      textLength: positiveInt.default(16),
      regions: positiveInt.default(8),
      regionFeatures: positiveInt.default(64),
      layers: positiveInt.default(4),
      dModel: positiveInt.default(128),
      heads: positiveInt.default(4),
      ffn: positiveInt.default(512),
      normFirst: z.boolean().default(false),
      activation: z.enum(['relu', 'gelu']).default('gelu'),
      predicates: z.number().int().min(0).default(0),
      textAttention: z.enum(['bidirectional', 'causal']).default('bidirectional'),
    });
    return new VlTransformer({ ...o, numClasses: input.numClasses, seed: input.seed });
  },
};

const tapKinds = z.enum(['logits', 'embedding', 'feature', 'attention', 'hidden', 'region', 'other']);

/** A TensorFlow.js graph model on the local disk, frozen, its taps named graph nodes. */
export const graphModel: ModelArchitecture = {
  id: 'graph-model',
  description:
    'A TensorFlow.js graph model from disk (e.g. converted by tensorflowjs_converter) as a frozen teacher; its weights come with the file. ' +
    "Options: path (model.json or its folder), input (input node; default the graph's only input), taps ({name: {node, kind}}; logits required).",
  build(input) {
    const o = parseOptions('graph-model', input.options, {
      path: z.string().min(1),
      input: z.string().optional(),
      taps: z.record(z.string(), z.object({ node: z.string().min(1), kind: tapKinds.optional() }).strict()),
    });
    return GraphModelTeacher.loadSync(resolveConfigPath(input.baseDir, o.path), { taps: o.taps, inputShape: input.inputShape, ...(o.input ? { input: o.input } : {}) });
  },
};

/** A small CLIP (image tower + text tower) for image–text datasets; see ClipDualEncoder. */
export const clip: ModelArchitecture = {
  id: 'clip',
  description:
    'A small CLIP-like dual encoder for image–text datasets (data.dataset: captioned): an image tower (any architecture here, its embedding projected) ' +
    'and a text encoder in one normalised space; zero-shot logits from class-name prompt ensembles. ' +
    "Options: image ({arch, options}; default cnn), embedDim (64), text ({kind: transformer|bag, dModel, layers, heads, ffn}).",
  build(input) {
    const o = parseOptions('clip', input.options, {
      image: z.object({ arch: z.string().default('cnn'), options: z.record(z.string(), z.unknown()).default({}) }).strict().default({ arch: 'cnn', options: {} }),
      embedDim: positiveInt.default(64),
      text: z
        .object({
          kind: z.enum(['transformer', 'bag']).default('transformer'),
          dModel: positiveInt.default(64),
          layers: positiveInt.default(2),
          heads: positiveInt.default(4),
          ffn: positiveInt.default(128),
        })
        .strict()
        .default({ kind: 'transformer', dModel: 64, layers: 2, heads: 4, ffn: 128 }),
    });
    const text = input.data?.text;
    if (!text) throw new ConfigError('arch', "clip needs an image–text dataset with a vocabulary (e.g. data.dataset: captioned)");
    const tower = architectures.find((a) => a.id === o.image.arch);
    if (!tower || tower.id === 'clip') throw new ConfigError('options.image.arch', `unknown image architecture '${o.image.arch}'`);
    const image = tower.build({ inputShape: input.inputShape, numClasses: input.numClasses, seed: input.seed, options: o.image.options });
    return new ClipDualEncoder({ image, embedDim: o.embedDim, text: o.text, data: text, numClasses: input.numClasses, seed: input.seed + 1 });
  },
};

export const vlScene: ModelArchitecture = {
  id: 'vl-scene',
  description:
    'Vision-language model over images with region proposals (data: scene-captions): small CNN backbone (stride 4) → RoIAlign of the first R proposals → ' +
    'vl-transformer over caption tokens + region tokens. Options: width (16), pool (2), regions (8), proposals ("" | "biased"), layers (2), dModel (64), ' +
    'heads (4), ffn (128), normFirst, activation, predicates (0), textAttention.',
  build(input) {
    const o = parseOptions('vl-scene', input.options, {
      width: positiveInt.default(16),
      pool: positiveInt.default(2),
      regions: positiveInt.default(8),
      proposals: z.string().default(''),
      layers: positiveInt.default(2),
      dModel: positiveInt.default(64),
      heads: positiveInt.default(4),
      ffn: positiveInt.default(128),
      normFirst: z.boolean().default(false),
      activation: z.enum(['relu', 'gelu']).default('gelu'),
      predicates: z.number().int().min(0).default(0),
      textAttention: z.enum(['bidirectional', 'causal']).default('bidirectional'),
    });
    const text = input.data?.text;
    if (!text) throw new ConfigError('arch', 'vl-scene needs scenes with captions and a vocabulary (data.dataset: scene-captions)');
    return new VlSceneModel({ ...o, inputShape: input.inputShape, vocabSize: text.vocabSize, textLength: text.length, numClasses: input.numClasses, seed: input.seed });
  },
};

/** Every architecture this package provides, in registration order. */
export const architectures: readonly ModelArchitecture[] = [
  resnet,
  resnet8,
  resnet14,
  resnet20,
  resnet32,
  resnet56,
  resnet8x4,
  resnet32x4,
  wrn,
  wrn16x2,
  wrn40x2,
  cnn,
  transformer,
  vlTransformer,
  vlScene,
  graphModel,
  clip,
];
