import { architectures } from '@kd/models';
import { describeMethodConformance, participant, setupContext } from '@kd/testing';
import { loadSceneCaptions, type SceneCaptionsDataset } from '@kd/text';
import { register, vlPretrainDescriptor } from './index.js';

// No teacher: a small vl-scene model pre-trained on six scene-caption samples (the data loaded once).
const scenes = {
  train: 8,
  val: 2,
  test: 2,
  size: 32,
  minItemSize: 10,
  maxItemSize: 16,
  maxObjects: 3,
  proposals: 'one',
};
let loaded: Promise<SceneCaptionsDataset> | undefined;

describeMethodConformance({
  descriptor: vlPretrainDescriptor,
  register,
  run: async () => {
    const data = await (loaded ??= loadSceneCaptions({ scenes, length: 12 }));
    const options = { width: 4, regions: 4, layers: 1, dModel: 16, heads: 2, ffn: 32 };
    const model = architectures
      .find((a) => a.id === 'vl-scene')!
      .build({ inputShape: data.inputShape, numClasses: data.numClasses, seed: 3, data, options });
    const context = setupContext(
      'vl-pretrain',
      vlPretrainDescriptor.hparams.parse({}),
      undefined,
      participant('student', 'student', model),
      7,
      undefined,
      { data },
    );
    return { context, batch: data.split('train').batch(Int32Array.of(0, 1, 2, 3, 4, 5)) };
  },
});
