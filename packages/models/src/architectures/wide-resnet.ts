import { z, type ModelArchitecture } from '@kd/core';
import { parseOptions } from '../options.js';
import { WideResNet, wrnBlocksPerStage } from '../wide-resnet.js';

const positiveInt = z.number().int().positive();

const wrnDepth = positiveInt
  .refine((d) => d >= 10 && (d - 4) % 6 === 0, { message: 'depth must be 6n+4 with n >= 1 (10, 16, 22, 28, 40, …)' })
  .default(16);

export const wrn: ModelArchitecture = {
  id: 'wrn',
  description:
    'Wide ResNet WRN-d-k (pre-activation, widths 16|16k,32k,64k). Options: depth (6n+4, default 16), widen (k, default 2).',
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
