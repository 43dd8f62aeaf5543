import * as tf from '@tensorflow/tfjs';
import { nativeKernelsFor } from './module.js';

const ELEMENT_BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Tile (and so `tf.broadcastTo`) as block copies on the heap: the trailing axes that are not
 * repeated are copied as one run, then each repeated axis doubles its block with `copyWithin`
 * until it is repeated `reps` times. The stock wasm kernel computes an index per element (46 ms
 * for the 0.4 M floats of a global average pool's gradient, this copy well under 1 ms). The same
 * values: every element is copied, nothing computed. Strings and complex numbers go to the stock
 * kernel.
 */
export function nativeTileConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Tile, backendName);
  if (!stock) throw new Error(`${backendName} lacks Tile`);
  return {
    kernelName: tf.Tile,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const x = inputs['x']!;
      const { reps } = attrs as unknown as tf.TileAttrs;
      const native = nativeKernelsFor(backend);
      const bytes = ELEMENT_BYTES[x.dtype];
      if (!native || bytes === undefined || reps.length !== x.shape.length) return stock.kernelFunc(args);
      const outShape = x.shape.map((d, i) => d * reps[i]!);
      const out = (backend as tf.KernelBackend & { makeOutput(s: number[], d: tf.DataType): tf.TensorInfo }).makeOutput(
        outShape,
        x.dtype,
      );
      if (outShape.some((d) => d === 0)) return out;
      tileBytes(native.heapBytes(), native.offsetOf(x), native.offsetOf(out), x.shape, reps, bytes);
      return out;
    },
  };
}

/** out = tile(x, reps) for `elementBytes`-byte elements at byte offsets `src` and `dst` of `heap`. */
export function tileBytes(
  heap: Uint8Array,
  src: number,
  dst: number,
  shape: readonly number[],
  reps: readonly number[],
  elementBytes: number,
): void {
  const rank = shape.length;
  // the trailing axes that are not repeated: one contiguous run of `run` bytes per copy
  let first = rank;
  while (first > 0 && reps[first - 1] === 1) first--;
  const inX: number[] = new Array<number>(rank + 1);
  const inOut: number[] = new Array<number>(rank + 1);
  inX[rank] = inOut[rank] = elementBytes;
  for (let d = rank - 1; d >= 0; d--) {
    inX[d] = inX[d + 1]! * shape[d]!;
    inOut[d] = inOut[d + 1]! * shape[d]! * reps[d]!;
  }
  const run = inX[first]!;
  const fill = (d: number, xOff: number, outOff: number): void => {
    if (d === first) {
      heap.copyWithin(outOff, xOff, xOff + run);
      return;
    }
    const n = shape[d]!;
    for (let i = 0; i < n; i++) fill(d + 1, xOff + i * inX[d + 1]!, outOff + i * inOut[d + 1]!);
    // the block of this axis' n indices, repeated reps[d] times by doubling
    const block = n * inOut[d + 1]!;
    const total = block * reps[d]!;
    for (let have = block; have < total;) {
      const copy = Math.min(have, total - have);
      heap.copyWithin(outOff + have, outOff, outOff + copy);
      have += copy;
    }
  };
  fill(0, src, dst);
}
