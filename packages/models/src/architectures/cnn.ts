import { z, type ModelArchitecture } from '@kd/core';
import { parseOptions } from '../options.js';
import { SmallCnn } from '../small-cnn.js';

const positiveInt = z.number().int().positive();

export const cnn: ModelArchitecture = {
  id: 'cnn',
  description:
    'Small plain CNN: 3× conv3x3–BN–ReLU (widths c, 2c, 4c; max-pool between), avg pool, Linear. Options: width (c, default 16).',
  build(input) {
    const o = parseOptions('cnn', input.options, { width: positiveInt.default(16) });
    return new SmallCnn({ ...input, width: o.width, arch: 'cnn' });
  },
};
