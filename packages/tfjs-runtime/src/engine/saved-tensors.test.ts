import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerComposedKernels } from '../kernels/register.js';
import { firstDifference, seeded } from '../test-utils.js';
import { lightenGradientSaves } from './saved-tensors.js';

// Saving tensors for the backward pass without tfjs's engine.clone gives the same gradients, bit
// for bit, leaks nothing, runs no Identity kernel and records no tape node per save, and leaves
// gradients of gradients to tfjs's clone.

/** The gradients of a small attention-and-MLP-like loss: products, softmax, relu, a customGrad op. */
function gradients(): tf.TypedArray[] {
  return tf.tidy(() => {
    const x = tf.tensor(seeded(6 * 8, 1), [6, 8]);
    const w1 = tf.tensor(seeded(8 * 16, 2), [8, 16]);
    const w2 = tf.tensor(seeded(16 * 4, 3), [16, 4]);
    const square = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [a, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([a]);
      return { value: tf.mul(a, a), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.mul(dy, tf.mul(s!, 2)) };
    });
    const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const h = tf.relu(tf.matMul(a, b));
      const p = tf.softmax(tf.matMul(h, c));
      return tf.sum(square(tf.sub(p, 0.25)) as tf.Tensor);
    };
    return tf
      .grads(loss)([x, w1, w2])
      .map((g) => g.dataSync());
  });
}

/** Identity kernel runs and tape nodes recorded while computing `gradients`. */
function bookkeeping(): { identities: number; tapeNodes: number } {
  const backend = tf.getBackend();
  const config = tf.getKernel(tf.Identity, backend)!;
  let identities = 0;
  tf.unregisterKernel(tf.Identity, backend);
  tf.registerKernel({ ...config, kernelFunc: (args) => (identities++, config.kernelFunc(args)) });
  const engine = tf.engine() as unknown as { addTapeNode: (...args: unknown[]) => void };
  const addTapeNode = engine.addTapeNode;
  let tapeNodes = 0;
  engine.addTapeNode = function (...args: unknown[]) {
    tapeNodes++;
    return addTapeNode.apply(this, args);
  };
  try {
    gradients();
  } finally {
    engine.addTapeNode = addTapeNode;
    tf.unregisterKernel(tf.Identity, backend);
    tf.registerKernel(config);
  }
  return { identities, tapeNodes };
}

describe.each(['cpu', 'wasm'])('lightenGradientSaves on %s', (backendName) => {
  it('gives the same gradients, bit for bit, without an Identity kernel or tape node per save, and leaks nothing', async () => {
    await tf.setBackend(backendName);
    await tf.ready();
    if (backendName === 'wasm') registerComposedKernels('wasm');
    const engine = tf.engine() as unknown as { clone: unknown };
    const tfjsClone = engine.clone;
    const want = gradients();
    const before = bookkeeping();
    expect(lightenGradientSaves()).toBe(true);
    expect(lightenGradientSaves()).toBe(true); // idempotent
    try {
      const tensors = tf.memory().numTensors;
      const got = gradients();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(got.map((g, i) => firstDifference(g, want[i]!))).toEqual([-1, -1, -1]);
      const after = bookkeeping();
      expect(after.identities).toBe(0);
      expect(before.identities).toBeGreaterThan(5);
      // tfjs's clone records a tape node per save (its Identity runs inside a kernel: none for it)
      expect(before.tapeNodes - after.tapeNodes).toBe(before.identities);
    } finally {
      engine.clone = tfjsClone;
    }
  });

  it('leaves gradients of gradients to tfjs: d²/dx² of Σ x³ = 6x', async () => {
    await tf.setBackend(backendName);
    expect(tf.getBackend()).toBe(backendName);
    const engine = tf.engine() as unknown as { clone: unknown };
    const tfjsClone = engine.clone;
    lightenGradientSaves();
    try {
      const second = tf.tidy(() => {
        const x = tf.tensor1d([0.5, -1.25, 2]);
        const dx = (a: tf.Tensor) => tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.mul(b, b), b)))(a);
        return tf
          .grad((a: tf.Tensor) => tf.sum(dx(a)))(x)
          .dataSync();
      });
      expect(Array.from(second)).toEqual([3, -7.5, 12]);
    } finally {
      engine.clone = tfjsClone;
    }
  });
});
