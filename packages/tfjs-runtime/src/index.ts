export {
  selectBackend,
  backendSummary,
  BackendUnavailableError,
  type BackendReport,
  type BackendAttempt,
  type BackendRequest,
  type Candidate,
  type SelectBackendOptions,
} from './select-backend.js';
export {
  registerComposedKernels,
  unregisterComposedKernels,
  composedKernelsFor,
  COMPOSED_KERNEL_NAMES,
} from './kernels/register.js';
export {
  conv2DBackpropFilterNHWC,
  chooseConv2DBackpropFilterMethod,
  type Conv2DBackpropFilterMethod,
} from './kernels/Conv2DBackpropFilter.js';
export { depthwiseConv2dBackpropFilterNHWC } from './kernels/DepthwiseConv2dNativeBackpropFilter.js';
export { depthwiseConv2dBackpropInputNHWC } from './kernels/DepthwiseConv2dNativeBackpropInput.js';
export { BATCH_NORM_TRAIN_KERNEL, BATCH_NORM_TRAIN_GRAD_KERNEL } from './native/batch-norm-train.js';
export { batchNormInfer, BATCH_NORM_INFER_KERNEL } from './native/batch-norm-infer.js';
export { RELU_GRAD_KERNEL } from './native/elementwise.js';
export { SGD_MOMENTUM_STEP_KERNEL, type SgdMomentumStepAttrs } from './native/sgd-momentum-step.js';
export { LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL } from './native/layer-norm.js';
export { headScores, headContext, HEAD_SCORES_KERNEL, HEAD_CONTEXT_KERNEL } from './native/heads-matmul.js';
export {
  nativeKernelBuild,
  availableNativeKernelBuilds,
  useNativeKernelBuild,
  type NativeKernelBuild,
  type WasmKernelBuild,
  type AddonKernelBuild,
} from './native/module.js';
export {
  nativeAddonStatus,
  nativeAddonReport,
  setNativeThreads,
  defaultNativeThreads,
  type NativeAddonStatus,
} from './native/addon.js';
export { lightenGradientSaves } from './engine/saved-tensors.js';
export { numericsOf, numericsLabel, type Numerics } from './numerics.js';
