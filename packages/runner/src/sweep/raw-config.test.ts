import { UserError } from '@kd/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { deepMerge, type RawConfig } from './raw-config.js';
import { errorOf } from '@kd/testing';

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).polluted;
});

describe('deepMerge refuses keys that reach object prototypes', () => {
  const base: RawConfig = { student: { arch: 'cnn', options: { width: 4 } }, methods: [{ id: 'kd' }] };
  const cases: [string, string][] = [
    ['{__proto__: {polluted: 1}}', '__proto__'],
    ['{student: {__proto__: {polluted: 1}}}', 'student.__proto__'],
    ['{student: {options: {constructor: {prototype: {polluted: 1}}}}}', 'student.options.constructor'],
    ['{teacher: {arch: resnet8, prototype: {polluted: 1}}}', 'teacher.prototype'],
    ['{methods: [{id: kd, hparams: {__proto__: {polluted: 1}}}]}', 'methods[0].hparams.__proto__'],
  ];
  for (const [yaml, where] of cases) {
    it(`${yaml} → UserError naming '${where}', nothing polluted`, () => {
      const override = parseYaml(yaml) as RawConfig; // the yaml parser makes `__proto__` an own key, as a variant file would
      const e = errorOf(() => deepMerge(base, override));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toContain(`'${where}'`);
      expect(e.message).not.toContain('\n');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('ordinary merges still work, and inherited names are plain keys', () => {
    const out = deepMerge(base, parseYaml('{student: {options: {toString: {a: 1}}}, teacher: null}') as RawConfig);
    expect(out).toEqual({
      student: { arch: 'cnn', options: { width: 4, toString: { a: 1 } } },
      methods: [{ id: 'kd' }],
    });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
