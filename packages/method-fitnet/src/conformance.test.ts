import { describeMethodConformance, tinyDistillationRun } from '@kd/testing';
import { fitnetDescriptor, register } from './index.js';

describeMethodConformance({ descriptor: fitnetDescriptor, register, run: () => tinyDistillationRun(fitnetDescriptor) });
