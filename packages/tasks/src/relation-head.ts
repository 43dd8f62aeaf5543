import { facetOf, PREDICATE_NAMES, UserError, type TaskSetupContext } from '@kd/core';

/** The tap of a relation head: [Q, 1 + N] per image, column 0 background, 1 + k predicate k. */
export const RELATION_TAP = 'relationLogits';

/**
 * The dataset's predicates, after checking that the student has a relation head with one output per
 * predicate plus background (a one-line UserError naming the task otherwise; `hint(wanted)` ends the
 * line, e.g. the option to set, given "4 (3 predicates + background)" or "4"). Undefined when the dataset has no predicates: the run's data check
 * refuses it right after setup, in one line.
 */
export function relationHeadPredicates<H>(
  ctx: TaskSetupContext<H>,
  task: string,
  hint: (wanted: string) => string = () => '',
): readonly string[] | undefined {
  const predicates = facetOf(ctx.data, PREDICATE_NAMES);
  if (!predicates) return undefined;
  const model = ctx.student.model;
  const n = predicates.length + 1;
  const wanted = `${n} (${predicates.length} predicates + background)`;
  const spec = model.tapSpecs()[RELATION_TAP];
  if (!spec)
    throw new UserError(
      `task '${task}': the student (${model.arch}) has no relation head (tap '${RELATION_TAP}')${hint(wanted) ? `; ${hint(wanted)}` : ''}`,
    );
  const outputs = spec.shape[spec.shape.length - 1];
  if (spec.shape.length !== 2 || outputs !== n)
    throw new UserError(
      `task '${task}': the student's relation head has ${outputs} outputs, dataset '${ctx.data.name}' needs ${wanted}${hint(String(n)) ? `: ${hint(String(n))}` : ''}`,
    );
  return predicates;
}
