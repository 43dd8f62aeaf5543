import * as tf from '@tensorflow/tfjs';
import {
  TappedModel,
  UserError,
  type Batch,
  type ForwardOptions,
  type TapKind,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { readModelArtifacts } from './file-io-handler.js';

export interface GraphTeacherOptions {
  /** The graph's input node (default: its only input). */
  readonly input?: string;
  /** Taps by name → graph node (`name` or `name:k`) and kind; `logits` is required. */
  readonly taps: Readonly<Record<string, { readonly node: string; readonly kind?: TapKind }>>;
  /** Sample shape without the batch dimension, for the probe that measures the taps' shapes. */
  readonly inputShape: readonly number[];
}

/**
 * A TensorFlow.js graph model (e.g. converted from TensorFlow by tensorflowjs_converter, on the
 * local disk) as a frozen teacher: its taps are named graph nodes. The graph's weights are
 * constants, so no gradient ever reaches them. Tap shapes are measured once by a probe with a batch
 * of one zero input (a graph declares no shapes a connector could be sized from).
 */
export class GraphModelTeacher extends TappedModel {
  readonly arch: string;
  private readonly specs: TapSpecs;

  private constructor(
    private readonly graph: tf.GraphModel<tf.io.IOHandlerSync>,
    private readonly inputName: string,
    private readonly nodes: ReadonlyMap<string, string>,
    specs: TapSpecs,
    path: string,
  ) {
    super();
    this.arch = `graph-model:${path}`;
    this.specs = specs;
    this.setFrozen(true);
  }

  static load(path: string, options: GraphTeacherOptions): Promise<GraphModelTeacher> {
    return Promise.resolve().then(() => GraphModelTeacher.loadSync(path, options));
  }

  /** Loads synchronously (the files are local), so an architecture's `build` can return it. */
  static loadSync(path: string, options: GraphTeacherOptions): GraphModelTeacher {
    if (!options.taps['logits']) throw new UserError(`graph teacher ${path}: taps must include 'logits'`);
    const graph = tf.loadGraphModelSync(readModelArtifacts(path));
    const inputs = graph.inputs.map((i) => i.name);
    const inputName = options.input ?? (inputs.length === 1 ? inputs[0]! : '');
    if (!inputs.includes(inputName))
      throw new UserError(`graph teacher ${path}: input '${options.input ?? ''}' not among ${inputs.join(', ')}`);
    const nodes = new Map(Object.entries(options.taps).map(([tap, t]) => [tap, t.node]));
    const known = new Set(
      Object.keys(
        (graph as unknown as { executor: { graph: { nodes: Record<string, unknown> } } }).executor.graph.nodes,
      ),
    );
    for (const [tap, node] of nodes) {
      if (!known.has(node.split(':')[0]!))
        throw new UserError(`graph teacher ${path}: tap '${tap}' names node '${node}', which the graph does not have`);
    }
    const shapes = tf.tidy(() => {
      const out = graph.execute({ [inputName]: tf.zeros([1, ...options.inputShape]) }, [...nodes.values()]);
      return (Array.isArray(out) ? out : [out]).map((t) => t.shape.slice(1));
    });
    const specs: TapSpecs = Object.fromEntries(
      [...nodes.keys()].map((tap, i) => [
        tap,
        {
          shape: shapes[i]!,
          kind: options.taps[tap]!.kind ?? (tap === 'logits' ? 'logits' : 'other'),
          description: `graph node ${nodes.get(tap)}`,
        },
      ]),
    );
    return new GraphModelTeacher(graph, inputName, nodes, specs, path);
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    const wanted = [...this.nodes.keys()].filter((t) => t === 'logits' || !options.taps || options.taps.has(t));
    const out = this.graph.execute(
      { [this.inputName]: batch.x },
      wanted.map((t) => this.nodes.get(t)!),
    );
    const list = Array.isArray(out) ? out : [out];
    return Object.fromEntries(wanted.map((t, i) => [t, list[i]!]));
  }

  override dispose(): void {
    this.graph.dispose();
    super.dispose();
  }
}
