import { describe, expect, it } from 'vitest';
import { generateScene } from '../scenes/generate-scene.js';
import { loadMnistItemSource } from '../scenes/mnist-item-source.js';
import type { Scene } from '../scenes/scene.js';
import { boxAt, boxIoUAt } from './box.js';
import { edgeMap } from './edge-map.js';
import {
  BIASED_PROPOSAL_CONFIG,
  DEFAULT_PROPOSAL_CONFIG,
  EDGE_PROPOSAL_CONFIG,
  validateProposalConfig,
  type ProposalConfig,
} from './proposal-config.js';
import { proposalRecall } from './proposal-recall.js';
import { proposals } from './proposals.js';

const source = await loadMnistItemSource();
const scenes: Scene[] = Array.from({ length: 200 }, (_, i) => generateScene(source, {}, 5, i));

/** Mean over scenes of the recall of their objects by the top-K proposals at IoU ≥ thr. */
function meanRecall(config: ProposalConfig, thr: number): number {
  let hit = 0;
  let total = 0;
  for (const s of scenes) {
    const p = proposals(s, config, 11);
    hit +=
      proposalRecall(
        s.objects.map((o) => o.box),
        p.boxes,
        thr,
      ) * s.objects.length;
    total += s.objects.length;
  }
  return hit / total;
}

