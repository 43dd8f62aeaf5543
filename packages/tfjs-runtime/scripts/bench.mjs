// Timing of the composed wasm kernels against alternative formulations (and the stock cpu
// backend). Run after a build:  node packages/tfjs-runtime/scripts/bench.mjs [--quick]
// Prints a markdown table (median ms of N runs, including reading the result back).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  conv2DBackpropFilterNHWC,
  chooseConv2DBackpropFilterMethod,
  depthwiseConv2dBackpropFilterNHWC,
  depthwiseConv2dBackpropInputNHWC,
  registerComposedKernels,
} from '../dist/index.js';

const quick = process.argv.includes('--quick');
const REPS = quick ? 3 : 7;
tf.env().set('IS_TEST', true); // silence the "install tfjs-node" banner
await tf.setBackend('wasm');
await tf.ready();
registerComposedKernels('wasm');

function median(fn, reps = REPS) {
  for (let i = 0; i < 2; i++) {
    const r = fn();
    r.dataSync();
    r.dispose();
  }
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = fn();
    r.dataSync();
    times.push(performance.now() - t0);
    r.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
async function onCpu(fn, reps = 3) {
  await tf.setBackend('cpu');
  const t = median(fn, reps);
  await tf.setBackend('wasm');
  return t;
}
const fmt = (t) => (t == null ? '–' : t < 10 ? t.toFixed(1) : t.toFixed(0));

// Reference formulation: im2col from strided slices + concat, explicit transpose, plain matMul.
function im2colSlices(x, dy, info) {
  return tf.tidy(() => {
    const { top, left, bottom, right } = info.padInfo;
    const [b, , , c] = x.shape;
    const xp = tf.pad(x, [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]]);
    const cols = [];
    for (let i = 0; i < info.filterHeight; i++) {
      for (let j = 0; j < info.filterWidth; j++) {
        cols.push(tf.stridedSlice(xp, [0, i, j, 0],
          [b, i + (info.outHeight - 1) * info.strideHeight + 1, j + (info.outWidth - 1) * info.strideWidth + 1, c],
          [1, info.strideHeight, info.strideWidth, 1]));
      }
    }
    const n = b * info.outHeight * info.outWidth;
    const patches = tf.transpose(tf.reshape(tf.concat(cols, 3), [n, -1]));
    return tf.reshape(tf.matMul(patches, tf.reshape(dy, [n, info.outChannels])), info.filterShape);
  });
}
// Reference: same but matMul(transposeA=true) instead of an explicit transpose.
function im2colTransposeA(x, dy, info) {
  return tf.tidy(() => {
    const { top, left, bottom, right } = info.padInfo;
    const [b, , , c] = x.shape;
    const xp = tf.pad(x, [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]]);
    const cols = [];
    for (let i = 0; i < info.filterHeight; i++) {
      for (let j = 0; j < info.filterWidth; j++) {
        cols.push(tf.stridedSlice(xp, [0, i, j, 0],
          [b, i + (info.outHeight - 1) * info.strideHeight + 1, j + (info.outWidth - 1) * info.strideWidth + 1, c],
          [1, info.strideHeight, info.strideWidth, 1]));
      }
    }
    const n = b * info.outHeight * info.outWidth;
    const patches = tf.reshape(tf.concat(cols, 3), [n, -1]);
    return tf.reshape(tf.matMul(patches, tf.reshape(dy, [n, info.outChannels]), true, false), info.filterShape);
  });
}
// Reference: depthwise filter grad as batched matMul over channels of [C,K,N] x [C,N,M].
function dwFilterBatchedMatMul(x, dy, info) {
  return tf.tidy(() => {
    const { top, left, bottom, right } = info.padInfo;
    const [b, , , c] = x.shape;
    const m = info.outChannels / c;
    const xp = tf.pad(tf.transpose(x, [3, 0, 1, 2]), [[0, 0], [0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)]]);
    const n = b * info.outHeight * info.outWidth;
    const cols = [];
    for (let i = 0; i < info.filterHeight; i++) {
      for (let j = 0; j < info.filterWidth; j++) {
        cols.push(tf.reshape(tf.stridedSlice(xp, [0, 0, i, j],
          [c, b, i + (info.outHeight - 1) * info.strideHeight + 1, j + (info.outWidth - 1) * info.strideWidth + 1],
          [1, 1, info.strideHeight, info.strideWidth]), [c, 1, n]));
      }
    }
    const r = tf.matMul(tf.concat(cols, 1), tf.transpose(tf.reshape(dy, [n, c, m]), [1, 0, 2]));
    return tf.transpose(tf.reshape(r, [c, info.filterHeight, info.filterWidth, m]), [1, 2, 0, 3]);
  });
}
// Reference: depthwise input grad as conv2dTranspose with a block-diagonal dense filter.
function dwInputDense(dy, filter, info) {
  return tf.tidy(() => {
    const [kh, kw, c, m] = filter.shape;
    const dense = tf.reshape(tf.mul(tf.reshape(filter, [kh, kw, c, 1, m]), tf.reshape(tf.eye(c), [1, 1, c, c, 1])), [kh, kw, c, c * m]);
    return tf.conv2dTranspose(dy, dense, info.inShape, [info.strideHeight, info.strideWidth], info.padInfo.type === 'SAME' ? 'same' : 'valid');
  });
}

