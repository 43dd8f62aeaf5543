import type { TaskDescriptor } from '@kd/core';
import {
  ClassificationTask,
  classificationHParams,
  classificationMetrics,
  classificationTerms,
} from './classification.js';
import { DetectionTask, detectionHParams, detectionMetrics, detectionTerms } from './detection.js';
import { MultiLabelTask, multiLabelHParams, multiLabelMetrics, multiLabelTerms } from './multi-label.js';
import { RelationshipsTask, relationshipsHParams, relationshipsMetrics, relationshipsTerms } from './relationships.js';
import { CaptioningTask, captioningHParams, captioningMetrics, captioningTerms } from './captioning.js';
import { VqaTask, vqaHParams, vqaMetrics, vqaTerms } from './vqa.js';
import {
  TripleVerificationTask,
  tripleVerificationHParams,
  tripleVerificationMetrics,
  tripleVerificationTerms,
} from './triple-verification.js';

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
  description:
    'every class present in a sample: per-class binary cross-entropy; mAP (primary), CP/CR/CF1/OP/OR/OF1 at a threshold',
  hparams: multiLabelHParams,
  terms: multiLabelTerms,
  metrics: multiLabelMetrics,
  primary: 'mAP',
  impl: MultiLabelTask,
};

export const relationshipsDescriptor: TaskDescriptor = {
  id: 'relationships',
  title: 'Relationship predicates over object pairs',
  description:
    'the predicate of each (subject, object) pair of annotated boxes, with a background class (RVL-BERT predicate detection): softmax cross-entropy (or per-predicate BCE); predicate recall@50 (primary), @100 and uncut (as the official test script), recall per predicate, triple-verification accuracy',
  hparams: relationshipsHParams,
  terms: relationshipsTerms,
  metrics: relationshipsMetrics,
  primary: 'R@50',
  impl: RelationshipsTask,
};

export const tripleVerificationDescriptor: TaskDescriptor = {
  id: 'triple-verification',
  title: 'Triple verification (SpatialSense-like)',
  description:
    "whether a queried (subject, predicate, object) holds for a pair of annotated boxes (RVL-BERT on SpatialSense): BCE of the queried predicate's logit; accuracy (primary), per queried predicate",
  hparams: tripleVerificationHParams,
  terms: tripleVerificationTerms,
  metrics: tripleVerificationMetrics,
  primary: 'accuracy',
  impl: TripleVerificationTask,
};

export const detectionDescriptor: TaskDescriptor = {
  id: 'detection',
  title: 'Object detection over region proposals',
  description:
    'background + K classes and a class-agnostic box per region (Fast R-CNN style): region CE on sampled regions + box smooth-L1 on the foreground ones (+ RPN objectness BCE and box smooth-L1 on sampled anchors when the model has an RPN); decoding with per-class NMS; AP@0.5 over all (primary), base and novel classes',
  hparams: detectionHParams,
  terms: detectionTerms,
  metrics: detectionMetrics,
  primary: 'AP50',
  impl: DetectionTask,
};

export const vqaDescriptor: TaskDescriptor = {
  id: 'vqa',
  title: 'Visual question answering',
  description:
    "the answer to each sample's question over the dataset's answer vocabulary ([CLS] head): BCE against the soft answer scores; VQA accuracy (primary)",
  hparams: vqaHParams,
  terms: vqaTerms,
  metrics: vqaMetrics,
  primary: 'accuracy',
  impl: VqaTask,
};

export const captioningDescriptor: TaskDescriptor = {
  id: 'captioning',
  title: 'Image captioning',
  description:
    'a caption per image from a causal text decoder: next-token cross-entropy; greedy decoding; CIDEr-D (primary, a score) and BLEU-4',
  hparams: captioningHParams,
  terms: captioningTerms,
  metrics: captioningMetrics,
  primary: 'CIDEr-D',
  impl: CaptioningTask,
};
