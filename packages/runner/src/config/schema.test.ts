import { ConfigError } from '@kd/core';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseRunConfig } from './load-config.js';

const base = { student: { arch: 'cnn' } };

function configError(raw: unknown): ConfigError {
  try {
    parseRunConfig(raw);
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('methods[i].weights', () => {
  it('a negative term weight is a ConfigError naming the term', () => {
    const e = configError({ ...base, methods: [{ id: 'kd', weights: { soft: -1 } }] });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.path).toBe('methods[0].weights.soft');
    expect(e.message).toMatch(/^config field 'methods\[0\]\.weights\.soft': .*≥ 0/);
    expect(configError({ ...base, methods: [{ id: 'kd' }, { id: 'fitnet', weights: { hint: -0.5 } }] }).path).toBe(
      'methods[1].weights.hint',
    );
  });

  it('a weight that is not finite (YAML .inf / .nan) is a ConfigError naming the term', () => {
    for (const v of ['.inf', '.nan', '-.inf']) {
      const raw = parseYaml(`student: {arch: cnn}\nmethods: [{id: kd, weights: {soft: ${v}}}]`);
      const e = configError(raw);
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.path).toBe('methods[0].weights.soft');
    }
  });

  it('0 (term off) and positive weights are accepted', () => {
    const c = parseRunConfig({
      ...base,
      methods: [
        { id: 'kd', weights: { soft: 0 } },
        { id: 'fitnet', weights: { hint: 2.5 } },
      ],
    });
    expect(c.methods.map((m) => m.weights)).toEqual([{ soft: 0 }, { hint: 2.5 }]);
  });
});
