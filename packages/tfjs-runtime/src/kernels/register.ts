import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.js';
import { castConfig, identityConfig } from './Identity.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput.js';
import { nativeConv2DBackpropFilterConfig } from '../native/conv2d-backprop-filter.js';
import { nativeDepthwiseConv2dBackpropFilterConfig } from '../native/depthwise-filter-grad.js';
import { nativeConv2DBackpropInputConfig } from '../native/conv2d-backprop-input.js';
import { nativeConv2DConfig } from '../native/conv2d.js';
import { nativeBatchMatMulConfig } from '../native/batch-matmul.js';
import { fusedMatMulConfig } from '../native/fused-matmul.js';
import {
  HEAD_CONTEXT_KERNEL,
  HEAD_SCORES_KERNEL,
  headContextConfig,
  headContextGradient,
  headScoresConfig,
  headScoresGradient,
} from '../native/heads-matmul.js';
import { nativeSumConfig, sumGradient } from '../native/sum.js';
import { meanGradient, nativeMeanConfig } from '../native/mean.js';
import { nativeTileConfig } from '../native/tile.js';
import { SOFTMAX_GRAD_KERNEL, softmaxGradConfig, softmaxGradient } from '../native/softmax-grad.js';
import { nativeMaxPoolConfig } from '../native/max-pool.js';
import { nativeMaxPoolGradConfig } from '../native/max-pool-grad.js';
import { unsortedSegmentSumConfig } from '../native/unsorted-segment-sum.js';
import { SGD_MOMENTUM_STEP_KERNEL, sgdMomentumStepConfig } from '../native/sgd-momentum-step.js';
import {
  RELU_GRAD_KERNEL,
  nativeBinaryConfig,
  nativeReluConfig,
  nativeTransposeConfig,
  reluGradConfig,
  reluGradient,
} from '../native/elementwise.js';
import {
  BATCH_NORM_TRAIN_GRAD_KERNEL,
  BATCH_NORM_TRAIN_KERNEL,
  batchNormTrainConfig,
  batchNormTrainGradConfig,
} from '../native/batch-norm-train.js';
import { BATCH_NORM_INFER_KERNEL, batchNormInferConfig, batchNormInferGradient } from '../native/batch-norm-infer.js';
import {
  LAYER_NORM_GRAD_KERNEL,
  LAYER_NORM_KERNEL,
  layerNormConfig,
  layerNormGradConfig,
} from '../native/layer-norm.js';

const factories: ReadonlyArray<(backendName: string) => tf.KernelConfig> = [
  conv2DBackpropFilterConfig,
  nativeDepthwiseConv2dBackpropFilterConfig, // the native kernel where kd's kernels are loaded, else composed
  depthwiseConv2dNativeBackpropInputConfig,
];

/**
 * Faster replacements for kernels the backend has but runs on a slow path; registered over the
 * stock kernel (which is kept, and restored by `unregisterComposedKernels`). wasm only: other
 * backends' own kernels are fine.
 */
const replacements: ReadonlyArray<{ backend: string; make: (backendName: string) => tf.KernelConfig }> = [
  { backend: 'wasm', make: nativeConv2DBackpropInputConfig },
  { backend: 'wasm', make: nativeConv2DBackpropFilterConfig },
  { backend: 'wasm', make: nativeConv2DConfig },
  { backend: 'wasm', make: batchNormTrainConfig },
  { backend: 'wasm', make: batchNormTrainGradConfig },
  { backend: 'wasm', make: batchNormInferConfig },
  { backend: 'wasm', make: layerNormConfig },
  { backend: 'wasm', make: layerNormGradConfig },
  { backend: 'wasm', make: nativeBatchMatMulConfig },
  { backend: 'wasm', make: fusedMatMulConfig },
  { backend: 'wasm', make: headScoresConfig },
  { backend: 'wasm', make: headContextConfig },
  { backend: 'wasm', make: nativeSumConfig },
  { backend: 'wasm', make: nativeMeanConfig },
  { backend: 'wasm', make: nativeMaxPoolConfig },
  { backend: 'wasm', make: nativeMaxPoolGradConfig },
  { backend: 'wasm', make: unsortedSegmentSumConfig },
  { backend: 'wasm', make: sgdMomentumStepConfig },
  { backend: 'wasm', make: nativeBinaryConfig(tf.Add) },
  { backend: 'wasm', make: nativeBinaryConfig(tf.Sub) },
  { backend: 'wasm', make: nativeBinaryConfig(tf.Multiply) },
  { backend: 'wasm', make: nativeBinaryConfig(tf.RealDiv) },
  { backend: 'wasm', make: nativeReluConfig },
  { backend: 'wasm', make: reluGradConfig },
  { backend: 'wasm', make: softmaxGradConfig },
  { backend: 'wasm', make: nativeTransposeConfig },
  { backend: 'wasm', make: nativeTileConfig },
  { backend: 'wasm', make: identityConfig },
  { backend: 'wasm', make: castConfig },
];

