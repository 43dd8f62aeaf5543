import { describeMethodConformance, tinyDistillationRun } from '@kd/testing';
import { atDescriptor, register } from './index.js';

// TinyNet has two stages (no stage3, which the default pairs read).
const pairs = [
  { student: 'stage1', teacher: 'stage1' },
  { student: 'stage2', teacher: 'stage2' },
];

describeMethodConformance({
  descriptor: atDescriptor,
  register,
  run: () => tinyDistillationRun(atDescriptor, { hparams: { pairs } }),
});
