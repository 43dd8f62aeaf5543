import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from './optimizer.js';

/**
 * torch.optim.Adam (coupled L2: g ← g + wd·w) or torch.optim.AdamW (decoupled: w ← w − lr·wd·w),
 * with bias correction: w ← w − lr·m̂/(√v̂ + ε).
 *
 * Variant 'bert' is pytorch-transformers' AdamW (BERT, VL-BERT, RVL-BERT:
 * `common/nlp/bert/optimization.py`): w ← w − lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε), ε on the
 * *uncorrected* √v, then (decoupled) w ← w − lr·wd·w of the *updated* w.
 */
export class Adam implements Optimizer {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly eps: number,
    private readonly weightDecay: number,
    private readonly decoupled: boolean,
    private readonly variant: 'torch' | 'bert' = 'torch',
  ) {}

  step(vars: ReadonlyMap<string, tf.Variable>, grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    this.t += 1;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      for (const [name, w] of vars) {
        let g = grads[name];
        if (!g) continue;
        if (this.weightDecay !== 0 && !this.decoupled) g = tf.add(g, tf.mul(w, this.weightDecay));
        let m = this.m.get(name);
        let v = this.v.get(name);
        if (!m || !v) {
          m = tf.variable(tf.zerosLike(w), false);
          v = tf.variable(tf.zerosLike(w), false);
          this.m.set(name, m);
          this.v.set(name, v);
        }
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        let next: tf.Tensor;
        if (this.variant === 'bert') {
          next = tf.sub(w, tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.eps)), (lr * Math.sqrt(bc2)) / bc1));
          if (this.weightDecay !== 0 && this.decoupled) next = tf.sub(next, tf.mul(next, lr * this.weightDecay));
        } else {
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.eps);
          next = tf.sub(w, tf.mul(tf.div(m, denom), lr / bc1));
          if (this.weightDecay !== 0 && this.decoupled) next = tf.sub(next, tf.mul(w, lr * this.weightDecay));
        }
        w.assign(next);
      }
    });
  }

  getState(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of this.m) out[`m/${k}`] = v;
    for (const [k, v] of this.v) out[`v/${k}`] = v;
    return out;
  }

  /** The step count travels with the checkpoint's JSON state. */
  get stepCount(): number {
    return this.t;
  }

  set stepCount(t: number) {
    this.t = t;
  }

  setState(state: Readonly<Record<string, tf.Tensor>>): void {
    this.dispose();
    for (const [k, v] of Object.entries(state)) {
      if (k.startsWith('m/')) this.m.set(k.slice(2), tf.variable(v.clone(), false));
      else if (k.startsWith('v/')) this.v.set(k.slice(2), tf.variable(v.clone(), false));
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
