import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captionAll, captionTexts } from './caption-provider.js';
import { JsonlCaptionFile } from './jsonl-caption-file.js';

const dir = mkdtempSync(join(tmpdir(), 'kd-captions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('JsonlCaptionFile', () => {
  const path = file('ok.jsonl', [
    '{"id": 0, "captions": ["a boot", "a dark boot"]}',
    '',
    '{"id": "1", "general": "a shoe", "targeted": ["this is a sneaker"]}',
    '{"id": 2, "targeted": ["t1", "t2", "t3", "t4"]}',
  ]);

  it('reads untagged and tagged captions, matching ids by their text', () => {
    const f = new JsonlCaptionFile(path);
    expect(f.size).toBe(3);
    expect(f.captions({ index: 0, label: 9 })).toEqual({ general: ['a boot', 'a dark boot'], targeted: [] });
    expect(f.captions({ index: 5, id: 1, label: 7 })).toEqual({ general: ['a shoe'], targeted: ['this is a sneaker'] });
    expect(captionTexts(f.captions({ index: 0, id: '2', label: 0 }))).toEqual(['t1', 't2', 't3', 't4']);
    expect(
      captionAll(f, [
        { index: 2, label: 0 },
        { index: 0, label: 0 },
      ]).map((c) => c.targeted.length),
    ).toEqual([4, 0]);
  });

  it('names the file and line of a malformed line', () => {
    expect(
      () => new JsonlCaptionFile(file('bad-json.jsonl', ['{"id": 0, "captions": ["a"]}', '{"id": 1, "captions": ['])),
    ).toThrow(/bad-json\.jsonl:2: not valid JSON/);
    expect(() => new JsonlCaptionFile(file('no-id.jsonl', ['{"captions": ["a"]}']))).toThrow(
      /no-id\.jsonl:1: "id" must be/,
    );
    expect(() => new JsonlCaptionFile(file('bad-list.jsonl', ['{"id": 0, "captions": "a"}']))).toThrow(
      /bad-list\.jsonl:1: "captions" must be an array/,
    );
    expect(() => new JsonlCaptionFile(file('empty.jsonl', ['{"id": 0, "captions": []}']))).toThrow(
      /empty\.jsonl:1: no captions/,
    );
    expect(() => new JsonlCaptionFile(file('array.jsonl', ['[1]']))).toThrow(/array\.jsonl:1: expected an object/);
    expect(() => new JsonlCaptionFile(join(dir, 'absent.jsonl'))).toThrow(/absent\.jsonl: cannot read captions/);
  });

  it('rejects duplicate ids naming both lines', () => {
    expect(
      () =>
        new JsonlCaptionFile(
          file('dup.jsonl', [
            '{"id": 3, "captions": ["a"]}',
            '{"id": 4, "captions": ["b"]}',
            '{"id": "3", "captions": ["c"]}',
          ]),
        ),
    ).toThrow(/dup\.jsonl:3: duplicate id 3 \(first on line 1\)/);
  });

  it('lists the missing ids of a split in one error', () => {
    const f = new JsonlCaptionFile(path);
    const samples = [0, 1, 2, 3, 4].map((index) => ({ index, label: 0 }));
    expect(() => f.captionMany(samples)).toThrow(/ok\.jsonl: no captions for 2 of 5 samples \(ids 3, 4\)/);
    expect(() => f.captions({ index: 9, label: 0 })).toThrow(/ok\.jsonl: no captions for sample id 9/);
  });

  it('carries precomputed text embeddings, one per caption (general first), of one dimension', () => {
    const withEmbeddings = file('emb.jsonl', [
      '{"id": 0, "general": "a boot", "targeted": ["an ankle boot"], "embeddings": [[0.1, 0.2, 0.3], [1, 0, 0]]}',
      '{"id": 1, "captions": ["a shoe"], "embeddings": [[0, 1, 0]]}',
    ]);
    const f = new JsonlCaptionFile(withEmbeddings);
    expect(f.embeddingDim).toBe(3);
    expect(f.captions({ index: 0, label: 9 }).embeddings).toEqual([
      [0.1, 0.2, 0.3],
      [1, 0, 0],
    ]);
    expect(new JsonlCaptionFile(path).embeddingDim).toBeUndefined();
    const count = file('emb-count.jsonl', ['{"id": 0, "captions": ["a", "b"], "embeddings": [[1, 2]]}']);
    expect(() => new JsonlCaptionFile(count)).toThrow(
      `${count}:1: 1 embeddings for 2 captions (one per caption, general first)`,
    );
    const dims = file('emb-dim.jsonl', [
      '{"id": 0, "captions": ["a"], "embeddings": [[1, 2]]}',
      '{"id": 1, "captions": ["b"], "embeddings": [[1, 2, 3]]}',
    ]);
    expect(() => new JsonlCaptionFile(dims)).toThrow(`${dims}:2: an embedding of dimension 3, but line 1 has 2`);
    const bad = file('emb-bad.jsonl', ['{"id": 0, "captions": ["a"], "embeddings": [["x"]]}']);
    expect(() => new JsonlCaptionFile(bad)).toThrow(`${bad}:1: "embeddings" must be a list of non-empty number lists`);
  });

  it('keys its options on the file content', () => {
    const a = new JsonlCaptionFile(file('v.jsonl', ['{"id": 0, "captions": ["a"]}']));
    const b = new JsonlCaptionFile(file('v.jsonl', ['{"id": 0, "captions": ["b"]}']));
    expect(a.options.sha256).not.toBe(b.options.sha256);
  });

  it('keeps the sha256 of the text, CRLF line ends and a last line without a newline', () => {
    const text = '{"id": 0, "captions": ["é à boot"]}\r\n\r\n{"id": 1, "captions": ["b"]}';
    const path = join(dir, 'crlf.jsonl');
    writeFileSync(path, text);
    const f = new JsonlCaptionFile(path);
    expect(f.size).toBe(2);
    expect(f.captions({ index: 0, label: 0 }).general).toEqual(['é à boot']);
    expect(f.options.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('refuses a line over 1 MiB with its number, before parsing it; lines with embeddings fit well within', () => {
    const embedding = () =>
      `[${Array.from({ length: 512 }, (_, i) => (Math.sin(i) * 0.123456789).toFixed(9)).join(', ')}]`;
    const withEmbeddings = `{"id": 1, "captions": ["a", "b", "c", "d", "e"], "embeddings": [${[1, 2, 3, 4, 5].map(embedding).join(', ')}]}`;
    expect(withEmbeddings.length).toBeLessThan(1024 * 1024);
    expect(
      new JsonlCaptionFile(file('emb-512.jsonl', ['{"id": 0, "captions": ["a"]}', withEmbeddings])).embeddingDim,
    ).toBe(512);

    const long = `{"id": 2, "captions": ["${'x'.repeat(1024 * 1024)}"]}`;
    const path = file('long-line.jsonl', ['{"id": 0, "captions": ["a"]}', '', long]);
    expect(() => new JsonlCaptionFile(path)).toThrow(`${path}:3: line is ${long.length} bytes, over the 1 MiB limit`);
    // bytes, not characters: 2-byte characters count twice
    const wide = `{"id": 3, "captions": ["${'é'.repeat(600 * 1024)}"]}`;
    const widePath = file('wide-line.jsonl', [wide]);
    expect(() => new JsonlCaptionFile(widePath)).toThrow(
      `${widePath}:1: line is ${Buffer.byteLength(wide)} bytes, over the 1 MiB limit`,
    );
  });

  it('refuses a file over 2 GiB before reading it', () => {
    const path = join(dir, 'huge.jsonl');
    writeFileSync(path, '');
    truncateSync(path, 2 ** 31); // sparse: nothing is written or read
    expect(() => new JsonlCaptionFile(path)).toThrow(`${path}: caption file is ${2 ** 31} bytes, over the 2 GiB limit`);
    rmSync(path);
  });
});
