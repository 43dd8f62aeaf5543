import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UserError } from '@kd/core';
import { captionAll, sampleId, type CaptionProvider, type CaptionSample, type SampleCaptions } from './caption-provider.js';

/**
 * Captions from a JSON Lines file written by a real VLM elsewhere. One object per non-blank line:
 *
 *     {"id": 17, "captions": ["a bright boot near the centre"]}
 *     {"id": "img_0018", "general": ["…"], "targeted": ["…", "…", "…", "…"]}
 *
 * - `id` (number or string, required): the sample's id (`CaptionSample.id`, else its split index);
 *   numbers and strings match by their text (17 matches "17").
 * - `captions` (string[]): untagged captions, read as general-prompt answers;
 * - `general` (string | string[]), `targeted` (string[]): tagged answers. At least one caption.
 * - `embeddings` (number[][], optional): precomputed text embeddings, one per caption in the order
 *   [...captions/general, ...targeted], every one of the same dimension across the file.
 *
 * Malformed lines and duplicate ids fail at load with `file:line: reason`; a sample with no line
 * fails when its captions are requested (`captionMany` lists every missing id at once).
 */
export class JsonlCaptionFile implements CaptionProvider {
  readonly id = 'file';
  readonly options: Readonly<Record<string, unknown>>;
  private readonly byId: Map<string, SampleCaptions>;
  /** dimension of the file's precomputed embeddings (undefined when it has none) */
  readonly embeddingDim?: number;

  constructor(readonly path: string) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new UserError(`${path}: cannot read captions: ${(e as Error).message}`);
    }
    this.byId = parseCaptionLines(text, path);
    const dims = new Set([...this.byId.values()].flatMap((c) => (c.embeddings ?? []).map((e) => e.length)));
    if (dims.size === 1) this.embeddingDim = [...dims][0];
    this.options = { path, sha256: createHash('sha256').update(text).digest('hex') };
  }

  get size(): number {
    return this.byId.size;
  }

  captions(sample: CaptionSample): SampleCaptions {
    const c = this.byId.get(sampleId(sample));
    if (!c) throw new UserError(`${this.path}: no captions for sample id ${sampleId(sample)} (split index ${sample.index})`);
    return c;
  }

  captionMany(samples: readonly CaptionSample[]): SampleCaptions[] {
    const missing = samples.map(sampleId).filter((id) => !this.byId.has(id));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
      throw new UserError(`${this.path}: no captions for ${missing.length} of ${samples.length} samples (ids ${shown})`);
    }
    return captionAll({ id: this.id, options: this.options, captions: (s) => this.captions(s) }, samples);
  }
}

function stringList(value: unknown, field: string, where: string): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' && field === 'general' ? [value] : value;
  if (!Array.isArray(list) || !list.every((c) => typeof c === 'string')) throw new UserError(`${where}: "${field}" must be an array of strings`);
  return list as string[];
}

/** Parses caption lines (see `JsonlCaptionFile`); `file` names the source in errors. */
export function parseCaptionLines(text: string, file: string): Map<string, SampleCaptions> {
  const byId = new Map<string, SampleCaptions>();
  const firstLine = new Map<string, number>();
  let dim: { size: number; line: number } | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new UserError(`${where}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UserError(`${where}: expected an object {"id": …, "captions": […]}`);
    const o = obj as Record<string, unknown>;
    if (typeof o.id !== 'number' && typeof o.id !== 'string') throw new UserError(`${where}: "id" must be a number or a string`);
    const id = String(o.id);
    const previous = firstLine.get(id);
    if (previous !== undefined) throw new UserError(`${where}: duplicate id ${id} (first on line ${previous})`);
    const general = [...stringList(o.captions, 'captions', where), ...stringList(o.general, 'general', where)];
    const targeted = stringList(o.targeted, 'targeted', where);
    if (general.length + targeted.length === 0) throw new UserError(`${where}: no captions (give "captions", "general" or "targeted")`);
    firstLine.set(id, i + 1);
    if (o.embeddings === undefined) {
      byId.set(id, { general, targeted });
      return;
    }
    const e = o.embeddings;
    const count = general.length + targeted.length;
    if (!Array.isArray(e) || !e.every((v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
      throw new UserError(`${where}: "embeddings" must be a list of non-empty number lists`);
    }
    if (e.length !== count) throw new UserError(`${where}: ${e.length} embeddings for ${count} captions (one per caption, general first)`);
    for (const v of e as number[][]) {
      dim ??= { size: v.length, line: i + 1 };
      if (v.length !== dim.size) throw new UserError(`${where}: an embedding of dimension ${v.length}, but line ${dim.line} has ${dim.size}`);
    }
    byId.set(id, { general, targeted, embeddings: e as number[][] });
  });
  return byId;
}
