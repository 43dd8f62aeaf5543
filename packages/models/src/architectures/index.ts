import type { ModelArchitecture } from '@kd/core';
import { cnn } from './cnn.js';
import { cropTeacher, encoderWithHeads } from './composite.js';
import { cropClassifierDetector } from './crop-classifier.js';
import { regionDetector } from './detection.js';
import { graphModel } from './graph-model.js';
import { resnet, resnet14, resnet20, resnet32, resnet32x4, resnet56, resnet8, resnet8x4 } from './resnet.js';
import { transformer } from './transformer.js';
import { clip, vlScene, vlTransformer } from './vision-language.js';
import { roiClassifier, wsddn } from './weakly-supervised.js';
import { rvlBert } from './rvl-bert.js';
import { wrn, wrn16x2, wrn40x2 } from './wide-resnet.js';

export * from './cnn.js';
export * from './composite.js';
export * from './crop-classifier.js';
export * from './detection.js';
export * from './graph-model.js';
export * from './resnet.js';
export * from './rvl-bert.js';
export * from './transformer.js';
export * from './vision-language.js';
export * from './weakly-supervised.js';
export * from './wide-resnet.js';

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
  regionDetector,
  encoderWithHeads,
  cropTeacher,
  cropClassifierDetector,
  wsddn,
  roiClassifier,
  rvlBert,
];
