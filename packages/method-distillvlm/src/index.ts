export { maskedAttentionMse, type AttentionReduction } from './attention-mse.js';
export { queueTokenNce, type TokenNceOptions } from './token-nce.js';
export { enqueueRows, type QueueState } from './token-queue.js';
export { hiddenMse } from './hidden-mse.js';
export { answerLogitKd, sequenceLogitKd } from './logit-kd.js';
export { validTokenRows } from './valid-tokens.js';
