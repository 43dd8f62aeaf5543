import { describe, expect, it } from 'vitest';
import { detectionAveragePrecision, type Detection, type GroundTruthBox } from './detection-average-precision.js';
import { meanAp } from './mean-average-precision.js';

// Class 0 has 3 ground truths in two images; class 1 has none; class 2 has one and no detection.
const groundTruths: GroundTruthBox[] = [
  { imageId: 'A', classId: 0, box: [0, 0, 10, 10] }, // g1
  { imageId: 'A', classId: 0, box: [20, 20, 30, 30] }, // g2
  { imageId: 'B', classId: 0, box: [0, 0, 10, 10] }, // g3
  { imageId: 'B', classId: 2, box: [0, 0, 5, 5] },
];
// Listed out of score order on purpose.
const detections: Detection[] = [
  { imageId: 'A', classId: 0, box: [20, 20, 30, 25], score: 0.6 }, // IoU with g2 = 50 / 100 = 0.5 exactly → TP
  { imageId: 'B', classId: 0, box: [50, 50, 60, 60], score: 0.5 }, // no overlap → FP
  { imageId: 'A', classId: 0, box: [0, 0, 10, 10], score: 0.9 }, // g1 → TP
  { imageId: 'B', classId: 0, box: [0, 0, 10, 10], score: 0.7 }, // g3 → TP
  { imageId: 'A', classId: 0, box: [1, 0, 11, 10], score: 0.8 }, // IoU 90/110 with g1, already matched → duplicate FP
  { imageId: 'A', classId: 1, box: [0, 0, 10, 10], score: 0.95 }, // right place, wrong class: class 1 has no GT
];

