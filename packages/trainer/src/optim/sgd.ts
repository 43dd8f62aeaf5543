import * as tf from '@tensorflow/tfjs';
import { sgdMomentumStep } from '@kd/core';
import type { Optimizer } from './optimizer.js';

/**
 * torch.optim.SGD: g ← g + wd·w; b ← μ·b + g (b = g on the first step); step = nesterov ? g + μ·b : b;
 * w ← w − lr·step.
 */
export class Sgd implements Optimizer {
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(
    private readonly momentum: number,
    private readonly nesterov: boolean,
    private readonly weightDecay: number,
  ) {}

  step(vars: ReadonlyMap<string, tf.Variable>, grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    tf.tidy(() => {
      for (const [name, w] of vars) {
        let g = grads[name];
        if (!g) continue;
        const buf = this.momentum !== 0 ? this.buffers.get(name) : undefined;
        if (buf) {
          // every step after the first: one fused kernel where the backend has it (same bits)
          const next = sgdMomentumStep(w, g, buf, {
            lr,
            momentum: this.momentum,
            weightDecay: this.weightDecay,
            nesterov: this.nesterov,
          });
          buf.assign(next.buf);
          w.assign(next.w);
          continue;
        }
        if (this.weightDecay !== 0) g = tf.add(g, tf.mul(w, this.weightDecay));
        let update = g;
        if (this.momentum !== 0) {
          // the first step: the buffer starts as the gradient
          this.buffers.set(name, tf.variable(g, false));
          update = this.nesterov ? tf.add(g, tf.mul(g, this.momentum)) : g;
        }
        w.assign(tf.sub(w, tf.mul(update, lr)));
      }
    });
  }

  getState(): Record<string, tf.Tensor> {
    return Object.fromEntries([...this.buffers].map(([k, v]) => [`momentum/${k}`, v]));
  }

  setState(state: Readonly<Record<string, tf.Tensor>>): void {
    this.dispose();
    for (const [k, v] of Object.entries(state)) {
      if (k.startsWith('momentum/')) this.buffers.set(k.slice('momentum/'.length), tf.variable(v.clone(), false));
    }
  }

  dispose(): void {
    for (const v of this.buffers.values()) v.dispose();
    this.buffers.clear();
  }
}
