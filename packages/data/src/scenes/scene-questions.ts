import type { Rng } from '@kd/core';
import type { Box } from '../proposals/box.js';
import { COUNT_WORDS, NOTHING_ANSWER, type AnswerVocabulary } from './answer-vocabulary.js';
import { gridCell, gridCellNames } from './position-grid.js';
import { DIRECTIONAL_PREDICATES, PREDICATES, predicateMask, type RelationConfig } from './spatial-relations.js';

export type QuestionType = 'presence' | 'count' | 'position' | 'relation';

/** A templated question about a scene and its answer (an entry of the answer vocabulary). */
export interface SceneQuestion {
  readonly type: QuestionType;
  readonly text: string;
  readonly answer: string;
  /** Index of `answer` in the answer vocabulary. */
  readonly answerId: number;
}

/** An object as the question generator sees it. */
export interface QuestionObject {
  readonly box: Box;
  readonly classId: number;
  /** False for objects present in the image but not annotated (novel): no question may depend on them. */
  readonly annotated: boolean;
}

export interface QuestionContext {
  readonly classNames: readonly string[];
  /** asked[c] = 1 when questions may name class c (0 for novel classes in base annotations). */
  readonly askable: Uint8Array;
  readonly answers: AnswerVocabulary;
  readonly positionGrid: number;
  readonly height: number;
  readonly width: number;
  readonly relations: RelationConfig;
}

/**
 * Templated questions about every object in the image (`objects`, annotated or not), in a fixed order:
 *
 * 1. presence "is there a ⟨class⟩?": 'yes' for each present class, and as many 'no' questions
 *    (about absent classes drawn by `rng` without replacement, fewer only when fewer are absent),
 *    all sorted by class id — balanced yes/no per scene;
 * 2. count "how many ⟨class⟩?": the count word for each present class, then one absent class
 *    (drawn by `rng`) answered 'zero';
 * 3. position "what is at the ⟨cell⟩?" over a 2×2 or 3×3 grid (an object is in the cell holding its
 *    box centre): each occupied cell whose objects share one class, answered with that class, in
 *    cell order, then one empty cell (drawn by `rng`) answered 'nothing';
 * 4. relation "what is ⟨left of | right of | above | below⟩ the ⟨class⟩?" for each object whose
 *    class occurs once in the image (in `objects` order), each directional predicate in that
 *    order: the class of the subjects s with "s ⟨predicate⟩ object" (see `predicateMask`), or
 *    'nothing'; skipped when those subjects have different classes.
 *
 * Only classes with `askable[c]` are named, and a question is skipped whenever its answer would
 * depend on an unannotated object (a class with an unannotated instance is not asked about; a cell
 * or a relation that involves one is skipped), so every answer is true of the image. `rng` draws,
 * in this order: the 'no' classes (one int each), the zero-count class and the empty cell (one int
 * each, only when there is at least one candidate).
 */
export function sceneQuestions(
  objects: readonly QuestionObject[],
  context: QuestionContext,
  rng: Rng,
): SceneQuestion[] {
  const { classNames, askable, answers } = context;
  const k = classNames.length;
  const out: SceneQuestion[] = [];
  const ask = (type: QuestionType, text: string, answer: string) => {
    const answerId = answers.ids.get(answer);
    if (answerId === undefined) throw new Error(`scene questions: answer '${answer}' is not in the answer vocabulary`);
    out.push({ type, text, answer, answerId });
  };

  // Per class: annotated count, and whether any instance is unannotated.
  const count = new Int32Array(k);
  const hidden = new Uint8Array(k);
  for (const o of objects) {
    count[o.classId]!++;
    if (!o.annotated) hidden[o.classId] = 1;
  }
  const present: number[] = [];
  const absent: number[] = [];
  for (let c = 0; c < k; c++) {
    if (!askable[c] || hidden[c]) continue;
    (count[c]! > 0 ? present : absent).push(c);
  }

  // 1. presence
  const noClasses = drawWithoutReplacement(absent, Math.min(present.length, absent.length), rng);
  const presence = [...present.map((c) => [c, 'yes'] as const), ...noClasses.map((c) => [c, 'no'] as const)].sort(
    (a, b) => a[0] - b[0],
  );
  for (const [c, answer] of presence) ask('presence', `is there a ${classNames[c]}?`, answer);

  // 2. count
  for (const c of present) ask('count', `how many ${classNames[c]}?`, COUNT_WORDS[count[c]!]!);
  if (absent.length > 0) ask('count', `how many ${classNames[absent[rng.int(absent.length)]!]}?`, COUNT_WORDS[0]!);

  // 3. position
  const cells = gridCellNames(context.positionGrid);
  const inCell: number[][] = cells.map(() => []);
  objects.forEach((o, i) => inCell[gridCell(o.box, context.positionGrid, context.height, context.width)]!.push(i));
  const empty: number[] = [];
  inCell.forEach((members, cell) => {
    if (members.length === 0) {
      empty.push(cell);
      return;
    }
    const c = objects[members[0]!]!.classId;
    if (members.every((i) => objects[i]!.annotated && objects[i]!.classId === c) && askable[c]) {
      ask('position', `what is at the ${cells[cell]}?`, classNames[c]!);
    }
  });
  if (empty.length > 0) ask('position', `what is at the ${cells[empty[rng.int(empty.length)]!]}?`, NOTHING_ANSWER);

  // 4. relation
  const n = objects.length;
  const masks = new Int32Array(n * n);
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < n; o++)
      if (s !== o) masks[s * n + o] = predicateMask(objects[s]!.box, objects[o]!.box, context.relations).mask;
  }
  for (let o = 0; o < n; o++) {
    const ref = objects[o]!;
    if (!ref.annotated || !askable[ref.classId] || count[ref.classId] !== 1) continue;
    for (const p of DIRECTIONAL_PREDICATES) {
      const bit = 1 << PREDICATES.indexOf(p);
      const subjects: number[] = [];
      for (let s = 0; s < n; s++) if (s !== o && masks[s * n + o]! & bit) subjects.push(s);
      if (subjects.some((s) => !objects[s]!.annotated)) continue;
      const classes = new Set(subjects.map((s) => objects[s]!.classId));
      if (classes.size > 1) continue;
      const [c] = classes;
      if (c !== undefined && !askable[c]) continue;
      ask(
        'relation',
        `what is ${p} the ${classNames[ref.classId]}?`,
        c === undefined ? NOTHING_ANSWER : classNames[c]!,
      );
    }
  }
  return out;
}

/** `m` distinct entries of `items` drawn by a partial Fisher–Yates shuffle (in draw order). */
function drawWithoutReplacement(items: readonly number[], m: number, rng: Rng): number[] {
  const pool = [...items];
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, m);
}
