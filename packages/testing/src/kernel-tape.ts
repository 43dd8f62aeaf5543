/**
 * Which kernels a computation runs, and which of them its result does not depend on. tfjs records
 * every kernel on its gradient tape while a tape is on; following the tape back from the result's
 * tensors (by data, so core's `detach`, an alias of the same data, does not cut the path) finds the
 * kernels that made it. The others were spent on something else: a statistic written to a variable,
 * or a value nobody returned. (Uses the engine's tape as `tf.grads` does; tfjs is pinned.)
 */
import * as tf from '@tensorflow/tfjs';

interface TapeNode {
  readonly inputs: Record<string, tf.Tensor>;
  readonly outputs: readonly tf.Tensor[];
  readonly saved?: readonly tf.Tensor[];
}

interface EngineTape {
  state: { gradientDepth: number; activeTape: TapeNode[] | null };
  startTape(): void;
  endTape(): void;
}

export interface KernelRecord<T> {
  readonly result: T;
  /** Kernels run by `f`. */
  readonly kernels: number;
  /** Of those, the kernels no tensor in `result` depends on. */
  readonly unused: number;
}

export function recordKernels<T extends Record<string, tf.Tensor>>(f: () => T): KernelRecord<T> {
  const engine = tf.engine() as unknown as EngineTape;
  if (engine.state.gradientDepth !== 0) throw new Error('recordKernels: already inside a gradient tape');
  engine.startTape();
  let tape: TapeNode[] = [];
  let result: T;
  try {
    result = f();
  } finally {
    tape = engine.state.activeTape ?? [];
    engine.endTape();
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
  }
  // The nodes that made a tensor: by its id (a kernel and the custom-gradient scope around it share
  // their output), or, for an alias such as `detach` that no node made, the latest node before the
  // reader that made its data.
  const byId = new Map<number, number[]>();
  const byData = new Map<object, number[]>();
  const add = <K>(map: Map<K, number[]>, key: K, i: number) => map.set(key, [...(map.get(key) ?? []), i]);
  tape.forEach((node, i) => {
    for (const out of node.outputs) {
      add(byId, out.id, i);
      add(byData, out.dataId, i);
    }
  });
  const producers = (t: tf.Tensor, reader: number): number[] => {
    const own = (byId.get(t.id) ?? []).filter((i) => i < reader);
    if (own.length) return own;
    const alias = (byData.get(t.dataId) ?? []).filter((i) => i < reader).pop();
    return alias === undefined ? [] : [alias];
  };
  const used = new Set<number>();
  const pending: [tf.Tensor, number][] = Object.values(result).map((t) => [t, tape.length]);
  while (pending.length) {
    const [t, reader] = pending.pop()!;
    for (const i of producers(t, reader)) {
      if (used.has(i)) continue;
      used.add(i);
      for (const input of Object.values(tape[i]!.inputs)) if (input) pending.push([input, i]);
    }
  }
  return { result, kernels: tape.length, unused: tape.length - used.size };
}
