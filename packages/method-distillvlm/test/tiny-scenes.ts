import { architectures } from '@kd/models';
import { loadSceneCaptions, type SceneCaptionsDataset } from '@kd/text';

/** Tiny scene captions with both proposal sources (loaded once per test file). */
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
export const tinySceneCaptions = (): Promise<SceneCaptionsDataset> =>
  (loaded ??= loadSceneCaptions({ scenes, length: 10 }));

/** A vl-scene model on `data` reading the student's proposal source ('biased'), 4 regions, 2 heads. */
export function tinyVlScene(data: SceneCaptionsDataset, seed: number, options: Record<string, unknown>) {
  return architectures
    .find((a) => a.id === 'vl-scene')!
    .build({
      inputShape: data.inputShape,
      numClasses: data.numClasses,
      seed,
      data,
      options: { regions: 4, heads: 2, proposals: 'biased', ...options },
    });
}
