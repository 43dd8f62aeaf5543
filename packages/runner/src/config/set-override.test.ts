import { UserError } from '@kd/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRunConfig } from './load-config.js';
import { applySet } from './set-override.js';
import { errorOf } from '@kd/testing';

const base = { student: { arch: 'cnn' }, methods: [{ id: 'kd' }] };

/** Whatever a failed test may have put on Object.prototype, removed so it cannot leak into other tests. */
afterEach(() => {
  for (const k of ['x', 'y', 'polluted']) delete (Object.prototype as Record<string, unknown>)[k];
});

describe('applySet refuses paths that reach object prototypes', () => {
  for (const path of [
    '__proto__.x',
    'train.__proto__.x',
    'constructor.prototype.x',
    'train.constructor.prototype.x',
    'methods[0].__proto__.x',
    'prototype',
  ]) {
    it(`--set ${path}=1 is a one-line UserError naming the path and pollutes nothing`, () => {
      const e = errorOf(() => applySet(structuredClone(base), `${path}=1`));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain(`--set ${path}:`);
      expect(e.message).not.toContain('\n');
      expect(({} as Record<string, unknown>).x).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'x')).toBe(false);
    });
  }

  it('a value whose mapping has such keys is refused (at any depth)', () => {
    for (const value of [
      '{__proto__: {polluted: 1}}',
      '{a: [{constructor: {prototype: {polluted: 1}}}]}',
      '{prototype: 1}',
    ]) {
      const e = errorOf(() => applySet(structuredClone(base), `methods[0].hparams=${value}`));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toMatch(/^--set methods\[0\]\.hparams: key '(__proto__|constructor|prototype)' is not allowed/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('a value that contains itself (YAML alias inside its anchor) is refused', () => {
    const e = errorOf(() => applySet(structuredClone(base), 'methods[0].hparams.x=&a [*a]'));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toContain('--set methods[0].hparams.x: the value contains itself');
    // shared (non-cyclic) aliases are fine
    expect(applySet(structuredClone(base), 'methods[0].hparams={a: &x [1], b: *x}').methods).toEqual([
      { id: 'kd', hparams: { a: [1], b: [1] } },
    ]);
  });

  it('inherited names are not mistaken for existing keys', () => {
    const r = applySet(structuredClone(base), 'data.options.toString.a=1');
    expect(r.data).toEqual({ options: { toString: { a: 1 } } });
  });
});

describe('applySet refuses malformed paths', () => {
  for (const path of [
    'train..epochs',
    '.train.epochs',
    'train.epochs.',
    'methods[].id',
    'methods[x].id',
    'methods[-1].id',
    'methods[0.5].id',
    'methods[0.id',
    '[0]',
  ]) {
    it(`--set ${path}=3 is a UserError naming the path`, () => {
      const e = errorOf(() => applySet(structuredClone(base), `${path}=3`));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain(`--set ${path}:`);
    });
  }

  it('an empty segment says so', () => {
    expect(errorOf(() => applySet(structuredClone(base), 'train..epochs=3')).message).toBe(
      '--set train..epochs: empty key in the path',
    );
  });
});

describe('applySet list indices', () => {
  it('an index past the end names the index and the list length', () => {
    const e = errorOf(() => applySet(structuredClone(base), 'methods[3].id=kd'));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe("--set methods[3].id: index 3 is past the end of 'methods' (1 entry)");
    const dotted = errorOf(() => applySet(structuredClone(base), 'methods.2.id=kd'));
    expect(dotted.message).toBe("--set methods.2.id: index 2 is past the end of 'methods' (1 entry)");
    const nested = errorOf(() =>
      applySet({ ...structuredClone(base), train: { schedule: { milestones: [] } } }, 'train.schedule.milestones[1]=4'),
    );
    expect(nested.message).toBe(
      "--set train.schedule.milestones[1]: index 1 is past the end of 'train.schedule.milestones' (0 entries)",
    );
  });

  it('index == length appends; a new list can be started at [0]', () => {
    const r = applySet(structuredClone(base), 'methods[1].id=fitnet');
    expect((r.methods as { id: string }[]).map((m) => m.id)).toEqual(['kd', 'fitnet']);
    const s = applySet(structuredClone(base), 'train.schedule.milestones[0]=3');
    expect(parseRunConfig(s).train.schedule.milestones).toEqual([3]);
    expect(errorOf(() => applySet(structuredClone(base), 'train.schedule.milestones[1]=3')).message).toContain(
      "index 1 is past the end of 'train.schedule.milestones' (0 entries)",
    );
  });

  it('existing items are replaced and reached through', () => {
    const r = applySet(structuredClone(base), 'methods[0].hparams.T=2');
    expect(parseRunConfig(r).methods[0]!.hparams).toEqual({ T: 2 });
    expect(parseRunConfig(applySet(structuredClone(base), 'methods.0.id=fitnet')).methods[0]!.id).toBe('fitnet');
  });
});
