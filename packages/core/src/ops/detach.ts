import * as tf from '@tensorflow/tfjs';

interface EngineInternals {
  backend: unknown;
  nextTensorId(): number;
  incRef(t: tf.Tensor, backend: unknown): void;
}

/**
 * Stop-gradient (PyTorch's `.detach()`), which tfjs lacks: a new tensor that shares the data of `x`
 * (one more reference on the backend buffer, no copy) but has no node on the gradient tape, so
 * nothing flows back through it. Tracked by the enclosing `tf.tidy` like any other tensor.
 */
export function detach<T extends tf.Tensor>(x: T): T {
  const engine = tf.engine() as unknown as EngineInternals;
  const TensorCtor = tf.Tensor as unknown as new (shape: number[], dtype: tf.DataType, dataId: object, id: number) => T;
  const alias = new TensorCtor(x.shape, x.dtype, x.dataId, engine.nextTensorId());
  engine.incRef(alias, engine.backend);
  return alias;
}
