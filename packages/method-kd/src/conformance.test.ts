import { describeMethodConformance, tinyDistillationRun } from '@kd/testing';
import { kdDescriptor, register } from './index.js';

describeMethodConformance({ descriptor: kdDescriptor, register, run: () => tinyDistillationRun(kdDescriptor) });
