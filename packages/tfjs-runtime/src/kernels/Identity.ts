import * as tf from '@tensorflow/tfjs';

interface RefCounting {
  incRef(dataId: object): void;
}

/**
 * Identity without a copy: the output shares the input's data (reference-counted, as the wasm
 * backend already does for Reshape and the cpu backend for Identity). The stock wasm Identity
 * copies, and the engine calls it for every tensor it saves for the backward pass.
 */
export function identityConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Identity, backendName);
  return {
    kernelName: tf.Identity,
    backendName,
    kernelFunc: (args) => {
      const x = args.inputs['x']!;
      if (x.dtype === 'string') return stock!.kernelFunc(args);
      (args.backend as RefCounting).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  };
}

/** Cast to the dtype a tensor already has, without a copy (the stock wasm Cast copies); else stock. */
export function castConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Cast, backendName);
  if (!stock) throw new Error(`${backendName} lacks Cast`);
  return {
    kernelName: tf.Cast,
    backendName,
    kernelFunc: (args) => {
      const x = args.inputs['x']!;
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      if (dtype !== x.dtype || x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as RefCounting).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  };
}
