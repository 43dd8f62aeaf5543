// A clock around every kernel of the current tfjs backend (kd's kernels run synchronously, so the
// wall time of the call is the kernel's). A kernel that calls another (e.g. _FusedMatMul →
// BatchMatMul) counts once, as itself. Used by kernel-times.mjs (a bench workload's step) and by
// clock-preload.mjs (any `kd` command, e.g. a method's real training run).
export function clockKernels(tf) {
  let recording = false;
  let depth = 0;
  const byKernel = new Map();
  const byShape = new Map();
  const add = (map, key, ms) => {
    const e = map.get(key) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n++;
    map.set(key, e);
  };
  for (const config of tf.getKernelsForBackend(tf.getBackend())) {
    const inner = config.kernelFunc;
    config.kernelFunc = (args) => {
      if (!recording || depth > 0) return inner(args);
      depth++;
      const t = performance.now();
      let out;
      try {
        out = inner(args);
      } finally {
        depth--;
      }
      const ms = performance.now() - t;
      add(byKernel, config.kernelName, ms);
      const shapes = Object.values(args.inputs).map((v) => v?.shape);
      add(byShape, `${config.kernelName} ${JSON.stringify(shapes)}`, ms);
      return out;
    };
  }
  return {
    start() {
      recording = true;
    },
    stop() {
      recording = false;
    },
    /** Milliseconds and calls spent in kernels, in total. */
    totals() {
      const all = [...byKernel.values()];
      return { ms: all.reduce((s, e) => s + e.ms, 0), calls: all.reduce((s, e) => s + e.n, 0) };
    },
    /** Lines of the report, every figure divided by `per` (steps, or 1). */
    report(per = 1, { kernels = 25, shapes = 30 } = {}) {
      const lines = [];
      for (const [k, v] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, kernels)) {
        lines.push(`${k.padEnd(34)} ${(v.ms / per).toFixed(2).padStart(9)} ms  x${+(v.n / per).toFixed(2)}`);
      }
      lines.push('costliest kernel × input shapes (all calls of a kind summed):');
      for (const [k, v] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, shapes)) {
        lines.push(`  ${(v.ms / per).toFixed(2).padStart(8)} ms  x${String(+(v.n / per).toFixed(2)).padEnd(5)} ${k}`);
      }
      return lines;
    },
  };
}
