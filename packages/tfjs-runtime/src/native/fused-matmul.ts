import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * _FusedMatMul (`tf.fused.matMul`: a product, then a bias over the last axis, then an activation) as
 * kd's BatchMatMul with the bias added — and the ReLU applied — in place on its output while it is
 * still in cache: the operations of the unfused matMul, add and relu on kd's kernels, so the same
 * bits, in one output instead of three. (The stock wasm kernel starts XNNPACK's sums from the bias,
 * which rounds differently.) Other activations, PReLU weights and other bias shapes go to the stock
 * kernel.
 */
export function fusedMatMulConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf._FusedMatMul, backendName);
  return {
    kernelName: tf._FusedMatMul,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
      const { transposeA, transposeB, activation } = attrs as unknown as {
        transposeA: boolean;
        transposeB: boolean;
        activation: string;
      };
      const k = nativeKernelsFor(backend);
      const matMul = tf.getKernel(tf.BatchMatMul, backendName);
      const n = a && b ? (transposeB ? b.shape.at(-2) : b.shape.at(-1)) : undefined;
      const rowBias =
        !bias || (bias.dtype === 'float32' && bias.shape.at(-1) === n && bias.shape.slice(0, -1).every((d) => d === 1));
      const fusable =
        k && matMul && a && b && a.dtype === 'float32' && b.dtype === 'float32' && rowBias && !preluActivationWeights;
      if (!fusable || (activation !== 'linear' && activation !== 'relu')) {
        if (!stock) throw new Error(`${backendName} has no ${tf._FusedMatMul} for activation ${activation}`);
        return stock.kernelFunc(args);
      }
      const out = matMul.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } }) as tf.TensorInfo;
      const total = size(out.shape);
      if (total === 0) return out;
      const offset = k.offsetOf(out);
      if (bias) k.binary_rows(offset, k.offsetOf(bias), offset, 0, total / n!, n!, 0);
      if (activation === 'relu') k.relu(offset, offset, 0, total);
      return out;
    },
  };
}
