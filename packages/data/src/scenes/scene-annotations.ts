import { Rng } from '@kd/core';
import { readingOrder } from './reading-order.js';
import type { SceneAnnotations, SceneObject } from './scene.js';
import { sceneCaption } from './scene-caption.js';
import type { ResolvedSceneConfig } from './scene-config.js';
import { sceneQuestions } from './scene-questions.js';
import { spatialRelations } from './spatial-relations.js';
import { tripleQueries } from './triple-queries.js';

/**
 * The annotations of a scene's objects when only those with `annotated(o)` are annotated:
 * the annotated objects in reading order, their multi-hot labels [K], the relations of every
 * ordered pair of them, the caption over them (`sceneCaption`), and questions (`sceneQuestions`,
 * which see every object so that no answer is falsified by an unannotated one; classes named
 * in questions: all for `base = false`, base classes only for `base = true`). Questions draw from
 * `new Rng(questionSeed)`, the relations' true-or-false queries (`tripleQueries`) from `new Rng(querySeed)`.
 */
export function annotateObjects(
  all: readonly SceneObject[],
  annotated: (o: SceneObject) => boolean,
  config: ResolvedSceneConfig,
  base: boolean,
  questionSeed: number,
  querySeed: number,
): SceneAnnotations {
  const visible = all.filter(annotated);
  const objects = readingOrder(visible.map((o) => o.box)).map((i) => visible[i]!);
  const labels = new Float32Array(config.numClasses);
  for (const o of objects) labels[o.classId] = 1;
  const askable = new Uint8Array(config.numClasses).fill(1);
  if (base) for (let k = 0; k < askable.length; k++) askable[k] = config.novelMask[k] ? 0 : 1;
  const questions = sceneQuestions(
    all.map((o) => ({ box: o.box, classId: o.classId, annotated: annotated(o) })),
    {
      classNames: config.source.classNames,
      askable,
      answers: config.answers,
      positionGrid: config.positionGrid,
      height: config.height,
      width: config.width,
      relations: config.relations,
    },
    new Rng(questionSeed),
  );
  const relations = spatialRelations(
    objects.map((o) => o.box),
    config.relations,
  );
  return {
    objects,
    labels,
    relations,
    queries: tripleQueries(relations, new Rng(querySeed)),
    questions,
    caption: sceneCaption(objects, config.relations),
  };
}
