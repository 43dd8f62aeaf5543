// Per-kernel profile of one training step (wasm): node tools/bench/profile-step.mjs resnet8 '{"width":8}' [batch=64]
// Run from the repository root after `npx nx run-many -t build`.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@kd/tfjs-runtime';
import { architectures } from '@kd/models';
import { crossEntropy } from '@kd/core';
tf.enableProdMode();
await selectBackend({ backend: 'wasm' });
const arch = architectures.find(a => a.id === (process.argv[2] ?? 'resnet8'));
const batch = Number(process.argv[4] ?? 64);
const model = arch.build({ inputShape: [28,28,1], numClasses: 10, seed: 1, options: JSON.parse(process.argv[3] ?? '{"width":8}') });
const vars = model.trainableVariables();
const x = tf.randomNormal([batch,28,28,1]); const y = tf.tensor1d(Array.from({length:batch},(_, i)=>i%10),'int32');
const step = () => tf.tidy(() => { const {grads} = tf.variableGrads(() => crossEntropy(model.forward({x,y},{training:true, taps:new Set(['logits'])}).logits, y), vars); for (const g of Object.values(grads)) g.dataSync(); });
for (let i=0;i<3;i++) step();
let t=Date.now(); for (let i=0;i<10;i++) step(); console.log('ms/step', (Date.now()-t)/10);
const prof = await tf.profile(() => step());
const by = {};
for (const k of prof.kernels) { by[k.name] = by[k.name] ?? {ms:0,n:0}; by[k.name].ms += k.kernelTimeMs; by[k.name].n++; }
console.log(Object.entries(by).sort((a,b)=>b[1].ms-a[1].ms).slice(0,18).map(([k,v])=>`${k.padEnd(28)} ${v.ms.toFixed(1).padStart(7)} ms  x${v.n}`).join('\n'));
