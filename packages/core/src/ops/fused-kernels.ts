import * as tf from '@tensorflow/tfjs';

/** Does the active backend have every one of these fused kernels (@kd/tfjs-runtime, wasm) for float32 `x`? */
export function hasFusedKernels(x: tf.Tensor, ...kernelNames: string[]): boolean {
  const backend = tf.getBackend();
  return x.dtype === 'float32' && kernelNames.every((name) => tf.getKernel(name, backend) != null);
}
