import { describeMethodConformance, participant, setupContext } from '@kd/testing';
import { tinySceneCaptions, tinyVlScene } from '../test/tiny-scenes.js';
import { distillVlmDescriptor, register } from './index.js';

// A 2-layer teacher (width 24) into a 1-layer student (width 16), both causal captioners reading
// the student's proposal source ('biased': the adapted teacher), every term on.
describeMethodConformance({
  descriptor: distillVlmDescriptor,
  register,
  run: async () => {
    const data = await tinySceneCaptions();
    const causal = { textAttention: 'causal' };
    const teacher = tinyVlScene(data, 5, { ...causal, width: 8, layers: 2, dModel: 24, ffn: 48 });
    const student = tinyVlScene(data, 3, { ...causal, width: 4, layers: 1, dModel: 16, ffn: 32 });
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
