import { architectures } from '@kd/models';
import { describeMethodConformance, participant, setupContext } from '@kd/testing';
import { loadSceneCaptions, type SceneCaptionsDataset } from '@kd/text';
import { distillVlmDescriptor, register } from './index.js';

// A 2-layer teacher (width 24) into a 1-layer student (width 16), both causal captioners reading
// the student's proposal source ('biased': the adapted teacher), every term on.
const scenes = {
  train: 8,
  val: 2,
  test: 2,
  size: 32,
  minItemSize: 10,
  maxItemSize: 16,
  maxObjects: 3,
  proposals: 'two',
};
let loaded: Promise<SceneCaptionsDataset> | undefined;

describeMethodConformance({
  descriptor: distillVlmDescriptor,
  register,
  run: async () => {
    const data = await (loaded ??= loadSceneCaptions({ scenes, length: 10 }));
    const vl = architectures.find((a) => a.id === 'vl-scene')!;
    const common = { regions: 4, heads: 2, proposals: 'biased', textAttention: 'causal' };
    const build = (seed: number, options: Record<string, unknown>) =>
      vl.build({
        inputShape: data.inputShape,
        numClasses: data.numClasses,
        seed,
        data,
        options: { ...common, ...options },
      });
    const teacher = build(5, { width: 8, layers: 2, dModel: 24, ffn: 48 });
    const student = build(3, { width: 4, layers: 1, dModel: 16, ffn: 32 });
    const context = setupContext(
      'distillvlm',
      distillVlmDescriptor.hparams.parse({ queueSize: 8, projectionDim: 8, inBatchNegatives: true }),
      participant('teacher', 'teacher', teacher),
      participant('student', 'student', student),
      7,
      undefined,
      { data },
    );
    return { context, batch: data.split('train').batch(Int32Array.of(0, 1, 2, 3)) };
  },
});