/**
 * Names of the kernels this package registers, in registration order: the native wasm kernels
 * (kd_kernels.c (@kd/native-kernels csrc/)) over or beside the stock ones, then the composed ones the backend lacks.
 */
export const COMPOSED_KERNEL_NAMES: readonly string[] = [
  tf.Conv2DBackpropInput,
  tf.Conv2DBackpropFilter,
  tf.Conv2D,
  BATCH_NORM_TRAIN_KERNEL,
  BATCH_NORM_TRAIN_GRAD_KERNEL,
  BATCH_NORM_INFER_KERNEL,
  LAYER_NORM_KERNEL,
  LAYER_NORM_GRAD_KERNEL,
  tf.BatchMatMul,
  tf._FusedMatMul,
  HEAD_SCORES_KERNEL,
  HEAD_CONTEXT_KERNEL,
  tf.Sum,
  tf.Mean,
  tf.MaxPool,
  tf.MaxPoolGrad,
  tf.UnsortedSegmentSum,
  SGD_MOMENTUM_STEP_KERNEL,
  tf.Add,
  tf.Sub,
  tf.Multiply,
  tf.RealDiv,
  tf.Relu,
  RELU_GRAD_KERNEL,
  SOFTMAX_GRAD_KERNEL,
  tf.Transpose,
  tf.Tile,
  tf.Identity,
  tf.Cast,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
];

const ours = new Map<string, Set<string>>();
const stock = new Map<string, tf.KernelConfig>();

/**
 * Register the composed kernels that `backendName` lacks. Kernels the backend already has
 * (natively, or from an earlier call) are left alone, so this is idempotent.
 * Returns the names registered by *this* call.
 */
export function registerComposedKernels(backendName = 'wasm'): string[] {
  const registered: string[] = [];
  // ReLU's gradient as one kernel where it is registered (the same composition elsewhere)
  if (tf.getGradient(tf.Relu) !== reluGradient) tf.registerGradient(reluGradient);
  // Mean's gradient without a tensor of ones filled in JavaScript (the same values)
  if (tf.getGradient(tf.Mean) !== meanGradient) tf.registerGradient(meanGradient);
  // Sum's gradient likewise (dy · ones = dy)
  if (tf.getGradient(tf.Sum) !== sumGradient) tf.registerGradient(sumGradient);
  // Softmax's gradient as one kernel where it is registered (the same composition elsewhere)
  if (tf.getGradient(tf.Softmax) !== softmaxGradient) tf.registerGradient(softmaxGradient);
  // inference batch norm as one pass (its kernel is registered for wasm below)
  if (tf.getGradient(BATCH_NORM_INFER_KERNEL) !== batchNormInferGradient) tf.registerGradient(batchNormInferGradient);
  // the products of attention heads (their kernels are registered for wasm below)
  if (tf.getGradient(HEAD_SCORES_KERNEL) !== headScoresGradient) tf.registerGradient(headScoresGradient);
  if (tf.getGradient(HEAD_CONTEXT_KERNEL) !== headContextGradient) tf.registerGradient(headContextGradient);
  for (const r of replacements) {
    if (r.backend !== backendName || ours.get(backendName)?.has(r.make(backendName).kernelName)) continue;
    const config = r.make(backendName);
    const existing = tf.getKernel(config.kernelName, backendName);
    if (existing) {
      stock.set(`${backendName}/${config.kernelName}`, existing);
      tf.unregisterKernel(config.kernelName, backendName);
    }
    tf.registerKernel(config);
    registered.push(config.kernelName);
    let set = ours.get(backendName);
    if (!set) ours.set(backendName, (set = new Set()));
    set.add(config.kernelName);
  }
  for (const make of factories) {
    const config = make(backendName);
    if (tf.getKernel(config.kernelName, backendName) != null) continue;
    tf.registerKernel(config);
    registered.push(config.kernelName);
    let set = ours.get(backendName);
    if (!set) ours.set(backendName, (set = new Set()));
    set.add(config.kernelName);
  }
  return registered;
}

/** Composed kernels of this package currently registered for `backendName`. */
export function composedKernelsFor(backendName = 'wasm'): string[] {
  const set = ours.get(backendName);
  return COMPOSED_KERNEL_NAMES.filter((name) => set?.has(name) && tf.getKernel(name, backendName) != null);
}

/** Remove the composed kernels registered for `backendName` (tests, or to go back to stock). */
export function unregisterComposedKernels(backendName = 'wasm'): string[] {
  const set = ours.get(backendName);
  const removed: string[] = [];
  for (const name of COMPOSED_KERNEL_NAMES) {
    if (set?.has(name) && tf.getKernel(name, backendName) != null) {
      tf.unregisterKernel(name, backendName);
      const original = stock.get(`${backendName}/${name}`);
      if (original) {
        tf.registerKernel(original);
        stock.delete(`${backendName}/${name}`);
      }
      removed.push(name);
    }
  }
  ours.delete(backendName);
  return removed;
}
