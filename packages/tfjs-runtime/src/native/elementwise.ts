import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor, type NativeKernels } from './module.js';

/**
 * The element-wise kernels around the products and convolutions (bias adds, residual sums, the
 * ReLU and its gradient, attention-head transposes), run by the native addon — vectorised for the
 * CPU and split over its threads — in place of tfjs-wasm's one-thread kernels. They compute the
 * same IEEE operations element by element, so the results are the same bits. Only the common
 * float32 cases are taken; every other call (other dtypes, general broadcasting, the wasm builds of
 * kd's kernels, where the stock kernels are as fast) goes to the stock kernel.
 */

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function addonKernels(backend: unknown, ...inputs: tf.TensorInfo[]): NativeKernels | undefined {
  if (inputs.some((t) => t.dtype !== 'float32')) return undefined;
  const k = nativeKernelsFor(backend);
  return k?.onAddon ? k : undefined;
}

function stockOf(kernelName: string, backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(kernelName, backendName);
  if (!stock) throw new Error(`${backendName} lacks ${kernelName}`);
  return stock;
}

const BINARY_OPS = { [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2, [tf.RealDiv]: 3 } as const;
type BinaryKernel = keyof typeof BINARY_OPS;
const COMMUTATIVE: Record<BinaryKernel, boolean> = {
  [tf.Add]: true,
  [tf.Sub]: false,
  [tf.Multiply]: true,
  [tf.RealDiv]: false,
};

/** `row` is a bias over `full`'s last axis: of shape [C] or [1, …, 1, C]. */
const isRowOf = (row: tf.TensorInfo, full: tf.TensorInfo) =>
  full.shape.length >= 2 &&
  row.shape.length >= 1 &&
  row.shape.length <= full.shape.length &&
  row.shape.at(-1) === full.shape.at(-1) &&
  row.shape.at(-1)! > 1 &&
  row.shape.slice(0, -1).every((d) => d === 1);

/** `col` is one value per row of `full`: `full`'s shape with a last axis of 1 (a channel mean, a row norm). */
const isColOf = (col: tf.TensorInfo, full: tf.TensorInfo) =>
  full.shape.length >= 2 &&
  col.shape.length === full.shape.length &&
  col.shape.at(-1) === 1 &&
  full.shape.at(-1)! > 1 &&
  col.shape.slice(0, -1).every((d, i) => d === full.shape[i]);

/**
 * Add, Sub, Multiply, RealDiv: one shape; a bias over the last axis (b of shape [C] or
 * [1, …, C]); or one value per row (b of a's shape with a last axis of 1). a may be the broadcast
 * operand where the operation commutes (Add, Multiply): x (op) y = y (op) x in IEEE arithmetic.
 */
export function nativeBinaryConfig(kernelName: BinaryKernel) {
  return (backendName: string): tf.KernelConfig => {
    const stock = stockOf(kernelName, backendName);
    const op = BINARY_OPS[kernelName];
    const commutes = COMMUTATIVE[kernelName];
    return {
      kernelName,
      backendName,
      kernelFunc: (args) => {
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        const k = addonKernels(args.backend, a, b);
        const n = size(a.shape);
        if (!k || n === 0) return stock.kernelFunc(args);
        if (a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i])) {
          const out = k.output([...a.shape]);
          k.binary_op(k.offsetOf(a), k.offsetOf(b), out.offset, 0, n, op);
          return out.info;
        }
        for (const kernel of ['binary_rows', 'binary_cols'] as const) {
          const fits = kernel === 'binary_rows' ? isRowOf : isColOf;
          const [full, part] = fits(b, a) ? [a, b] : commutes && fits(a, b) ? [b, a] : [undefined, undefined];
          if (!full || !part) continue;
          const cols = full.shape.at(-1)!;
          const out = k.output([...full.shape]);
          k[kernel](k.offsetOf(full), k.offsetOf(part), out.offset, 0, size(full.shape) / cols, cols, op);
          return out.info;
        }
        return stock.kernelFunc(args);
      },
    };
  };
}

export function nativeReluConfig(backendName: string): tf.KernelConfig {
  const stock = stockOf(tf.Relu, backendName);
  return {
    kernelName: tf.Relu,
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const k = addonKernels(args.backend, x);
      if (!k) return stock.kernelFunc(args);
      const out = k.output([...x.shape]);
      k.relu(k.offsetOf(x), out.offset, 0, size(x.shape));
      return out.info;
    },
  };
}

/**
 * The gradient of ReLU, dy · step(x), as one kernel (tfjs composes Step, Cast and Multiply).
 * `reluGradient` below uses it where registered.
 */
export const RELU_GRAD_KERNEL = 'KdReluGrad';

export function reluGradConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: RELU_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      const k = nativeKernelsFor(backend);
      if (!k || dy.dtype !== 'float32' || x.dtype !== 'float32') {
        throw new Error(`${RELU_GRAD_KERNEL} needs float32 tensors on the tfjs wasm backend`);
      }
      const out = k.output([...x.shape]);
      k.relu_grad(k.offsetOf(dy), k.offsetOf(x), out.offset, 0, size(x.shape));
      return out.info;
    },
  };
}

/**
 * tfjs's gradient of Relu (dy · cast(step(x))), with the fused kernel where the active backend has
 * it and the very same composition elsewhere. Registered over tfjs's own by
 * `registerComposedKernels` (gradients are global, not per backend).
 */
export const reluGradient: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const g = dy as tf.Tensor;
    return {
      x: () =>
        g.dtype === 'float32' && x.dtype === 'float32' && tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend())
          ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: g, x }) as tf.Tensor)
          : tf.mul(g, tf.cast(tf.step(x), 'float32')),
    };
  },
};

/**
 * The transposes that swap two adjacent groups of axes — out[a, c, b, d] = x[a, b, c, d], e.g. the
 * perm [0, 2, 1, 3] of attention heads and every 2-D transpose — as block copies.
 */
export function nativeTransposeConfig(backendName: string): tf.KernelConfig {
  const stock = stockOf(tf.Transpose, backendName);
  return {
    kernelName: tf.Transpose,
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { perm } = args.attrs as unknown as tf.TransposeAttrs;
      const k = addonKernels(args.backend, x);
      const groups = k ? swappedGroups(perm) : undefined;
      if (!k || !groups) return stock.kernelFunc(args);
      const [i, j, l] = groups;
      const dims = [x.shape.slice(0, i), x.shape.slice(i, j), x.shape.slice(j, l), x.shape.slice(l)].map(size);
      const out = k.output(perm.map((p) => x.shape[p]!));
      k.transpose_blocks(k.offsetOf(x), out.offset, 0, dims[0]!, dims[1]!, dims[2]!, dims[3]!);
      return out.info;
    },
  };
}

/** [i, j, l] when perm = [0..i-1, j..l-1, i..j-1, l..n-1] with both middle groups non-empty, else undefined. */
export function swappedGroups(perm: readonly number[]): [number, number, number] | undefined {
  const n = perm.length;
  let i = 0;
  while (i < n && perm[i] === i) i++;
  if (i === n) return undefined;
  const j = perm[i]!;
  let l = j;
  let p = i;
  while (p < n && perm[p] === l) {
    p++;
    l++;
  }
  // then i..j-1 must follow, then the rest in place
  for (let q = i; q < j; q++, p++) if (perm[p] !== q) return undefined;
  for (; p < n; p++) if (perm[p] !== p) return undefined;
  return j > i && l > j ? [i, j, l] : undefined;
}
