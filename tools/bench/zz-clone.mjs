import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@kd/tfjs-runtime';
tf.enableProdMode();
await selectBackend({ backend: 'wasm' });
const engine = tf.engine();
const orig = engine.clone.bind(engine);
const light = function (x) { engine.backend.incRef(x.dataId); return engine.makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype }); };
const x = tf.variable(tf.ones([64, 48, 128]));
for (const [name, fn] of [['orig', orig], ['light', light], ['orig', orig], ['light', light]]) {
  const t = performance.now();
  tf.grad((v) => { let s = v; for (let i = 0; i < 3000; i++) { const c = fn(s); tf.keep(c); } return tf.sum(v); })(x).dispose();
  console.log(name, ((performance.now() - t) / 3000 * 1000).toFixed(2), 'µs per clone (incl. grad)');
}
