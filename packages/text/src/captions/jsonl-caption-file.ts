import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '@kd/core';
import {
  captionAll,
  sampleId,
  type CaptionProvider,
  type CaptionSample,
  type SampleCaptions,
} from './caption-provider.js';

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
 *
 * Limits: a line may be at most 1 MiB (`MAX_CAPTION_LINE_BYTES`, UTF-8 bytes without its line
 * break; five captions with 512-dimensional embeddings take ~35 KB), checked before the line is
 * parsed — a longer one fails with `file:line: line is N bytes, over the 1 MiB limit` — and the
 * file under 2 GiB (`MAX_CAPTION_FILE_BYTES`), checked before it is read.
 */
export class JsonlCaptionFile implements CaptionProvider {
  readonly id = 'file';
  readonly options: Readonly<Record<string, unknown>>;
  private readonly byId: Map<string, SampleCaptions>;
  /** dimension of the file's precomputed embeddings (undefined when it has none) */
  readonly embeddingDim?: number;

  constructor(readonly path: string) {
    let bytes: Buffer;
    try {
      const size = statSync(path).size;
      if (size > MAX_CAPTION_FILE_BYTES)
        throw new UserError(`${path}: caption file is ${size} bytes, over the 2 GiB limit`);
      bytes = readFileSync(path);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${path}: cannot read captions: ${(e as Error).message}`);
    }
    this.byId = parseCaptionLines(bytes, path);
    const dims = new Set([...this.byId.values()].flatMap((c) => (c.embeddings ?? []).map((e) => e.length)));
    if (dims.size === 1) this.embeddingDim = [...dims][0];
    // the hash of the bytes, which for a UTF-8 file is the hash of its text
    this.options = { path, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  get size(): number {
    return this.byId.size;
  }

  captions(sample: CaptionSample): SampleCaptions {
    const c = this.byId.get(sampleId(sample));
    if (!c)
      throw new UserError(`${this.path}: no captions for sample id ${sampleId(sample)} (split index ${sample.index})`);
    return c;
  }

  captionMany(samples: readonly CaptionSample[]): SampleCaptions[] {
    const missing = samples.map(sampleId).filter((id) => !this.byId.has(id));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? ', …' : '');
      throw new UserError(
        `${this.path}: no captions for ${missing.length} of ${samples.length} samples (ids ${shown})`,
      );
    }
    return captionAll({ id: this.id, options: this.options, captions: (s) => this.captions(s) }, samples);
  }
}

function stringList(value: unknown, field: string, where: string): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' && field === 'general' ? [value] : value;
  if (!Array.isArray(list) || !list.every((c) => typeof c === 'string'))
    throw new UserError(`${where}: "${field}" must be an array of strings`);
  return list as string[];
}

/** The longest caption line, in UTF-8 bytes without its line break: 1 MiB. */
export const MAX_CAPTION_LINE_BYTES = 1024 * 1024;
/** The largest caption file read: 2 GiB (what `readFileSync` can read at once). */
export const MAX_CAPTION_FILE_BYTES = 2 ** 31 - 1;

/**
 * The lines of UTF-8 `bytes` split at `\n` (a `\r` before it dropped), each checked against
 * `MAX_CAPTION_LINE_BYTES` before it is decoded.
 */
function* captionLines(bytes: Uint8Array, file: string): Generator<[index: number, line: string]> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let start = 0, index = 0; start <= buffer.length; index++) {
    const newline = buffer.indexOf(0x0a, start);
    const next = newline === -1 ? buffer.length : newline;
    const end = next > start && buffer[next - 1] === 0x0d ? next - 1 : next;
    if (end - start > MAX_CAPTION_LINE_BYTES)
      throw new UserError(`${file}:${index + 1}: line is ${end - start} bytes, over the 1 MiB limit`);
    yield [index, buffer.toString('utf8', start, end)];
    start = next + 1;
  }
}

/**
 * Parses caption lines (see `JsonlCaptionFile`) from text or UTF-8 bytes; `file` names the source
 * in errors. A line longer than `MAX_CAPTION_LINE_BYTES` is refused with its number.
 */
export function parseCaptionLines(text: string | Uint8Array, file: string): Map<string, SampleCaptions> {
  const byId = new Map<string, SampleCaptions>();
  const firstLine = new Map<string, number>();
  let dim: { size: number; line: number } | undefined;
  for (const [i, line] of captionLines(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, file)) {
    if (line.trim() === '') continue;
    const where = `${file}:${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new UserError(`${where}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw new UserError(`${where}: expected an object {"id": …, "captions": […]}`);
    const o = obj as Record<string, unknown>;
    if (typeof o.id !== 'number' && typeof o.id !== 'string')
      throw new UserError(`${where}: "id" must be a number or a string`);
    const id = String(o.id);
    const previous = firstLine.get(id);
    if (previous !== undefined) throw new UserError(`${where}: duplicate id ${id} (first on line ${previous})`);
    const general = [...stringList(o.captions, 'captions', where), ...stringList(o.general, 'general', where)];
    const targeted = stringList(o.targeted, 'targeted', where);
    if (general.length + targeted.length === 0)
      throw new UserError(`${where}: no captions (give "captions", "general" or "targeted")`);
    firstLine.set(id, i + 1);
    if (o.embeddings === undefined) {
      byId.set(id, { general, targeted });
      continue;
    }
    const e = o.embeddings;
    const count = general.length + targeted.length;
    if (
      !Array.isArray(e) ||
      !e.every((v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    ) {
      throw new UserError(`${where}: "embeddings" must be a list of non-empty number lists`);
    }
    if (e.length !== count)
      throw new UserError(`${where}: ${e.length} embeddings for ${count} captions (one per caption, general first)`);
    for (const v of e as number[][]) {
      dim ??= { size: v.length, line: i + 1 };
      if (v.length !== dim.size)
        throw new UserError(`${where}: an embedding of dimension ${v.length}, but line ${dim.line} has ${dim.size}`);
    }
    byId.set(id, { general, targeted, embeddings: e as number[][] });
  }
  return byId;
}
