import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@kd/core';
import { errorOf } from '@kd/testing';
import { describe, expect, it } from 'vitest';
import { architectures } from '../architectures/index.js';
import { isLegacyModelFolder, KD_MODEL_FORMAT, LEGACY_MODEL_FORMAT, readModelCard } from './model-card.js';
import { saveTappedModelSync } from './tapped-model-files.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `kd-card-${p}-`));
const build = () =>
  architectures
    .find((a) => a.id === 'resnet8')!
    .build({ inputShape: [9, 9, 1], numClasses: 3, seed: 1, options: { width: 2 } });
const card = { arch: 'resnet8', options: { width: 2 }, inputShape: [9, 9, 1], numClasses: 3 };

/** A UserError on one line that contains every one of `parts`. */
function expectUserError(f: () => unknown, ...parts: string[]): void {
  const e = errorOf(f);
  expect(e).toBeInstanceOf(UserError);
  expect(e.message).not.toContain('\n');
  for (const p of parts) expect(e.message).toContain(p);
}

describe('the model card: one type, one reader for every saved kd model', () => {
  it("is written in modelTopology.kd with the parameter count and read back whole (a run's metrics, vocabulary, numerics)", () => {
    const dir = tmp('write');
    const model = build();
    const full = { ...card, metrics: { test: { accuracy: 0.5 } }, vocabularyId: 'abc', numerics: 'wasm/relaxed-simd' };
    saveTappedModelSync(model, dir, full);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe(KD_MODEL_FORMAT);
    expect(json.modelTopology.kd).toEqual({ ...full, params: model.paramCount() });
    expect(readModelCard(dir)).toEqual({ ...full, params: model.paramCount() });
    expect(isLegacyModelFolder(dir)).toBe(false);
    model.dispose();
  });

  it("reads the first sessions' layout (the card as model.json): older run folders and teacher caches", () => {
    const dir = tmp('legacy');
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ format: LEGACY_MODEL_FORMAT, ...card, params: 123, metrics: { test: 0.9 } }),
    );
    expect(readModelCard(dir)).toEqual({ ...card, params: 123, metrics: { test: 0.9 } });
    expect(isLegacyModelFolder(dir)).toBe(true);
  });

  it('reads a card saved without a parameter count (saveTappedModel before it wrote one)', () => {
    const dir = tmp('no-params');
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ format: KD_MODEL_FORMAT, modelTopology: { kd: card }, weightsManifest: [] }),
    );
    expect(readModelCard(dir)).toEqual(card);
  });

  it('anything else is a one-line error naming the file', () => {
    const dir = tmp('bad');
    const file = join(dir, 'model.json');
    expectUserError(() => readModelCard(dir), `cannot read model file ${file} (ENOENT)`);
    writeFileSync(file, '{ not json');
    expectUserError(() => readModelCard(dir), `${file} is not readable JSON`);
    writeFileSync(file, '[1]');
    expectUserError(() => readModelCard(dir), `${file} is not a JSON object`);
    writeFileSync(file, JSON.stringify({ format: 'layers-model', modelTopology: {} }));
    expectUserError(() => readModelCard(dir), `${file} is not a kd model (format 'layers-model')`);
    writeFileSync(file, JSON.stringify({ format: KD_MODEL_FORMAT, modelTopology: null }));
    expectUserError(() => readModelCard(dir), `${file} is not a kd model (format '${KD_MODEL_FORMAT}')`);
    writeFileSync(
      file,
      JSON.stringify({ format: KD_MODEL_FORMAT, modelTopology: { kd: { ...card, inputShape: [9, -1] } } }),
    );
    expectUserError(() => readModelCard(dir), file, "'inputShape' is [9,-1], not a list of positive whole numbers");
    writeFileSync(file, JSON.stringify({ format: LEGACY_MODEL_FORMAT, ...card, arch: undefined }));
    expectUserError(() => readModelCard(dir), file, "'arch' is missing, not an architecture id");
  });
});
