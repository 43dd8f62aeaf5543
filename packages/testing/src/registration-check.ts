/**
 * The registration contract of a method package: `register(container)` registers its descriptor and
 * its class (ContainerScoped) without creating an instance; listing creates none either; each run
 * container resolves one fresh instance, the same one within the run. Terms are declared once, on
 * the descriptor. Instances are counted through a subclass of `descriptor.impl` that is put in the
 * place of the class the package registers (in a test host only), so any method can be checked.
 */
import {
  createHost,
  createRunContainer,
  findMethod,
  listMethods,
  resolveMethod,
  type MethodDescriptor,
  type PluginRegister,
} from '@kd/core';
import { expect } from 'vitest';

export function expectRegistrationCreatesNoInstance(descriptor: MethodDescriptor, register: PluginRegister): void {
  const Impl = descriptor.impl;
  let constructed = 0;
  class Counting extends Impl {
    constructor(...args: any[]) {
      super(...args);
      constructed++;
    }
  }
  const host = createHost();
  const original = host.register.bind(host);
  let swapped = 0;
  // Every registration goes through unchanged, except that the method's class becomes the counting one.
  host.register = ((token: unknown, provider: { useClass?: unknown }, options?: unknown) => {
    if (token === Impl && provider?.useClass === Impl) {
      swapped++;
      return (original as (...a: unknown[]) => unknown)(token, { useClass: Counting }, options);
    }
    return (original as (...a: unknown[]) => unknown)(token, provider, options);
  }) as typeof host.register;
  try {
    register(host);
  } finally {
    delete (host as { register?: unknown }).register;
  }
  expect(swapped, `register() registers ${Impl.name} as a class (registerMethod(container, descriptor))`).toBe(1);
  expect(constructed, 'instances created by register()').toBe(0);

  const listed = listMethods(host);
  expect(listed.map((d) => d.id)).toEqual([descriptor.id]);
  expect(listed[0]).toBe(descriptor);
  expect(findMethod(host, descriptor.id)).toBe(descriptor);
  expect(constructed, 'instances created by listing').toBe(0);

  const run1 = createRunContainer(host);
  const a = resolveMethod(run1, descriptor.id);
  const b = resolveMethod(createRunContainer(host), descriptor.id);
  expect(constructed, 'instances after resolving in two run containers').toBe(2);
  expect(a.descriptor).toBe(descriptor);
  expect(a.method).toBeInstanceOf(Impl);
  expect(a.method).not.toBe(b.method);
  expect(resolveMethod(run1, descriptor.id).method, 'one instance per run container').toBe(a.method);
  expect(constructed).toBe(2);
}

/** Terms: declared on the descriptor (at least one, unique names), not repeated on the instance. */
export function expectTermsDeclaredOnce(descriptor: MethodDescriptor, register: PluginRegister): void {
  const names = descriptor.terms.map((t) => t.name);
  expect(names.length).toBeGreaterThan(0);
  expect(new Set(names).size, `term names ${names.join(', ')}`).toBe(names.length);
  for (const t of descriptor.terms) {
    expect(Number.isFinite(t.defaultWeight), t.name).toBe(true);
    expect(t.description.length, t.name).toBeGreaterThan(0);
  }
  const { method } = resolveMethod(createRunContainer(createHost([register])), descriptor.id);
  expect(method, "the instance repeats the descriptor's terms").not.toHaveProperty('terms');
}
