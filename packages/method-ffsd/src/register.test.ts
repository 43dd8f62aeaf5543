import { createHost, createRunContainer, listMethods, resolveMethod } from '@kd/core';
import { describe, expect, it, vi } from 'vitest';

// Wrap the method class to count constructions; the descriptor imports the wrapped class.
const constructed = vi.hoisted(() => ({ count: 0 }));
vi.mock('./ffsd.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('./ffsd.js')>();
  class CountingFfsdMethod extends mod.FfsdMethod {
    constructor() {
      super();
      constructed.count++;
    }
  }
  return { ...mod, FfsdMethod: CountingFfsdMethod };
});

describe('ffsd registration', () => {
  it('lists the descriptor without instantiating the method; a run resolves a fresh instance', async () => {
    const { register, ffsdDescriptor } = await import('./index.js');
    expect(constructed.count).toBe(0);
    const host = createHost([register]);
    const listed = listMethods(host);
    expect(listed.map((d) => d.id)).toEqual(['ffsd']);
    expect(listed[0]).toBe(ffsdDescriptor);
    expect(constructed.count).toBe(0);
    const run1 = resolveMethod(createRunContainer(host), 'ffsd');
    const run2 = resolveMethod(createRunContainer(host), 'ffsd');
    expect(constructed.count).toBe(2);
    expect(run1.method).not.toBe(run2.method);
    expect(run1.method.terms.map((t) => t.name)).toContain('leader_kl');
  });
});
