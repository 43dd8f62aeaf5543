import { architectures } from '@kd/models';
import { describeMethodConformance, participant, setupContext } from '@kd/testing';
import { loadSceneCaptions, type SceneCaptionsDataset } from '@kd/text';
import { register, rvlBertDescriptor } from './index.js';

// No teacher: a tiny rvl-bert (mask attention module on, its encoder trainable here) on scene captions.
const scenes = { train: 8, val: 2, test: 2, size: 32, minItemSize: 10, maxItemSize: 16, maxObjects: 3 };
let loaded: Promise<SceneCaptionsDataset> | undefined;

describeMethodConformance({
  descriptor: rvlBertDescriptor,
  register,
  run: async () => {
    const data = await (loaded ??= loadSceneCaptions({ scenes, length: 10 }));
    const options = { width: 4, layers: 1, dModel: 16, heads: 2, ffn: 32, maskAttention: true, maskPool: 4 };
    const model = architectures
      .find((a) => a.id === 'rvl-bert')!
      .build({ inputShape: data.inputShape, numClasses: data.numClasses, seed: 3, data, options });
    const context = setupContext(
      'rvl-bert',
      rvlBertDescriptor.hparams.parse({}),
      undefined,
      participant('student', 'student', model),
      7,
      undefined,
      { data },
    );
    return { context, batch: data.split('train').batch(Int32Array.of(0, 1, 2, 3)) };
  },
});
