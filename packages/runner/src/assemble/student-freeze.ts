import { ConfigError, type Module } from '@kd/core';

/**
 * `student.freeze`: sub-modules of the student that do not train (e.g. a pre-trained encoder under
 * trainable heads). Each entry is a dotted path of sub-module names (`encoder`, `conv1`, `layer1.0`);
 * its sub-tree is frozen with `Module.setFrozen`, the model's one trainability flag: no gradient (its
 * parameters are in no optimizer group) and batch norm on its running statistics, never updated.
 * An entry that names no sub-module is a ConfigError naming it and what the student has.
 */
export function freezeStudent(student: Module, prefixes: readonly string[]): void {
  prefixes.forEach((prefix, i) => {
    const part = student.subModule(prefix);
    if (!part) {
      // the deepest existing sub-module on the way, and its children, as the hint
      const parent = prefix.includes('.') ? prefix.slice(0, prefix.lastIndexOf('.')) : '';
      const around = parent && student.subModule(parent) ? parent : '';
      const what = student.namedVariables().has(prefix)
        ? 'is a variable, not a sub-module'
        : 'names no sub-module of the student';
      const children = student.subModule(around)!.childNames();
      throw new ConfigError(
        `student.freeze[${i}]`,
        `'${prefix}' ${what} (${around || 'the student'} has: ${children.join(', ') || 'no sub-modules'})`,
      );
    }
    part.setFrozen(true);
  });
}
