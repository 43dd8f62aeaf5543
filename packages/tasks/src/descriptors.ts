import type { TaskDescriptor } from '@kd/core';
import { ClassificationTask, classificationHParams, classificationMetrics, classificationTerms } from './classification.js';
import { MultiLabelTask, multiLabelHParams, multiLabelMetrics, multiLabelTerms } from './multi-label.js';

export const classificationDescriptor: TaskDescriptor = {
  id: 'classification',
  title: 'Single-label classification',
  description: 'one class per sample: softmax cross-entropy; top-1 accuracy (primary), loss, accuracy per class group',
  hparams: classificationHParams,
  terms: classificationTerms,
  metrics: classificationMetrics,
  primary: 'accuracy',
  impl: ClassificationTask,
};

export const multiLabelDescriptor: TaskDescriptor = {
  id: 'multi-label',
  title: 'Multi-label classification',
  description: 'every class present in a sample: per-class binary cross-entropy; mAP (primary), CP/CR/CF1/OP/OR/OF1 at a threshold',
  hparams: multiLabelHParams,
  terms: multiLabelTerms,
  metrics: multiLabelMetrics,
  primary: 'mAP',
  impl: MultiLabelTask,
};
