import type { Box } from '../proposals/box.js';
import type { SceneQuestion } from './scene-questions.js';
import type { SpatialRelation } from './spatial-relations.js';
import type { TripleQuery } from './triple-queries.js';

/** One object of a scene. */
export interface SceneObject {
  /** Placement order in the scene (stable across base and full annotations). */
  readonly id: number;
  /**
   * The tight bounding box of the item's ink (rescaled pixels > `inkThreshold`), in continuous pixel
   * coordinates ([c0, r0, c1 + 1, r1 + 1] for ink in columns c0…c1 and rows r0…r1) — not the
   * rectangle the item was pasted into (`pasteBox`).
   */
  readonly box: Box;
  /** The whole rescaled item rectangle, ink or not. */
  readonly pasteBox: Box;
  readonly classId: number;
  readonly className: string;
  /** Index of the item in the source (`ItemSource` row). */
  readonly itemIndex: number;
  /** True when `classId` is a novel class (present in the image, absent from base annotations). */
  readonly novel: boolean;
}

/** Annotations derived from a list of objects; see `annotateObjects` for the rules. */
export interface SceneAnnotations {
  /** The annotated objects in reading order (`readingOrder`). */
  readonly objects: readonly SceneObject[];
  /** [K] multi-hot over all classes: 1 where some annotated object has that class. */
  readonly labels: Float32Array;
  /** Every ordered pair of `objects` (indices into `objects`). */
  readonly relations: readonly SpatialRelation[];
  /** One SpatialSense-like query per relation (same order): a predicate, true or false (`tripleQueries`). */
  readonly queries: readonly TripleQuery[];
  readonly questions: readonly SceneQuestion[];
  readonly caption: string;
}

/**
 * A generated scene. Its own annotation fields hold the base annotations (novel objects removed);
 * `full` holds the annotations of every object (for evaluation). Without novel classes both are equal.
 */
export interface Scene extends SceneAnnotations {
  readonly index: number;
  readonly height: number;
  readonly width: number;
  /** [H·W] row-major, one channel, in [0, 1]. */
  readonly image: Float32Array;
  readonly full: SceneAnnotations;
}
