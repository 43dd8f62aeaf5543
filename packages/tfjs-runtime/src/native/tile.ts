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

/**
 * An innermost repeated block at most this large (bytes, all its repetitions) is written word by
 * word in JavaScript rather than by `copyWithin` calls: broadcasting a last axis of 1 (a channel
 * mean's gradient, [B, H, W, 1] → [B, H, W, C]) would otherwise cost one copy of 4 bytes and
 * log₂ C doublings per element — ≈ 0.5 M calls for a 28 × 28 × 16 map of 128 images, 8 % of an
 * FFSD step.
 */
const SMALL_BLOCK_BYTES = 1024;

/**
 * `blocks` blocks of `count` words from `from` on, each written `reps` times in a row from `to` on
 * (integer words: every bit pattern, a NaN's payload too, is copied as it is). A block of one word
 * (a broadcast element) is written by a loop of its own: 2.4× faster than the general one.
 */
function copyWords(words: Int32Array, from: number, to: number, blocks: number, count: number, reps: number): void {
  let o = to;
  if (count === 1) {
    for (let m = 0; m < blocks; m++) {
      const v = words[from + m]!;
      for (let k = 0; k < reps; k++) words[o++] = v;
    }
    return;
  }
  for (let m = 0; m < blocks; m++, from += count)
    for (let k = 0; k < reps; k++) for (let i = 0; i < count; i++) words[o++] = words[from + i]!;
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
  // the innermost repeated axis, when its whole output block is small and 4-byte aligned: its n
  // runs lie together in x (nothing after it repeats), so the block is those n·run bytes r times.
  // The axes above it that are not repeated (from `flat` on) are walked in the same loop, not by
  // one call per index (a [B, H, W, 1] → [B, H, W, C] broadcast has B·H·W such blocks).
  const level = first - 1;
  const aligned = elementBytes === 4 && heap.byteOffset % 4 === 0 && src % 4 === 0 && dst % 4 === 0;
  const small = level >= 0 && aligned && inOut[level]! <= SMALL_BLOCK_BYTES;
  const words = small ? new Int32Array(heap.buffer, heap.byteOffset, heap.byteLength >> 2) : undefined;
  let flat = level;
  while (flat > 0 && reps[flat - 1] === 1) flat--;
  const fill = (d: number, xOff: number, outOff: number): void => {
    if (d === first) {
      heap.copyWithin(outOff, xOff, xOff + run);
      return;
    }
    if (words && d === flat) {
      let blocks = 1;
      for (let a = flat; a < level; a++) blocks *= shape[a]!;
      const count = (shape[level]! * run) >> 2;
      const r = reps[level]!;
      copyWords(words, xOff >> 2, outOff >> 2, blocks, count, r);
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
