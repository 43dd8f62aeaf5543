import * as tf from '@tensorflow/tfjs';

/**
 * BatchMatMul for wasm with transposeA / transposeB done as explicit Transposes before a plain
 * product: the stock kernel's transposed paths run 10–40× slower than the plain one (about
 * 0.5–2 vs 20 GFLOP/s), and attention (Q·Kᵀ) and every matmul gradient use them. The stock kernel
 * is kept and does the product.
 */
export function batchMatMulConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.BatchMatMul, backendName);
  const transpose = tf.getKernel(tf.Transpose, backendName);
  if (!stock || !transpose) throw new Error(`${backendName} lacks BatchMatMul or Transpose`);
  return {
    kernelName: tf.BatchMatMul,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      if (!transposeA && !transposeB) return stock.kernelFunc(args);
      const temps: tf.TensorInfo[] = [];
      const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
        const rank = t.shape.length;
        const perm = [...Array(rank).keys()];
        [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
        const out = transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
        temps.push(out);
        return out;
      };
      try {
        const a = transposeA ? swapLast(inputs['a']!) : inputs['a']!;
        const b = transposeB ? swapLast(inputs['b']!) : inputs['b']!;
        return stock.kernelFunc({
          inputs: { a, b },
          backend,
          attrs: { ...(attrs as object), transposeA: false, transposeB: false },
        }) as tf.TensorInfo;
      } finally {
        for (const t of temps) (backend as tf.KernelBackend).disposeData(t.dataId);
      }
    },
  };
}
