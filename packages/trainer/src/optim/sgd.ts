import * as tf from '@tensorflow/tfjs';
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
        if (this.weightDecay !== 0) g = tf.add(g, tf.mul(w, this.weightDecay));
        let update = g;
        if (this.momentum !== 0) {
          const buf = this.buffers.get(name);
          let b: tf.Tensor;
          if (!buf) {
            b = g;
            this.buffers.set(name, tf.variable(g, false));
          } else {
            b = tf.add(tf.mul(buf, this.momentum), g);
            buf.assign(b);
          }
          update = this.nesterov ? tf.add(g, tf.mul(b, this.momentum)) : b;
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
