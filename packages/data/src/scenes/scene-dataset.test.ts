import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../mnist/mnist-provider.js';
import { loadScenes } from './scene-dataset.js';

describe('scenes as a dataset', () => {
  it('splits the items first: every object of a split comes from that split of MNIST', async () => {
    const ds = await loadScenes({ train: 30, val: 10, test: 10 });
    const items = await loadMnist({ normalize: false });
    for (const name of ['train', 'val', 'test'] as const) {
      const pool = new Set(items.split(name).sourceIndices);
      const split = ds.split(name);
      for (let i = 0; i < split.size; i++) for (const o of split.scenes.get(i).full.objects) expect(pool.has(o.itemIndex)).toBe(true);
    }
    expect(ds.name).toBe('scenes-mnist');
    expect(ds.inputShape).toEqual([64, 64, 1]);
  });

  it('batches carry images, multi-hot labels, boxes and both proposal sources; labels are the largest object', async () => {
    const ds = await loadScenes({ train: 4, val: 1, test: 1, novelClasses: [9] });
    const split = ds.split('train');
    const before = tf.memory().numTensors;
    const b = split.batch(Int32Array.from([0, 1, 2]));
    expect(b.x.shape).toEqual([3, 64, 64, 1]);
    expect(b.y!.shape).toEqual([3, 10]);
    for (const key of ['boxes', 'boxClasses', 'boxCount', 'proposals', 'proposalScores', 'biasedProposals', 'biasedProposalScores', 'index']) {
      expect(b[key], key).toBeDefined();
    }
    expect(Array.from(b.boxClasses!.dataSync()).includes(9)).toBe(false); // novel class never annotated
    tf.dispose(Object.values(b) as tf.Tensor[]);
    expect(tf.memory().numTensors).toBe(before);
    const scene = split.scenes.get(0);
    const largest = [...scene.objects].sort((p, q) => (q.box[2] - q.box[0]) * (q.box[3] - q.box[1]) - (p.box[2] - p.box[0]) * (p.box[3] - p.box[1]))[0];
    expect(split.labels[0]).toBe(largest?.classId ?? 0);
  });

  it('previews show every object (novel ones marked), the caption and a question', async () => {
    const ds = await loadScenes({ train: 3, val: 1, test: 1, novelClasses: [0, 1, 2, 3, 4] });
    const p = ds.split('train').preview(1);
    const scene = ds.split('train').scenes.get(1);
    expect(p.image.shape).toEqual([64, 64, 1]);
    expect(p.boxes).toHaveLength(scene.full.objects.length);
    for (const [i, o] of scene.full.objects.entries()) expect(p.boxes![i]!.label).toBe(o.novel ? `${o.className} (novel)` : o.className);
    expect(p.lines![0]).toBe(scene.caption);
    expect(p.lines![1]).toMatch(/^Q: .+\? A: \S+/);
  });

  it('rejects impossible options naming the field', async () => {
    await expect(loadScenes({ minObjects: 5, maxObjects: 2 })).rejects.toThrow(/data\.options\.minObjects/);
    await expect(loadScenes({ maxItemSize: 80 })).rejects.toThrow(/data\.options\.maxItemSize/);
    await expect(loadScenes({ novelClasses: [12] })).rejects.toThrow(/data\.options\.novelClasses/);
    await expect(loadScenes({ shapes: 3 } as never)).rejects.toThrow("config field 'data.options.shapes': unknown option 'shapes'");
  });
});
