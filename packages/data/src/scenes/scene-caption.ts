import type { Box } from '../proposals/box.js';
import { DEFAULT_RELATION_CONFIG, PREDICATES, predicateMask, type RelationConfig } from './spatial-relations.js';

/** The caption of a scene with no (annotated) objects. */
export const EMPTY_CAPTION = 'nothing';

/**
 * A caption chaining the objects, given in reading order, with the primary predicate of each
 * consecutive pair: "a 3 left of a 7 above a 1" reads (3 left of 7), (7 above 1). One object gives
 * "a 3"; none gives `EMPTY_CAPTION`. Tokens are separated by single spaces; the article is always
 * "a" (class names are used verbatim), so the caption tokenises without special cases.
 */
export function sceneCaption(
  objects: readonly { readonly box: Box; readonly className: string }[],
  relations: RelationConfig = DEFAULT_RELATION_CONFIG,
): string {
  if (objects.length === 0) return EMPTY_CAPTION;
  const parts = [`a ${objects[0]!.className}`];
  for (let i = 1; i < objects.length; i++) {
    const { primary } = predicateMask(objects[i - 1]!.box, objects[i]!.box, relations);
    parts.push(`${PREDICATES[primary]} a ${objects[i]!.className}`);
  }
  return parts.join(' ');
}
