import type * as tf from '@tensorflow/tfjs';
import { nativeKernelsForFloat } from './module.js';

/**
 * Name of the fused SGD-with-momentum update (one torch.optim.SGD step for one parameter). @kd/core's
 * `sgdMomentumStep` uses it when the active backend has it (the wasm backend) and composes tfjs ops
 * otherwise, with the same roundings (kd_kernels.c `sgd_momentum_step`).
 *   inputs w, g, buf (float32, one shape); attrs lr, momentum, weightDecay, nesterov → [w', buf']
 */
export const SGD_MOMENTUM_STEP_KERNEL = 'KdSgdMomentumStep';

export interface SgdMomentumStepAttrs {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export function sgdMomentumStepConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: SGD_MOMENTUM_STEP_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const k = nativeKernelsForFloat(backend, SGD_MOMENTUM_STEP_KERNEL, inputs);
      const { w, g, buf } = inputs as Record<'w' | 'g' | 'buf', tf.TensorInfo>;
      const size = w.shape.reduce((a, b) => a * b, 1);
      for (const [name, t] of [
        ['g', g],
        ['buf', buf],
      ] as const) {
        if (t.shape.reduce((a, b) => a * b, 1) !== size) {
          throw new Error(`${SGD_MOMENTUM_STEP_KERNEL}: ${name} has shape [${t.shape}], w has [${w.shape}]`);
        }
      }
      const { lr, momentum, weightDecay, nesterov } = attrs as unknown as SgdMomentumStepAttrs;
      const wOut = k.output([...w.shape]);
      const bufOut = k.output([...w.shape]);
      k.sgd_momentum_step(
        k.offsetOf(w),
        k.offsetOf(g),
        k.offsetOf(buf),
        wOut.offset,
        bufOut.offset,
        size,
        lr,
        momentum,
        weightDecay,
        nesterov ? 1 : 0,
      );
      return [wOut.info, bufOut.info];
    },
  };
}
