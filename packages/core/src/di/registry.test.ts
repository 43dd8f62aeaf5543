import { describe, expect, it } from 'vitest';
import type { ModelArchitecture } from '../contract/model.js';
import type { DatasetProvider } from '../contract/dataset.js';
import { UserError } from '../util/errors.js';
import { createHost, listArchitectures, listDatasets, registerArchitecture, registerDataset } from './registry.js';

const arch = (id: string) => ({ id, description: id, build: () => undefined }) as unknown as ModelArchitecture;
const dataset = (id: string) => ({ id, description: id }) as unknown as DatasetProvider;

describe('createHost', () => {
  it('registers every plugin, in order', () => {
    const host = createHost([
      { name: '@a/one', register: (c) => registerArchitecture(c, arch('net-a')) },
      { name: '@b/two', register: (c) => (registerArchitecture(c, arch('net-b')), registerDataset(c, dataset('d'))) },
    ]);
    expect(listArchitectures(host).map((a) => a.id)).toEqual(['net-a', 'net-b']);
    expect(listDatasets(host).map((d) => d.id)).toEqual(['d']);
  });

  it('names both plugins when two register the same id, in one line', () => {
    const make = () =>
      createHost([
        { name: '@a/one', register: (c) => registerArchitecture(c, arch('net')) },
        { name: '@lab/two', register: (c) => registerDataset(c, dataset('net')) }, // another kind: no clash
        { name: '@lab/three', register: (c) => registerArchitecture(c, arch('net')) },
      ]);
    expect(make).toThrow(UserError);
    expect(make).toThrow(
      /^architecture 'net' is registered by two plugins, @a\/one and @lab\/three: uninstall one or take it out of plugins:$/,
    );
  });

  it('names a plugin that registers one id twice', () => {
    const make = () =>
      createHost([
        { name: '@a/one', register: (c) => (registerDataset(c, dataset('d')), registerDataset(c, dataset('d'))) },
      ]);
    expect(make).toThrow(/^plugin @a\/one registers dataset 'd' twice$/);
  });

  it('still takes bare register functions (named by position in errors)', () => {
    const reg = (c: Parameters<typeof registerDataset>[0]) => registerDataset(c, dataset('d'));
    expect(() => createHost([reg, reg])).toThrow(/^dataset 'd' is registered by two plugins, plugin #1 and plugin #2:/);
  });
});
