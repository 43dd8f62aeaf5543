import * as tf from '@tensorflow/tfjs';

interface DataOwner {
  incRef?(dataId: object): void;
}

/** The parts of tfjs-core 4.x's Engine this file touches. */
interface EngineInternals {
  clone(x: tf.Tensor): tf.Tensor;
  state: { gradientDepth: number; tensorInfo: WeakMap<object, { backend: DataOwner }> };
  makeTensorFromTensorInfo(
    info: { dataId: object; shape: number[]; dtype: tf.DataType },
    backend?: DataOwner,
  ): tf.Tensor;
}

/** Marks the engine's clone once it is kd's (a property of the function, so that restoring tfjs's clone undoes it). */
const LIGHT = Symbol('kd light clone');

/**
 * The tensors tfjs's engine saves for the backward pass (the inputs or outputs each kernel's
 * gradient reads) become new handles on the same data, reference-counted, instead of going through
 * `engine.clone`: a run of the Identity kernel through the whole dispatch, plus two tape nodes per
 * saved tensor (≈ 300 per transformer step, ≈ 1,500 per FFSD step), which the backward pass then
 * filters out again. Those tape nodes only serve gradients of gradients (a saved tensor's path back
 * to its original), so a save made while an outer gradient is recording (gradient depth > 1) still
 * goes through tfjs's clone. Values, gradients and memory are unchanged; only the bookkeeping is
 * lighter. Idempotent; returns whether the engine is lightened (false: its internals are not
 * tfjs-core 4.x's, left alone).
 */
export function lightenGradientSaves(engine: unknown = tf.engine()): boolean {
  const e = engine as EngineInternals;
  if ((e.clone as { [LIGHT]?: true } | undefined)?.[LIGHT]) return true;
  const clone = e.clone;
  if (typeof clone !== 'function' || typeof e.makeTensorFromTensorInfo !== 'function' || !e.state?.tensorInfo) {
    return false;
  }
  const lightClone = function (this: EngineInternals, x: tf.Tensor): tf.Tensor {
    const owner = this.state.tensorInfo.get(x.dataId)?.backend;
    if (this.state.gradientDepth > 1 || x.dtype === 'string' || typeof owner?.incRef !== 'function') {
      return clone.call(this, x);
    }
    owner.incRef(x.dataId);
    return this.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }, owner);
  };
  (lightClone as { [LIGHT]?: true })[LIGHT] = true;
  e.clone = lightClone;
  return true;
}
