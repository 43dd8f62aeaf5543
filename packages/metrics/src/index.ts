// Classification
export { flatMatrix, type FlatMatrix, type Matrix } from './matrix.js';
export * from './argmax.js';
export * from './accuracy.js';
export * from './per-class-accuracy.js';
export * from './group-accuracy.js';
export * from './long-tail-groups.js';
// Multi-label
export * from './average-precision.js';
export * from './multi-label-average-precision.js';
export * from './multi-label-precision-recall.js';
// Detection
export { boxArea, boxIou, type Box } from './box-iou.js';
export * from './precision-recall-area.js';
export * from './detection-average-precision.js';
export * from './correct-localization.js';
export * from './mean-average-precision.js';
// Relationships
export * from './predicate-recall.js';
export * from './triple-verification.js';
// VQA
export * from './vqa-accuracy.js';
// Captions
export { tokenizeCaption, type Caption } from './caption-tokenize.js';
export * from './bleu.js';
export * from './cider-d.js';
