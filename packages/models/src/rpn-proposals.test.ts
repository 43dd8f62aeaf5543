/**
 * The RPN's anchors and proposals against torchvision 0.14 (fixture written by
 * tools/golden/rpn_proposals.py): AnchorGenerator, BoxCoder(1, 1, 1, 1).decode_single and
 * RegionProposalNetwork.filter_proposals.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anchorGrid, cellAnchors } from './anchor-grid.js';
import { decodeAnchorDeltas, filterProposals } from './rpn-proposals.js';

interface AnchorCase {
  imageSize: [number, number];
  featureSize: [number, number];
  sizes: number[];
  ratios: number[];
  anchors: number[];
}
interface ProposalCase {
  preNms: number;
  postNms: number;
  nmsIou: number;
  minSize: number;
  count: number;
  boxes: number[];
  scores: number[];
}
const golden = JSON.parse(
  readFileSync(new URL('../test/fixtures/rpn-proposals.golden.json', import.meta.url), 'utf8'),
) as {
  anchorCases: AnchorCase[];
  decode: { anchors: number[]; deltas: number[]; boxes: number[] };
  proposals: {
    imageSize: [number, number];
    anchors: number[];
    objectness: number[];
    deltas: number[];
    cases: ProposalCase[];
  };
};

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('RPN anchors and proposals (torchvision golden)', () => {
  it.each(
    golden.anchorCases.map(
      (c) => [`${c.featureSize} map of ${c.imageSize}, sizes ${c.sizes}, ratios ${c.ratios}`, c] as const,
    ),
  )('anchors equal AnchorGenerator, rounding and order included: %s', (_, c) => {
    const anchors = anchorGrid({
      featureSize: c.featureSize,
      imageSize: c.imageSize,
      sizes: c.sizes,
      ratios: c.ratios,
    });
    expect(Array.from(anchors)).toEqual(c.anchors);
  });

  it('cell anchors round their half-sides half to even (torch.round): size 5, ratio 1 → ±2', () => {
    expect(cellAnchors([5], [1])).toEqual([[-2, -2, 2, 2]]);
    expect(cellAnchors([7], [1])).toEqual([[-4, -4, 4, 4]]);
  });

  it('decodes deltas as BoxCoder(1, 1, 1, 1).decode_single, log-scales clamped at log(1000/16)', () => {
    const { anchors, deltas, boxes } = golden.decode;
    const ours = Array.from({ length: anchors.length / 4 }, (_, a) => decodeAnchorDeltas(anchors, deltas, a)).flat();
    // float32 on both sides; boxes reach ~800 px past the clamp
    ours.forEach((v, i) =>
      expect(Math.abs(v - boxes[i]!), `coordinate ${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(boxes[i]!))),
    );
    expect(Math.max(...boxes.map(Math.abs))).toBeGreaterThan(500);
  });

  it.each(
    golden.proposals.cases.map(
      (c) => [`pre ${c.preNms}, post ${c.postNms}, NMS ${c.nmsIou}, min ${c.minSize}`, c] as const,
    ),
  )('proposals equal filter_proposals (top-k, decode, clip, small boxes, NMS, top post): %s', (_, c) => {
    const { imageSize, anchors, objectness, deltas } = golden.proposals;
    const out = filterProposals(anchors, objectness, deltas, { imageSize, ...c });
    expect(out.scores.length).toBe(c.count);
    expect(maxAbs(out.boxes, c.boxes)).toBeLessThan(1e-4);
    expect(maxAbs(out.scores, c.scores)).toBeLessThan(1e-6);
  });

  it('never proposes a padded (zero-area) anchor and returns fewer than postNms when fewer survive', () => {
    const anchors = [0, 0, 8, 8, 0, 0, 0, 0, 20, 20, 30, 30];
    const out = filterProposals(anchors, [0, 5, -1], new Array(12).fill(0), {
      imageSize: [32, 32],
      preNms: 10,
      postNms: 10,
      nmsIou: 0.7,
      minSize: 1e-3,
    });
    expect(Array.from(out.boxes)).toEqual([0, 0, 8, 8, 20, 20, 30, 30]);
  });
});
