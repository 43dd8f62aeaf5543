/**
 * What the template captioner "knows" about one class: the material of the four targeted-prompt
 * answers. Phrases are fragments that `targetedCaptions` puts into sentence templates.
 */
export interface ClassKnowledge {
  /** The dataset's class name, verbatim (e.g. "7", "Ankle boot"). */
  readonly className: string;
  /** T1: other names, with their article ("a sweater", "the digit seven"). */
  readonly synonyms: readonly string[];
  /** T2: distinguishing parts, noun phrases ("a closed loop at the top"). */
  readonly parts: readonly string[];
  /** T3: typical appearance, verb phrases ("is a tall narrow vertical line"). */
  readonly appearance: readonly string[];
  /** T4: the class it is most easily confused with (a `className` of the same table). */
  readonly confusable: string;
  /** T4: how it differs from `confusable`, verb phrases ("has no bar across the top"). */
  readonly contrast: readonly string[];
}

/** Checks a table: one entry per class name in order, confusable classes exist, no empty phrase lists. */
export function validateKnowledgeTable(table: readonly ClassKnowledge[], classNames?: readonly string[]): void {
  const names = new Set(table.map((k) => k.className));
  table.forEach((k, i) => {
    if (classNames && classNames[i] !== k.className)
      throw new Error(
        `knowledge table: entry ${i} is '${k.className}', the dataset's class ${i} is '${classNames[i]}'`,
      );
    if (!names.has(k.confusable) || k.confusable === k.className)
      throw new Error(
        `knowledge table: '${k.className}' has confusable class '${k.confusable}', not another class of the table`,
      );
    for (const field of ['synonyms', 'parts', 'appearance', 'contrast'] as const) {
      if (k[field].length === 0) throw new Error(`knowledge table: '${k.className}' has no ${field}`);
    }
  });
  if (classNames && classNames.length !== table.length)
    throw new Error(`knowledge table: ${table.length} entries for ${classNames.length} classes`);
}
