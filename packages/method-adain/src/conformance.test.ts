import { cnn } from '@kd/models';
import { describeMethodConformance, tinyDistillationRun } from '@kd/testing';
import { adainDescriptor, register } from './index.js';

// The teacher must resume its forward from a tap (forwardFrom): @kd/models' small CNN, widths 4 and 2.
const net = (width: number, seed: number) =>
  cnn.build({ inputShape: [8, 8, 1], numClasses: 5, seed, options: { width } });

describeMethodConformance({
  descriptor: adainDescriptor,
  register,
  run: () => tinyDistillationRun(adainDescriptor, { teacher: net(4, 1), student: net(2, 2) }),
});
