import { answerVocabulary, type AnswerVocabulary } from './answer-vocabulary.js';
import { itemCount, validateItemSource, type ItemSource } from './item-source.js';
import { gridCellNames } from './position-grid.js';
import { DEFAULT_RELATION_CONFIG, validateRelationConfig, type RelationConfig } from './spatial-relations.js';

/** How scenes are composed and annotated. Treat config objects as immutable. */
export interface SceneConfig {
  /** Canvas size in pixels (one channel). */
  readonly height: number;
  readonly width: number;
  /** The number of items drawn per scene, uniform in [minObjects, maxObjects] (≤ 20). */
  readonly minObjects: number;
  readonly maxObjects: number;
  /** The longer side of a rescaled item in pixels, uniform integer in [minItemSize, maxItemSize]. */
  readonly minItemSize: number;
  readonly maxItemSize: number;
  /** A placement is rejected when its ink box has IoU > maxOverlap with an earlier object's box. */
  readonly maxOverlap: number;
  /** Random positions tried per item before the item is dropped. */
  readonly placementTries: number;
  /** A rescaled item pixel is ink when its value is > inkThreshold (boxes are tight around ink). */
  readonly inkThreshold: number;
  /** Item indices scenes draw from (e.g. the train split's source indices); null = every item. */
  readonly pool: Int32Array | null;
  /** Classes removed from the (base) annotations while their objects stay in the image (ViLD). */
  readonly novelClasses: readonly number[];
  /** 2 (2×2) or 3 (3×3) cells for position questions. */
  readonly positionGrid: number;
  readonly relations: RelationConfig;
}

/** A partial config; missing fields take `DEFAULT_SCENE_CONFIG`. */
export type SceneConfigInput = Partial<Omit<SceneConfig, 'relations'>> & {
  readonly relations?: Partial<RelationConfig>;
};

export const DEFAULT_SCENE_CONFIG: SceneConfig = Object.freeze({
  height: 64,
  width: 64,
  minObjects: 1,
  maxObjects: 4,
  minItemSize: 16,
  maxItemSize: 32,
  maxOverlap: 0.1,
  placementTries: 20,
  inkThreshold: 0.2,
  pool: null,
  novelClasses: Object.freeze([]),
  positionGrid: 2,
  relations: DEFAULT_RELATION_CONFIG,
});

/** A validated config bound to one item source, with what annotation needs precomputed. */
export interface ResolvedSceneConfig extends SceneConfig {
  readonly source: ItemSource;
  readonly numClasses: number;
  /** [K] 1 for novel classes. */
  readonly novelMask: Uint8Array;
  /** Class ids not in `novelClasses`, ascending. */
  readonly baseClasses: readonly number[];
  readonly answers: AnswerVocabulary;
}

const resolved = new WeakMap<ItemSource, WeakMap<object, ResolvedSceneConfig>>();

/**
 * Fills defaults and validates `input` against `source` (throws a RangeError naming the field).
 * Cached per (source, input object), so passing the same objects again costs nothing.
 */
export function resolveSceneConfig(
  source: ItemSource,
  input: SceneConfigInput | ResolvedSceneConfig = {},
): ResolvedSceneConfig {
  if ('answers' in input && input.source === source) return input;
  let bySource = resolved.get(source);
  if (!bySource) {
    validateItemSource(source);
    bySource = new WeakMap();
    resolved.set(source, bySource);
  }
  const hit = bySource.get(input);
  if (hit) return hit;
  const cfg = build(source, input);
  bySource.set(input, cfg);
  return cfg;
}

function build(source: ItemSource, input: SceneConfigInput): ResolvedSceneConfig {
  const c: SceneConfig = {
    ...DEFAULT_SCENE_CONFIG,
    ...input,
    relations: { ...DEFAULT_RELATION_CONFIG, ...input.relations },
  };
  const fail = (field: string, why: string, value: unknown): never => {
    throw new RangeError(`scene config: ${field} ${why}, got ${JSON.stringify(value)}`);
  };
  const int = (field: keyof SceneConfig, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = c[field] as number;
    if (!Number.isInteger(v) || v < min || v > max) fail(field, `must be an integer in [${min}, ${max}]`, v);
  };
  int('height', 1);
  int('width', 1);
  int('minObjects', 0, 20);
  int('maxObjects', Math.max(1, c.minObjects), 20);
  int('minItemSize', 1);
  int('maxItemSize', c.minItemSize, Math.min(c.height, c.width));
  int('placementTries', 1);
  if (!(c.maxOverlap >= 0 && c.maxOverlap <= 1)) fail('maxOverlap', 'must be in [0, 1]', c.maxOverlap);
  if (!(c.inkThreshold >= 0 && c.inkThreshold < 1)) fail('inkThreshold', 'must be in [0, 1)', c.inkThreshold);
  gridCellNames(c.positionGrid);
  validateRelationConfig(c.relations);
  // An item keeps its aspect ratio: its shorter side must fit too, which holds since maxItemSize ≤ min(H, W).
  const n = itemCount(source);
  if (c.pool) {
    if (c.pool.length === 0) fail('pool', 'must not be empty', []);
    for (const i of c.pool)
      if (!Number.isInteger(i) || i < 0 || i >= n) fail('pool', `holds ${i}, outside the source's [0, ${n})`, i);
  } else if (n === 0) fail('pool', 'draws from an empty source', n);
  const numClasses = source.classNames.length;
  const novelMask = new Uint8Array(numClasses);
  for (const k of c.novelClasses) {
    if (!Number.isInteger(k) || k < 0 || k >= numClasses)
      fail('novelClasses', `holds ${k}, not a class id in [0, ${numClasses})`, c.novelClasses);
    novelMask[k] = 1;
  }
  const baseClasses = Object.freeze(Array.from({ length: numClasses }, (_, k) => k).filter((k) => !novelMask[k]));
  return Object.freeze({
    ...c,
    source,
    numClasses,
    novelMask,
    baseClasses,
    answers: answerVocabulary(source.classNames, c.maxObjects),
  });
}
