#!/usr/bin/env node
// The native addon's convolution kernels alone, at the shapes of the Fashion-MNIST experiments'
// ResNets (batch 128, one thread), for one addon build or several side by side:
//   node tools/bench/conv-kernels.mjs [--reps 10] [--threads 1] [addon.node ...]
// Default: the installed build (packages/native-kernels/build/kd_native.node). To compare two
// versions of csrc/, build the other one elsewhere (KD_NATIVE_OUT=/tmp/old node
// packages/native-kernels/scripts/build-addon.mjs) and name both. The builds run in turn within each
// repetition, in alternating order (the VM's speed drifts; pairing keeps the comparison fair); per kernel and shape it
// prints each build's min and median ms and GFLOP/s, the ratio of medians to the first build, and
// whether every build wrote the very same bits.
import { benchArgs, benchHeap, loadAddons, median } from './addon-bench.mjs';

const { reps, threads, paths } = benchArgs();
const builds = loadAddons(paths, threads);

const N = 128;
// [name, kind, geometry]: 'conv' = forward over a padded source (3x3, pad 1), 'igrad2' = the input
// gradient of a stride-2 3x3 convolution (the transposed product over dy), 'filter' = the filter gradient
const cases = [
  ['28² 16→16', 'conv', { H: 28, C: 16, Co: 16, s: 1 }],
  ['14² 32→32', 'conv', { H: 14, C: 32, Co: 32, s: 1 }],
  ['7² 64→64', 'conv', { H: 7, C: 64, Co: 64, s: 1 }],
  ['28² 16→32 s2', 'conv', { H: 28, C: 16, Co: 32, s: 2 }],
  ['14² 32→64 s2', 'conv', { H: 14, C: 32, Co: 64, s: 2 }],
  ['dx of 28² 16→32 s2', 'igrad2', { O: 28, C: 32, Co: 16 }],
  ['dx of 14² 32→64 s2', 'igrad2', { O: 14, C: 64, Co: 32 }],
  ['dW 28² 16→16', 'filter', { H: 28, C: 16, Co: 16, s: 1 }],
  ['dW 14² 32→32', 'filter', { H: 14, C: 32, Co: 32, s: 1 }],
  ['dW 7² 64→64', 'filter', { H: 7, C: 64, Co: 64, s: 1 }],
  ['dW 28² 1→16', 'filter', { H: 28, C: 1, Co: 16, s: 1 }],
];

const { memory, alloc, reset } = benchHeap(1024); // 64 MiB

function prepare(kind, g) {
  reset();
  if (kind === 'conv') {
    const Hp = g.H + 2;
    const Ho = Math.floor((g.H - 1) / g.s) + 1;
    const src = alloc(N * Hp * Hp * g.C, 1);
    const w = alloc(9 * g.C * g.Co, 2);
    const out = alloc(N * Ho * Ho * g.Co);
    const flops = 2 * N * Ho * Ho * g.Co * g.C * 9;
    const call = (a) =>
      a.gather_conv(memory.buffer, src, w, out, N, Hp, Hp, g.C, Ho, Ho, g.Co, 3, 3, g.s, g.s, 0, 0, 1, 1, 1, 1);
    return { call, out, floats: N * Ho * Ho * g.Co, flops };
  }
  if (kind === 'igrad2') {
    const S = g.O / 2 + 1;
    const src = alloc(N * S * S * g.C, 3);
    const w = alloc(9 * g.C * g.Co, 4);
    const out = alloc(N * g.O * g.O * g.Co);
    const flops = (2 * N * g.O * g.O * g.Co * g.C * 9) / 4;
    const call = (a) =>
      a.gather_conv(memory.buffer, src, w, out, N, S, S, g.C, g.O, g.O, g.Co, 3, 3, 1, 1, 0, 0, 1, 1, 2, 2);
    return { call, out, floats: N * g.O * g.O * g.Co, flops };
  }
  const Ho = Math.floor((g.H - 1) / g.s) + 1;
  const x = alloc(N * g.H * g.H * g.C, 5);
  const dy = alloc(N * Ho * Ho * g.Co, 6);
  const out = alloc(9 * g.C * g.Co);
  const flops = 2 * N * Ho * Ho * g.Co * g.C * 9;
  const call = (a) =>
    a.conv2d_backprop_filter(memory.buffer, x, dy, out, N, g.H, g.H, g.C, Ho, Ho, g.Co, 3, 3, g.s, g.s, 1, 1, 1, 1);
  return { call, out, floats: 9 * g.C * g.Co, flops };
}

console.log(
  `${builds.length} build(s), ${threads} thread(s), ${reps} repetitions, batch ${N}:\n` +
    builds.map((b, i) => `  [${i}] ${b.path} (${b.info.isa}, ${b.info.tiles ?? '-'} tiles)`).join('\n'),
);
for (const [name, kind, g] of cases) {
  const c = prepare(kind, g);
  const times = builds.map(() => []);
  const outputs = [];
  for (let r = 0; r < reps + 1; r++) {
    // the builds' order alternates between repetitions: the one that runs second finds other caches
    const order = builds.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    order.forEach((i) => {
      const b = builds[i];
      const t = performance.now();
      c.call(b.addon);
      const ms = performance.now() - t;
      if (r > 0) times[i].push(ms); // the first repetition warms the caches
      if (r === 0) outputs[i] = new Float32Array(memory.buffer, c.out, c.floats).slice();
    });
  }
  const same = outputs.every((o) => Buffer.compare(Buffer.from(o.buffer), Buffer.from(outputs[0].buffer)) === 0);
  const cells = times.map((t, i) => {
    const m = median(t);
    const ratio = i === 0 ? '' : ` (${(m / median(times[0])).toFixed(2)}×)`;
    return `[${i}] ${Math.min(...t).toFixed(2)} / ${m.toFixed(2)} ms, ${(c.flops / m / 1e6).toFixed(0)} GFLOP/s${ratio}`;
  });
  console.log(
    `${name.padEnd(20)} ${cells.join('   ')}${builds.length > 1 ? `   ${same ? 'same bits' : 'BITS DIFFER'}` : ''}`,
  );
}
