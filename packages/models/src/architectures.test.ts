import { ConfigError, createHost, findArchitecture, listArchitectures } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { architectures } from './architectures/index.js';
import { CifarResNet, SmallCnn, WideResNet, register } from './index.js';
import { build } from '../test/helpers.js';

const byId = (id: string) => architectures.find((a) => a.id === id)!;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('architecture registry', () => {
  it('register() adds every architecture to a container; importing registers nothing', () => {
    const empty = createHost();
    expect(listArchitectures(empty)).toEqual([]);
    const host = createHost([register]);
    const ids = listArchitectures(host).map((a) => a.id);
    for (const id of [
      'resnet8',
      'resnet14',
      'resnet20',
      'resnet32',
      'resnet56',
      'resnet8x4',
      'resnet32x4',
      'wrn',
      'wrn-16-2',
      'wrn-40-2',
      'cnn',
      'transformer',
      'vl-transformer',
      'vl-scene',
      'graph-model',
      'clip',
    ]) {
      expect(ids).toContain(id);
    }
    expect(ids.length).toBe(architectures.length);
    expect(findArchitecture(host, 'resnet20')).toBe(byId('resnet20'));
    for (const a of architectures) expect(a.description.length).toBeGreaterThan(10);
  });

  it('builds the expected classes and configurations', () => {
    const r = build(byId('resnet32x4'), [8, 8, 3]) as CifarResNet;
    expect(r).toBeInstanceOf(CifarResNet);
    expect(r.arch).toBe('resnet32x4');
    expect(r.widths).toEqual([32, 64, 128, 256]);
    expect(r.stages.map((s) => s.length)).toEqual([5, 5, 5]);
    r.dispose();
    const r20 = build(byId('resnet20'), [8, 8, 3], { width: 8 }) as CifarResNet;
    expect(r20.widths).toEqual([8, 8, 16, 32]);
    r20.dispose();
    const x4 = build(byId('resnet8x4'), [8, 8, 3], { width: 8 }) as CifarResNet;
    expect(x4.widths).toEqual([8, 16, 32, 64]);
    x4.dispose();
    const explicit = build(byId('resnet8'), [8, 8, 3], { width: [8, 12, 16, 20] }) as CifarResNet;
    expect(explicit.widths).toEqual([8, 12, 16, 20]);
    expect(explicit.tapSpecs().embedding!.shape).toEqual([20]);
    explicit.dispose();
    const generic = build(byId('resnet'), [8, 8, 3], { depth: 14 }) as CifarResNet;
    expect([generic.arch, generic.depth]).toEqual(['resnet14', 14]);
    generic.dispose();
    const w = build(byId('wrn'), [8, 8, 3], { depth: 22, widen: 1 }) as WideResNet;
    expect(w).toBeInstanceOf(WideResNet);
    expect([w.arch, w.stages.map((s) => s.layer.length)]).toEqual(['wrn-22-1', [3, 3, 3]]);
    w.dispose();
    const c = build(byId('cnn'), [28, 28, 1], { width: 8 }) as SmallCnn;
    expect(c).toBeInstanceOf(SmallCnn);
    expect(c.tapSpecs().stage3!.shape).toEqual([7, 7, 32]);
    c.dispose();
  });

  it('rejects unknown options with a ConfigError naming the option', () => {
    const e = configError(() => build(byId('resnet20'), [8, 8, 3], { foo: 1 }));
    expect(e.path).toBe('options.foo');
    expect(e.message).toContain('foo');
    expect(configError(() => build(byId('resnet20'), [8, 8, 3], { depth: 32 })).path).toBe('options.depth');
    expect(configError(() => build(byId('wrn-40-2'), [8, 8, 3], { widen: 4 })).path).toBe('options.widen');
    expect(configError(() => build(byId('cnn'), [8, 8, 3], { depth: 3 })).path).toBe('options.depth');
  });

  it('rejects invalid option values with a ConfigError naming the option', () => {
    expect(configError(() => build(byId('resnet'), [8, 8, 3], { depth: 21 })).path).toBe('options.depth');
    expect(configError(() => build(byId('wrn'), [8, 8, 3], { depth: 20 })).path).toBe('options.depth');
    expect(configError(() => build(byId('wrn'), [8, 8, 3], { widen: 0 })).path).toBe('options.widen');
    expect(configError(() => build(byId('cnn'), [8, 8, 3], { width: 'wide' })).path).toBe('options.width');
    expect(configError(() => build(byId('resnet8'), [8, 8, 3], { width: [16, 32] })).path).toBe('options.width');
    expect(configError(() => build(byId('resnet8'), [8, 8, 3], { width: 2.5 })).path).toBe('options.width');
  });

  it('rejects a malformed input shape', () => {
    expect(() => build(byId('resnet8'), [28, 28])).toThrow(/input shape/);
    expect(() => build(byId('cnn'), [1, 1, 1])).toThrow(/too small/);
  });
});
