import { ConfigError, createHost, findDataset, listDatasets } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { register } from '../index.js';
import { loadMnist, mnistOptionsSchema, mnistProvider } from './mnist-provider.js';

describe('mnist provider', () => {
  it('registers as `mnist` through register(container)', () => {
    const host = createHost([register]);
    expect(listDatasets(host).map((d) => d.id)).toEqual([
      'fashion-mnist',
      'image-folder',
      'mnist',
      'mnist+fashion-mnist',
      'scenes',
    ]);
    expect(findDataset(host, 'mnist')).toBe(mnistProvider);
  });

  it('loads 7,000/1,000/2,000 by default, independent of the run seed', async () => {
    const a = await mnistProvider.load({}, 1);
    const b = await mnistProvider.load({}, 2);
    expect(a.name).toBe('mnist');
    expect(a.inputShape).toEqual([28, 28, 1]);
    expect(a.numClasses).toBe(10);
    expect(a.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect([a.split('train').size, a.split('val').size, a.split('test').size]).toEqual([7000, 1000, 2000]);
    expect(b.split('test').labels).toEqual(a.split('test').labels);
    expect(b.split('val').labels).toEqual(a.split('val').labels);
  });

  it('applies the options', async () => {
    const ds = await loadMnist({ val: 500, test: 0.1, trainSize: 300, splitSeed: 9 });
    expect([ds.split('train').size, ds.split('val').size, ds.split('test').size]).toEqual([300, 500, 1000]);
    const other = await loadMnist({ val: 500, test: 0.1, trainSize: 300, splitSeed: 10 });
    expect(other.split('val').sourceIndices).not.toEqual(ds.split('val').sourceIndices);
    const same = await loadMnist({ val: 500, test: 0.1, trainSize: 300, splitSeed: 9 });
    expect(same.split('train').sourceIndices).toEqual(ds.split('train').sourceIndices);
  });

  it('rejects unknown keys and bad values with ConfigErrors naming data.options.<key>', async () => {
    await expect(mnistProvider.load({ vall: 10 }, 0)).rejects.toThrow(ConfigError);
    await expect(mnistProvider.load({ vall: 10 }, 0)).rejects.toMatchObject({ path: 'data.options.vall' });
    await expect(mnistProvider.load({ val: 2.5 }, 0)).rejects.toMatchObject({ path: 'data.options.val' });
    await expect(mnistProvider.load({ trainSize: 0 }, 0)).rejects.toMatchObject({ path: 'data.options.trainSize' });
    await expect(mnistProvider.load({ normalize: 'yes' }, 0)).rejects.toMatchObject({ path: 'data.options.normalize' });
    await expect(mnistProvider.load({ splitSeed: -1 }, 0)).rejects.toMatchObject({ path: 'data.options.splitSeed' });
    await expect(mnistProvider.load({ val: 6000, test: 4000 }, 0)).rejects.toThrow(ConfigError);
    await expect(mnistProvider.load({ trainSize: 8000 }, 0)).rejects.toMatchObject({ path: 'data.options.trainSize' });
  });

  it('has documented defaults', () => {
    const d = mnistOptionsSchema.parse({});
    expect(d).toMatchObject({ val: 1000, test: 2000, normalize: true, augment: false });
    expect(d.trainSize).toBeUndefined();
  });
});
