import * as tf from '@tensorflow/tfjs';
import type { TappedModel } from '@kd/core';

/**
 * Which student variables FitNets' hint stage trains: those "up to and including the guided layer",
 * i.e. the parameters the guided tap depends on.
 */
export interface GuidedScope {
  /**
   * `prefix`: from a known variable-path layout; `traced`: found by gradient connectivity (any
   * architecture); `all`: neither worked, the whole student trains.
   */
  readonly mode: 'traced' | 'prefix' | 'all';
  /** Parameter paths (keys of `model.namedParameters()`) that train in the hint stage. */
  readonly paths: ReadonlySet<string>;
  readonly note: string;
}

/**
 * The parameters the tap depends on: one inference-mode forward of a zero sample (batch norm uses
 * its running statistics and updates nothing) and the set of parameters that receive a gradient
 * — present, even if zero — from the sum of the tap. Throws if the model cannot run on `{ x }` alone.
 */
export function traceVariablesUpTo(model: TappedModel, tap: string, inputShape: readonly number[]): Set<string> {
  const params = model.namedParameters();
  const pathOf = new Map<string, string>();
  for (const [path, v] of params) pathOf.set(v.name, path);
  const found = new Set<string>();
  tf.tidy(() => {
    const x = tf.zeros([1, ...inputShape]);
    const { grads } = tf.variableGrads(() => {
      const out = model.forward({ x }, { training: false, taps: new Set([tap]) })[tap];
      if (!out) throw new Error(`model '${model.arch}' returned no tap '${tap}'`);
      return tf.sum(out) as tf.Scalar;
    }, [...params.values()]);
    for (const name of Object.keys(grads)) found.add(pathOf.get(name)!);
  });
  return found;
}

function topLevel(paths: Iterable<string>): Set<string> {
  return new Set([...paths].map((p) => p.split('.')[0]!));
}

function stageIndex(tap: string): number | undefined {
  if (tap === 'stem') return 0;
  const m = /^stage(\d+)(\.pre)?$/.exec(tap);
  return m ? Number(m[1]) : undefined;
}

/**
 * Path prefixes of the layers up to and including tap `stem` / `stage{K}` / `stage{K}.pre`, for the
 * variable layouts of @kd/models; `undefined` when the tap or the layout is not recognised.
 * - CIFAR ResNet (`conv1`, `bn1` stem; `layer1..3`; `fc`): conv1, bn1, layer1..K.
 * - Wide ResNet, pre-activation (`conv1` stem; `block1..3.layer.*`; final `bn1`; `fc`): conv1,
 *   block1..K, and the BN that activates stage K's output — `block{K+1}.layer.0.bn1`, or `bn1` after
 *   the last stage.
 * - Small CNN (`conv1..3`, `bn1..3`, `fc`; stage K = conv K): conv1..K, bn1..K.
 */
export function prefixesUpTo(tap: string, paths: Iterable<string>): string[] | undefined {
  const k = stageIndex(tap);
  if (k === undefined) return undefined;
  const top = topLevel(paths);
  const upTo = (name: string) => Array.from({ length: k }, (_, i) => `${name}${i + 1}`);
  if (top.has('layer1')) {
    if (!top.has(`layer${Math.max(k, 1)}`)) return undefined;
    return ['conv1', 'bn1', ...upTo('layer')].filter((p) => top.has(p));
  }
  if (top.has('block1')) {
    if (!top.has(`block${Math.max(k, 1)}`)) return undefined;
    if (k === 0) return ['conv1'];
    const next = top.has(`block${k + 1}`) ? `block${k + 1}.layer.0.bn1` : 'bn1';
    return ['conv1', ...upTo('block'), next];
  }
  if (top.has('conv1') && top.has('conv2') && top.has('bn1') && !top.has('layer1')) {
    if (k === 0 || !top.has(`conv${k}`)) return undefined;
    return [...upTo('conv'), ...upTo('bn')];
  }
  return undefined;
}

function matches(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => path === p || path.startsWith(`${p}.`));
}

/**
 * The hint stage's scope for a guided tap. In order:
 * 1. `prefix`: the known @kd/models layouts (instant; for resnet20, wrn-16-2 and the small CNN this
 *    gives exactly the traced set for every feature tap);
 * 2. `traced`: gradient connectivity, for other layouts (exact, but costs one forward/backward of a
 *    single sample — seconds to minutes on the pure-JS CPU backend, hence not the first choice);
 * 3. `all`: the whole student, when the model cannot run on `{ x }` alone.
 */
export function variablesUpTo(model: TappedModel, tap: string, inputShape: readonly number[]): GuidedScope {
  const all = [...model.namedParameters().keys()];
  const prefixes = prefixesUpTo(tap, all);
  if (prefixes) {
    const paths = new Set(all.filter((p) => matches(p, prefixes)));
    if (paths.size > 0) return { mode: 'prefix', paths, note: `path prefixes ${prefixes.join(', ')}` };
  }
  try {
    const paths = traceVariablesUpTo(model, tap, inputShape);
    if (paths.size > 0) return { mode: 'traced', paths, note: `traced from tap '${tap}'` };
  } catch {
    // the model needs more than `x`: fall through
  }
  return { mode: 'all', paths: new Set(all), note: `layout unknown for tap '${tap}': the whole student trains` };
}
