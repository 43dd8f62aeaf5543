import { z, type ModelArchitecture, type ModelBuildInput } from '@kd/core';
import { parseOptions } from '../options.js';
import { CifarResNet, RESNET_X4_WIDTHS, resnetBlocksPerStage, resnetWidths } from '../resnet.js';

const positiveInt = z.number().int().positive();

/** `width`: a base width (number) or explicit channel widths [stem, stage1, stage2, stage3]. */
const resnetWidth = z
  .union([positiveInt, z.array(positiveInt).length(4)])
  .optional()
  .describe('base width, or explicit widths [stem, stage1, stage2, stage3]');

const resnetDepth = positiveInt
  .refine((d) => d >= 8 && (d - 2) % 6 === 0, { message: 'depth must be 6n+2 with n >= 1 (8, 14, 20, 32, 56, …)' })
  .default(20);

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
  description:
    'CIFAR ResNet of any depth. Options: depth (6n+2, default 20), width (base width, default 16, or [stem, s1, s2, s3]).',
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