describe('proposals', () => {
  it('is deterministic in (scene, config, seed) and depends on the seed', () => {
    for (const config of [DEFAULT_PROPOSAL_CONFIG, BIASED_PROPOSAL_CONFIG]) {
      const a = proposals(scenes[3]!, config, 1);
      const b = proposals(generateScene(source, {}, 5, 3), config, 1);
      expect(b.boxes).toEqual(a.boxes);
      expect(b.scores).toEqual(a.scores);
      const c = proposals(scenes[3]!, config, 2);
      expect(c.boxes).not.toEqual(a.boxes);
    }
  });

  it('returns at most topK boxes inside the canvas, best score first, with no pair above the NMS IoU', () => {
    for (const config of [DEFAULT_PROPOSAL_CONFIG, BIASED_PROPOSAL_CONFIG, { ...DEFAULT_PROPOSAL_CONFIG, topK: 5 }]) {
      for (const s of scenes.slice(0, 20)) {
        const p = proposals(s, config, 3);
        expect(p.count).toBeLessThanOrEqual(config.topK);
        expect(p.boxes.length).toBe(4 * p.count);
        expect(p.scores.length).toBe(p.count);
        for (let i = 0; i < p.count; i++) {
          const [x1, y1, x2, y2] = boxAt(p.boxes, i);
          expect(x1 >= 0 && y1 >= 0 && x2 <= s.width && y2 <= s.height && x2 > x1 && y2 > y1).toBe(true);
          if (i > 0) expect(p.scores[i]!).toBeLessThanOrEqual(p.scores[i - 1]!);
          for (let j = 0; j < i; j++)
            expect(boxIoUAt(p.boxes, i, p.boxes, j)).toBeLessThanOrEqual(config.nmsIoU + 1e-6);
        }
      }
    }
    expect(proposals(scenes[0]!, DEFAULT_PROPOSAL_CONFIG, 3).count).toBe(32);
  });

  it('covers most objects at IoU ≥ 0.5 with the top 32 (both sources), and from the windows alone', () => {
    expect(meanRecall(DEFAULT_PROPOSAL_CONFIG, 0.5)).toBeGreaterThan(0.95);
    expect(meanRecall(BIASED_PROPOSAL_CONFIG, 0.5)).toBeGreaterThan(0.85);
    const windowsOnly = { ...DEFAULT_PROPOSAL_CONFIG, jitter: { ...DEFAULT_PROPOSAL_CONFIG.jitter, perObject: 0 } };
    expect(meanRecall(windowsOnly, 0.5)).toBeGreaterThan(0.85);
  });

  it('gives a second source whose regions are misaligned with the first (looser boxes, other windows)', () => {
    // at IoU ≥ 0.7 source A still finds nearly every object, source B (looser, noisier) far fewer
    const a = meanRecall(DEFAULT_PROPOSAL_CONFIG, 0.7);
    const b = meanRecall(BIASED_PROPOSAL_CONFIG, 0.7);
    expect(a).toBeGreaterThan(0.9);
    expect(b).toBeLessThan(a - 0.3);
    // B's boxes are larger on average
    const meanArea = (config: ProposalConfig) => {
      let sum = 0;
      let n = 0;
      for (const s of scenes.slice(0, 50)) {
        const p = proposals(s, config, 1);
        for (let i = 0; i < p.count; i++)
          sum += (p.boxes[4 * i + 2]! - p.boxes[4 * i]!) * (p.boxes[4 * i + 3]! - p.boxes[4 * i + 1]!);
        n += p.count;
      }
      return sum / n;
    };
    expect(meanArea(BIASED_PROPOSAL_CONFIG)).toBeGreaterThan(meanArea(DEFAULT_PROPOSAL_CONFIG));
  });

  it('accepts a shared edge map without changing the result', () => {
    const s = scenes[7]!;
    const edges = edgeMap(s.image, s.height, s.width);
    expect(proposals(s, BIASED_PROPOSAL_CONFIG, 4, edges)).toEqual(proposals(s, BIASED_PROPOSAL_CONFIG, 4));
  });

  it("jitters around every object ('all', default) or the annotated ones only", () => {
    const novel = generateScene(
      source,
      { novelClasses: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], minObjects: 3, maxObjects: 3 },
      5,
      1,
    );
    expect(novel.objects).toHaveLength(0);
    expect(novel.full.objects.length).toBeGreaterThan(0);
    const onlyJitter = (objects: 'all' | 'annotated'): ProposalConfig => ({
      ...DEFAULT_PROPOSAL_CONFIG,
      windows: { ...DEFAULT_PROPOSAL_CONFIG.windows, sizes: [] },
      objects,
    });
    expect(proposals(novel, onlyJitter('annotated'), 1).count).toBe(0);
    const all = proposals(novel, onlyJitter('all'), 1);
    expect(
      proposalRecall(
        novel.full.objects.map((o) => o.box),
        all.boxes,
        0.5,
      ),
    ).toBe(1);
  });

  it('gives an edge-only source (E) whose proposals never depend on the object boxes', () => {
    expect(EDGE_PROPOSAL_CONFIG.jitter.perObject).toBe(0);
    const moved = [{ box: [1, 2, 30, 40] as const }, { box: [40, 40, 64, 64] as const }];
    for (const s of scenes.slice(0, 20)) {
      const p = proposals(s, EDGE_PROPOSAL_CONFIG, 6);
      expect(p.count).toBe(EDGE_PROPOSAL_CONFIG.topK);
      // the same image with the annotations emptied or replaced by other boxes
      const noBoxes = {
        index: s.index,
        height: s.height,
        width: s.width,
        image: s.image,
        objects: [],
        full: { objects: [] },
      };
      const otherBoxes = { ...noBoxes, objects: moved, full: { objects: moved } };
      expect(proposals(noBoxes, EDGE_PROPOSAL_CONFIG, 6)).toEqual(p);
      expect(proposals(otherBoxes, EDGE_PROPOSAL_CONFIG, 6)).toEqual(p);
      // whereas the jitter source A follows the boxes
      expect(proposals(otherBoxes, DEFAULT_PROPOSAL_CONFIG, 6).boxes).not.toEqual(
        proposals(s, DEFAULT_PROPOSAL_CONFIG, 6).boxes,
      );
    }
    expect(meanRecall(EDGE_PROPOSAL_CONFIG, 0.5)).toBeGreaterThan(0.92);
  });

  it('validates configs', () => {
    expect(() => validateProposalConfig({ ...DEFAULT_PROPOSAL_CONFIG, topK: 0 })).toThrow(
      /topK must be an integer ≥ 1/,
    );
    expect(() => validateProposalConfig({ ...DEFAULT_PROPOSAL_CONFIG, nmsIoU: 1.5 })).toThrow(/nmsIoU/);
    expect(() =>
      validateProposalConfig({ ...DEFAULT_PROPOSAL_CONFIG, windows: { sizes: [8], aspectRatios: [1], stride: 0 } }),
    ).toThrow(/windows.stride/);
    expect(() =>
      proposals(
        scenes[0]!,
        { ...DEFAULT_PROPOSAL_CONFIG, jitter: { ...DEFAULT_PROPOSAL_CONFIG.jitter, sizeBias: 0 } },
        1,
      ),
    ).toThrow(/jitter.sizeBias/);
  });
});

describe('proposalRecall', () => {
  it('counts objects matched at the IoU threshold within the top K', () => {
    const objects = [
      [0, 0, 10, 10],
      [20, 20, 30, 30],
    ] as const;
    const props = [20, 20, 30, 31, 0, 0, 10, 10];
    expect(proposalRecall(objects, props, 0.5)).toBe(1);
    expect(proposalRecall(objects, props, 0.5, 1)).toBe(0.5);
    expect(proposalRecall(objects, props, 0.95)).toBe(0.5);
    expect(proposalRecall([], props)).toBe(1);
  });
});
