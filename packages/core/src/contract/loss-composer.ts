import * as tf from '@tensorflow/tfjs';
import type { TermSpec } from './method.js';

/**
 * Turns per-method terms into the run's objective:
 *   total = task + Σ_methods Σ_terms weight · term,
 * with names namespaced `<method>.<term>`. A term whose weight is 0 is not in `active` and so is not
 * computed. Returned values are kept for logging.
 */
export interface WeightedTerm {
  readonly method: string;
  readonly term: string;
  readonly weight: number;
}

export function qualifiedName(method: string, term: string): string {
  return `${method}.${term}`;
}

/** Resolves weights: config overrides on top of the method's defaults; unknown term names are errors. */
export function resolveWeights(
  method: string,
  terms: readonly TermSpec[],
  overrides: Readonly<Record<string, number>> | undefined,
): WeightedTerm[] {
  const known = new Set(terms.map((t) => t.name));
  for (const name of Object.keys(overrides ?? {})) {
    if (!known.has(name))
      throw new Error(`unknown term '${name}' for method '${method}' (terms: ${[...known].join(', ')})`);
  }
  return terms.map((t) => ({ method, term: t.name, weight: overrides?.[t.name] ?? t.defaultWeight }));
}

export function activeTerms(weights: readonly WeightedTerm[], method: string): Set<string> {
  return new Set(weights.filter((w) => w.method === method && w.weight !== 0).map((w) => w.term));
}

/** Sums weighted terms; returns the total and each term's (unweighted) value by qualified name. */
export function combineTerms(
  terms: ReadonlyMap<string, Record<string, tf.Scalar>>,
  weights: readonly WeightedTerm[],
): { total: tf.Scalar; parts: Record<string, tf.Scalar> } {
  const parts: Record<string, tf.Scalar> = {};
  let total: tf.Scalar = tf.scalar(0);
  for (const w of weights) {
    if (w.weight === 0) continue;
    const value = terms.get(w.method)?.[w.term];
    if (!value) throw new Error(`method '${w.method}' did not return active term '${w.term}'`);
    parts[qualifiedName(w.method, w.term)] = value;
    total = tf.add(total, tf.mul(value, w.weight));
  }
  return { total, parts };
}
