import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter.js';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput.js';

const factories: ReadonlyArray<(backendName: string) => tf.KernelConfig> = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
];

/**
 * Faster replacements for kernels the backend has but runs on a slow path; registered over the
 * stock kernel (which is kept, and restored by `unregisterComposedKernels`). wasm only: other
 * backends' own kernels are fine.
 */
const replacements: ReadonlyArray<{ backend: string; make: (backendName: string) => tf.KernelConfig }> = [
  { backend: 'wasm', make: conv2DBackpropInputConfig },
];

/** Names of the kernels this package can compose or replace. */
export const COMPOSED_KERNEL_NAMES: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.Conv2DBackpropInput,
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
  for (const make of factories) {
    const config = make(backendName);
    if (tf.getKernel(config.kernelName, backendName) != null) continue;
    tf.registerKernel(config);
    registered.push(config.kernelName);
    let set = ours.get(backendName);
    if (!set) ours.set(backendName, (set = new Set()));
    set.add(config.kernelName);
  }
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
