import { describeMethodConformance, TinyNet, tinyDistillationRun } from '@kd/testing';
import { ffsdDescriptor, register } from './index.js';

// No teacher: the leader is the student (TinyNet width 4); its common students are TinyNets like it.
describeMethodConformance({
  descriptor: ffsdDescriptor,
  register,
  run: () =>
    tinyDistillationRun(ffsdDescriptor, {
      hparams: { taps: ['stage1', 'stage2'] },
      teacher: null,
      buildLike: (_participant, seed) => new TinyNet(4, 8, 5, seed),
    }),
});
