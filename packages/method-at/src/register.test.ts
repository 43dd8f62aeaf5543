import { createHost, createRunContainer, listMethods, resolveMethod } from '@kd/core';
import { describe, expect, it, vi } from 'vitest';

// Wrap the method class to count constructions; the descriptor imports the wrapped class.
const constructed = vi.hoisted(() => ({ count: 0 }));
vi.mock('./at.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('./at.js')>();
  class CountingAtMethod extends mod.AtMethod {
    constructor() {
      super();
      constructed.count++;
    }
  }
  return { ...mod, AtMethod: CountingAtMethod };
});

describe('at registration', () => {
  it('lists the descriptor without instantiating the method; a run resolves a fresh instance', async () => {
    const { register, atDescriptor } = await import('./index.js');
    expect(constructed.count).toBe(0);
    const host = createHost([register]);
    const listed = listMethods(host);
    expect(listed.map((d) => d.id)).toEqual(['at']);
    expect(listed[0]).toBe(atDescriptor);
    expect(constructed.count).toBe(0);

    const run1 = resolveMethod(createRunContainer(host), 'at');
    const run2 = resolveMethod(createRunContainer(host), 'at');
    expect(constructed.count).toBe(2);
    expect(run1.method).not.toBe(run2.method);
    expect(run1.method.terms.map((t) => t.name)).toEqual(["at"]);
  });
});