describe('detectionAveragePrecision', () => {
  it('greedy matching by score, duplicates are false positives, IoU ≥ 0.5 matches', () => {
    const r = detectionAveragePrecision(detections, groundTruths, { numClasses: 3 });
    // class 0 in score order: TP FP TP TP FP
    //   recall 1/3 1/3 2/3 1 1, precision 1 1/2 2/3 3/4 3/5, envelope 1 3/4 3/4 3/4 3/5
    //   AP = 1/3 · 1 + 1/3 · 3/4 + 1/3 · 3/4 = 5/6
    expect(r.ap[0]).toBeCloseTo(5 / 6, 12);
    expect(r.truePositives[0]).toBe(3);
    expect(r.detections[0]).toBe(5);
    expect(r.groundTruths[0]).toBe(3);
    // class 1: detections but no ground truth → NaN; class 2: ground truth but no detection → 0
    expect(r.ap[1]).toBeNaN();
    expect(r.detections[1]).toBe(1);
    expect(r.ap[2]).toBe(0);
    expect(Array.from(r.groundTruths)).toEqual([3, 0, 1]);
  });

  it('a stricter threshold turns the IoU-0.5 detection into a false positive', () => {
    // TP FP TP FP FP: recall 1/3 1/3 2/3 2/3 2/3, envelope 1 2/3 2/3 … → 1/3 + 1/3 · 2/3 = 5/9
    const r = detectionAveragePrecision(detections, groundTruths, { numClasses: 3, iouThreshold: 0.75 });
    expect(r.ap[0]).toBeCloseTo(5 / 9, 12);
  });

  it('other interpolations use the same curve', () => {
    // envelope 1 at recall 1/3, 3/4 up to recall 1: r ∈ {0 … .3} → 1 (4 points), {.4 … 1} → 3/4 (7)
    const r = detectionAveragePrecision(detections, groundTruths, { numClasses: 3, interpolation: '11-point' });
    expect(r.ap[0]).toBeCloseTo((4 + 7 * 0.75) / 11, 12);
  });

  it('matches the highest-IoU ground truth that is still unmatched (not the first above threshold)', () => {
    const gts: GroundTruthBox[] = [
      { imageId: 1, classId: 0, box: [0, 0, 10, 10] }, // gA
      { imageId: 1, classId: 0, box: [3, 0, 13, 10] }, // gB
    ];
    const dets: Detection[] = [
      // IoU 70/130 ≈ 0.54 with gA, 1 with gB → must take gB
      { imageId: 1, classId: 0, box: [3, 0, 13, 10], score: 0.9 },
      // IoU 70/130 with gA, 40/160 with gB → only gA
      { imageId: 1, classId: 0, box: [-3, 0, 7, 10], score: 0.8 },
    ];
    // both TP → AP 1 (taking gA first would leave the second detection unmatched: AP 0.5)
    expect(detectionAveragePrecision(dets, gts, { numClasses: 1 }).ap[0]).toBe(1);
  });

  it('falls back to another unmatched ground truth when the best one is taken (COCO, not VOC)', () => {
    const gts: GroundTruthBox[] = [
      { imageId: 1, classId: 0, box: [0, 0, 10, 10] }, // gA
      { imageId: 1, classId: 0, box: [0, 0, 10, 6] }, // gB
    ];
    const dets: Detection[] = [
      { imageId: 1, classId: 0, box: [0, 0, 10, 10], score: 0.9 }, // gA (IoU 1)
      // IoU 0.8 with gA (taken), 60/80 = 0.75 with gB → TP on gB (VOC's devkit would call it a duplicate)
      { imageId: 1, classId: 0, box: [0, 0, 10, 8], score: 0.8 },
    ];
    const r = detectionAveragePrecision(dets, gts, { numClasses: 1 });
    expect(r.truePositives[0]).toBe(2);
    expect(r.ap[0]).toBe(1);
  });

  it('equal scores keep their input order', () => {
    const gts: GroundTruthBox[] = [{ imageId: 0, classId: 0, box: [0, 0, 1, 1] }];
    const hit: Detection = { imageId: 0, classId: 0, box: [0, 0, 1, 1], score: 0.5 };
    const miss: Detection = { imageId: 0, classId: 0, box: [5, 5, 6, 6], score: 0.5 };
    // miss then hit: recall 0, 1; precision 0, 1/2 → AP 1/2. hit then miss → AP 1.
    expect(detectionAveragePrecision([miss, hit], gts, { numClasses: 1 }).ap[0]).toBe(0.5);
    expect(detectionAveragePrecision([hit, miss], gts, { numClasses: 1 }).ap[0]).toBe(1);
  });

  it('image ids must match exactly and detections never match other images', () => {
    const gts: GroundTruthBox[] = [{ imageId: 1, classId: 0, box: [0, 0, 1, 1] }];
    const dets: Detection[] = [{ imageId: '1', classId: 0, box: [0, 0, 1, 1], score: 1 }];
    expect(detectionAveragePrecision(dets, gts, { numClasses: 1 }).ap[0]).toBe(0);
  });

  it('feeds meanAp over class subsets, ignoring classes without ground truth', () => {
    const r = detectionAveragePrecision(detections, groundTruths, { numClasses: 3 });
    expect(meanAp(r.ap)).toBeCloseTo((5 / 6 + 0) / 2, 12);
    expect(meanAp(r.ap, [0, 1])).toBeCloseTo(5 / 6, 12);
    expect(meanAp(r.ap, [1])).toBeNaN();
  });

  it('validates its inputs', () => {
    expect(() => detectionAveragePrecision([], [], { numClasses: 0 })).toThrow('numClasses must be an integer ≥ 1');
    expect(() =>
      detectionAveragePrecision([], [{ imageId: 0, classId: 3, box: [0, 0, 1, 1] }], { numClasses: 3 }),
    ).toThrow('groundTruths[0] has classId 3, not an integer in [0, 3)');
    expect(() =>
      detectionAveragePrecision([{ imageId: 0, classId: 0, box: [1, 0, 0, 1], score: 1 }], [], { numClasses: 1 }),
    ).toThrow('detections[0].box = [1, 0, 0, 1] has x2 < x1');
    expect(() =>
      detectionAveragePrecision([{ imageId: 0, classId: 0, box: [0, 0, 1, 1], score: NaN }], [], { numClasses: 1 }),
    ).toThrow('detections[0] has score NaN');
    expect(() => detectionAveragePrecision([], [], { numClasses: 1, iouThreshold: 0 })).toThrow(
      'iouThreshold must be in (0, 1]',
    );
  });
});