const rand = (shape, seed) => tf.randomUniform(shape, -1, 1, 'float32', seed);
const conv2dCases = [
  [[64, 28, 28, 1], 3, 16, 1], [[64, 28, 28, 16], 3, 16, 1], [[64, 28, 28, 16], 3, 32, 1], [[64, 28, 28, 16], 3, 32, 2],
  [[128, 32, 32, 3], 3, 32, 1], [[128, 32, 32, 16], 3, 32, 1], [[128, 32, 32, 32], 3, 64, 2], [[128, 16, 16, 64], 3, 64, 1],
  [[64, 8, 8, 128], 3, 128, 1], [[64, 14, 14, 64], 1, 128, 1], [[64, 28, 28, 16], 5, 32, 1],
];
const rows = [];
rows.push('### Conv2DBackpropFilter (pad same, median ms)', '',
  '| x [B,H,W,Ci] | k | Co | s | **chosen** | conv (dilation = stride) | im2col (slices, transpose, matMul) | strided-slice im2col + concat + transpose + matMul | same, matMul(transposeA) | forward conv2d | cpu backend |',
  '|---|---|---|---|---|---|---|---|---|---|---|');
for (const [xs, k, co, s] of quick ? conv2dCases.slice(0, 3) : conv2dCases) {
  const x = rand(xs, 1);
  const fs = [k, k, xs[3], co];
  const info = tf.backend_util.computeConv2DInfo(xs, fs, s, 1, 'same');
  const dy = rand(info.outShape, 2);
  const w = rand(fs, 3);
  const chosen = chooseConv2DBackpropFilterMethod(info);
  const tConv = median(() => conv2DBackpropFilterNHWC(x, dy, info, 'conv'));
  const tIm = s === 1 ? median(() => conv2DBackpropFilterNHWC(x, dy, info, 'im2col')) : null;
  const tSl = median(() => im2colSlices(x, dy, info), 3);
  const tTa = median(() => im2colTransposeA(x, dy, info), 3);
  const tFwd = median(() => tf.conv2d(x, w, s, 'same'));
  const xa = x.arraySync(), dya = dy.arraySync();
  const tCpu = info.outHeight * info.outWidth * xs[0] * xs[3] * co * k * k > 2e7 ? null : await onCpu(() =>
    tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xa), dy: tf.tensor(dya) },
      { strides: s, pad: 'same', dataFormat: 'NHWC', filterShape: fs })), 1);
  rows.push(`| [${xs}] | ${k} | ${co} | ${s} | **${chosen}** ${fmt(chosen === 'conv' ? tConv : tIm)} | ${fmt(tConv)} | ${fmt(tIm)} | ${fmt(tSl)} | ${fmt(tTa)} | ${fmt(tFwd)} | ${fmt(tCpu)} |`);
  console.error(rows.at(-1));
  tf.dispose([x, dy, w]);
}
const dwCases = [
  [[64, 28, 28, 32], 3, 1, 1], [[64, 28, 28, 32], 3, 2, 1], [[64, 28, 28, 16], 3, 1, 2], [[128, 32, 32, 16], 3, 1, 1],
  [[64, 14, 14, 128], 3, 1, 1], [[64, 14, 14, 128], 3, 2, 1],
];
rows.push('', '### DepthwiseConv2dNative backprop (pad same, median ms)', '',
  '| x [B,H,W,C] | k | s | M | filter: **depthwise conv** | filter: batched matMul | input: **depthwise conv (flipped)** | input: dense block-diag conv2dTranspose | forward depthwise | cpu filter | cpu input |',
  '|---|---|---|---|---|---|---|---|---|---|---|');
for (const [xs, k, s, m] of quick ? dwCases.slice(0, 2) : dwCases) {
  const x = rand(xs, 1);
  const fs = [k, k, xs[3], m];
  const info = tf.backend_util.computeConv2DInfo(xs, fs, s, 1, 'same', undefined, true);
  const dy = rand(info.outShape, 2);
  const w = rand(fs, 3);
  const tF = median(() => depthwiseConv2dBackpropFilterNHWC(x, dy, info));
  const tFb = median(() => dwFilterBatchedMatMul(x, dy, info), 3);
  const tI = median(() => depthwiseConv2dBackpropInputNHWC(dy, w, info));
  const tId = median(() => dwInputDense(dy, w, info), 3);
  const tFwd = median(() => tf.depthwiseConv2d(x, w, s, 'same'));
  const xa = x.arraySync(), dya = dy.arraySync(), wa = w.arraySync();
  const attrs = { strides: s, pad: 'same', dilations: 1 };
  const cpuOk = info.outHeight * info.outWidth * xs[0] * info.outChannels * k * k <= 2e7;
  const tCf = !cpuOk ? null : await onCpu(() => tf.tidy(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter',
    { x: tf.tensor(xa), dy: tf.tensor(dya) }, { ...attrs, filterShape: fs })), 1);
  const tCi = !cpuOk ? null : await onCpu(() => tf.tidy(() => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput',
    { dy: tf.tensor(dya), filter: tf.tensor(wa) }, { ...attrs, inputShape: xs })), 1);
  rows.push(`| [${xs}] | ${k} | ${s} | ${m} | **${fmt(tF)}** | ${fmt(tFb)} | **${fmt(tI)}** | ${fmt(tId)} | ${fmt(tFwd)} | ${fmt(tCf)} | ${fmt(tCi)} |`);
  console.error(rows.at(-1));
  tf.dispose([x, dy, w]);
}
console.log(rows.join('\n'));
console.log(`\nleaked tensors: ${tf.memory().numTensors}`);
