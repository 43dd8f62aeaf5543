#!/usr/bin/env node
// A/B of the fused inference batch norm (KdBatchNormInfer, one pass) against tfjs's Multiply, Add,
// Relu (three), in a frozen ResNet-20 teacher's forward pass (batch 128, Fashion-MNIST shape): the
// kernel is unregistered and registered again in alternating order, 40 pairs, medians.
//   KD_THREADS=1 node tools/bench/bn-infer-ab.mjs
import * as tf from '@tensorflow/tfjs';
import { architectures } from '@kd/models';
import { selectBackend, BATCH_NORM_INFER_KERNEL } from '@kd/tfjs-runtime';
tf.enableProdMode();
await selectBackend({ backend: 'wasm' });
const cfg = tf.getKernel(BATCH_NORM_INFER_KERNEL, 'wasm');
const model = architectures
  .find((a) => a.id === 'resnet20')
  .build({ inputShape: [28, 28, 1], numClasses: 10, seed: 0, options: { width: 16 } });
const x = tf.randomNormal([128, 28, 28, 1], 0, 1, 'float32', 1);
const fwd = () => {
  const t = performance.now();
  tf.tidy(() => {
    const o = model.forward({ x }, { training: false, taps: new Set() });
    for (const v of Object.values(o)) if (v instanceof tf.Tensor) v.dataSync();
  });
  return performance.now() - t;
};
const res = { fused: [], composed: [] };
for (let r = 0; r < 40; r++) {
  for (const mode of r % 2 ? ['fused', 'composed'] : ['composed', 'fused']) {
    if (mode === 'fused' && !tf.getKernel(BATCH_NORM_INFER_KERNEL, 'wasm')) tf.registerKernel(cfg);
    if (mode === 'composed' && tf.getKernel(BATCH_NORM_INFER_KERNEL, 'wasm'))
      tf.unregisterKernel(BATCH_NORM_INFER_KERNEL, 'wasm');
    fwd();
    res[mode].push(fwd());
  }
}
const med = (a) => a.sort((p, q) => p - q)[a.length >> 1];
console.log(
  'median ms fused',
  med(res.fused).toFixed(1),
  'composed',
  med(res.composed).toFixed(1),
  'ratio',
  (med(res.fused) / med(res.composed)).toFixed(3),
);
