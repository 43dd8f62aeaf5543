import * as tf from '@tensorflow/tfjs';
import {
  Module,
  TappedModel,
  UserError,
  type Batch,
  type ForwardOptions,
  type TapKind,
  type TapSpec,
  type TapSpecs,
  type TapValues,
} from '@kd/core';

/** A tap on a layer's output: the layer (its kd name or its tfjs name) and what the output holds. */
export interface LayerTap {
  readonly layer: string;
  /** Default: from the output's rank (3 → `feature`, 2 → `hidden`, 1 → `embedding`, else `other`). */
  readonly kind?: TapKind;
  readonly description?: string;
}

/**
 * Which layers become taps: a list of layer names (each tap named as its layer), or tap names mapped
 * to a layer name or a `LayerTap`.
 */
export type LayerTaps = readonly string[] | Readonly<Record<string, string | LayerTap>>;

export interface LayersTappedModelOptions {
  /** What `arch` reports (the registered architecture id). */
  readonly arch: string;
  /**
   * The taps besides `logits`. Default: the output of every layer of the model, each named as its
   * layer (input layers and the logits layer excepted).
   */
  readonly taps?: LayerTaps;
  /** The layer whose output is `logits` (before any softmax). Default: the model's output (one output). */
  readonly logits?: string;
}

type Layer = tf.layers.Layer;
type CallArgs = Parameters<Layer['call']>;

/** Layers already inside a LayersTappedModel: their weights belong to it, so no second one may take them. */
const adopted = new WeakSet<Layer>();

/** tfjs's name for a class (`Conv2D` → `conv2d`, `BatchNormalization` → `batch_normalization`). */
function snakeCase(name: string): string {
  const s = name
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return s.startsWith('_') ? `private${s}` : s;
}

/** Whether tfjs made up this layer's name (`dense_Dense3`, `sequential_2`, `model4`): it differs between builds. */
function hasMadeUpName(layer: Layer): boolean {
  const cls = layer.getClassName();
  const counted = (prefix: string) => layer.name.startsWith(prefix) && /^\d+$/.test(layer.name.slice(prefix.length));
  return counted(`${snakeCase(cls)}_${cls}`) || counted(`${cls.toLowerCase()}`) || counted('sequential_');
}

const isInputLayer = (layer: Layer) => layer.getClassName() === 'InputLayer';

/**
 * Stable names of a model's layers, the same in every build of the same model: a name the user gave
 * stays; one tfjs made up (with a process-wide counter) becomes the class's name and its rank among
 * the model's unnamed layers of that class (`dense_1`, `dense_2`, `conv2d_1`). kd uses dots as
 * path separators, so a name with a dot is refused.
 */
function stableLayerNames(model: tf.LayersModel, arch: string): Map<Layer, string> {
  const names = new Map<Layer, string>();
  const counts = new Map<string, number>();
  const taken = new Map<string, Layer>();
  for (const layer of model.layers) {
    if (isInputLayer(layer)) continue;
    let name = layer.name;
    if (hasMadeUpName(layer)) {
      const base = snakeCase(layer.getClassName());
      const k = (counts.get(base) ?? 0) + 1;
      counts.set(base, k);
      name = `${base}_${k}`;
    }
    if (name.includes('.'))
      throw new UserError(
        `model '${arch}': layer name '${name}' has a '.', which kd uses in variable paths; rename it`,
      );
    if (taken.has(name))
      throw new UserError(
        `model '${arch}': two layers are called '${name}' (one named so, one unnamed); give the ${layer.getClassName()} layers names`,
      );
    taken.set(name, layer);
    names.set(layer, name);
  }
  return names;
}

/** The name of a weight inside its layer (`kernel`, `bias`, `gamma`, `moving_mean`). */
function weightName(w: tf.LayerVariable): string {
  return w.originalName.split('/').at(-1)!;
}

/**
 * One layer of a LayersModel as a Module: the layer's own weights (its trainable weights as
 * parameters, the others, e.g. batch-norm moving statistics, as buffers), named as in the layer; a
 * nested model's layers are its children, named as in `stableLayerNames`. A frozen part runs in
 * inference mode (its batch norms on their moving statistics, not updated) even when the model
 * trains, as kd's own batch norm does.
 */
class LayerPart extends Module {
  constructor(layer: Layer, arch: string) {
    super();
    if (layer instanceof tf.LayersModel) {
      const names = stableLayerNames(layer, arch);
      for (const [inner, name] of names) {
        if (inner.weights.length > 0) this.addChild(name, new LayerPart(inner, arch));
      }
    } else {
      const trainable = new Set(layer.trainableWeights);
      const used = new Set<string>();
      for (const w of layer.weights) {
        let name = weightName(w);
        for (let k = 2; used.has(name); k++) name = `${weightName(w)}_${k}`;
        used.add(name);
        const variable = (w as unknown as { read(): tf.Tensor }).read();
        if (!(variable instanceof tf.Variable))
          throw new Error(`weight ${w.name} of layer ${layer.name} is no variable`);
        const constraint = w.constraint;
        this.adoptVariable(
          name,
          variable,
          trainable.has(w) ? 'param' : 'buffer',
          constraint ? { constraint: (v) => constraint.apply(v) } : {},
        );
      }
    }
    const call = layer.call.bind(layer);
    layer.call = (inputs: CallArgs[0], kwargs: CallArgs[1]) =>
      call(inputs, this.isFrozen ? { ...kwargs, training: false } : kwargs);
  }
}

/** The kind of a tap from its shape without the batch dimension. */
function kindOfShape(shape: readonly number[]): TapKind {
  return shape.length === 3 ? 'feature' : shape.length === 2 ? 'hidden' : shape.length === 1 ? 'embedding' : 'other';
}

/**
 * A TensorFlow.js LayersModel (built with `tf.sequential` / `tf.model`, or loaded) as a kd model:
 * named layers become taps, their shapes declared from the layers' output shapes; `forward` runs the
 * model once for every requested tap (one multi-output model over the same layers), passing
 * `training` through to dropout and batch norm.
 *
 * The model's own weights are this module's variables, not copies: the optimizer updates them in
 * place, so the LayersModel itself trains. Each layer with weights is a child module named as the
 * layer (tfjs's made-up names become `dense_1`, `conv2d_2`, … in model order), its variables named
 * as in the layer: `conv1.kernel`, `bn1.moving_mean`. Trainable weights are parameters, the others
 * (batch-norm moving statistics, layers set `trainable = false`) buffers. Freezing a child
 * (`student.freeze: [conv1]`) or the whole model takes its parameters out of training and runs its
 * layers in inference mode. The module owns the weights from now on: `dispose` frees them, and a
 * second LayersTappedModel over the same layers is refused.
 *
 * Dropout layers draw from tfjs's own random numbers (unseeded), so a run with dropout is not
 * bit-exact between runs.
 */
export class LayersTappedModel extends TappedModel {
  readonly arch: string;
  /** The wrapped model (its weights are this module's variables). */
  readonly model: tf.LayersModel;
  private readonly specs: TapSpecs;
  /** Each tap's layer output, `logits` first. */
  private readonly outputs: ReadonlyMap<string, tf.SymbolicTensor>;
  private readonly runners = new Map<string, tf.LayersModel>();

  constructor(model: tf.LayersModel, options: LayersTappedModelOptions) {
    super();
    const arch = options.arch;
    this.arch = arch;
    this.model = model;
    if (!model.inputs || model.inputs.length !== 1)
      throw new UserError(
        `model '${arch}': kd feeds a model one input (the batch's x); this one has ${model.inputs?.length ?? 'no'} (give its first layer an inputShape)`,
      );
    const names = stableLayerNames(model, arch);
    for (const layer of names.keys()) {
      if (adopted.has(layer))
        throw new UserError(
          `model '${arch}': layer '${layer.name}' is already part of another kd model; build a new LayersModel for each model`,
        );
    }
    const byName = new Map<string, Layer>();
    for (const [layer, name] of names) {
      byName.set(name, layer);
      if (!byName.has(layer.name)) byName.set(layer.name, layer);
    }
    const known = () => [...names.values()].join(', ');
    const layerOf = (name: string, what: string): Layer => {
      const layer = byName.get(name);
      if (!layer)
        throw new UserError(
          `model '${arch}': ${what} names layer '${name}', which the model does not have (layers: ${known()})`,
        );
      return layer;
    };
    const outputOf = (layer: Layer, what: string): tf.SymbolicTensor => {
      let out: tf.SymbolicTensor | tf.SymbolicTensor[];
      try {
        out = layer.output;
      } catch {
        throw new UserError(
          `model '${arch}': ${what} is layer '${names.get(layer)}', which is used more than once in the model`,
        );
      }
      if (Array.isArray(out))
        throw new UserError(`model '${arch}': ${what} is layer '${names.get(layer)}', which has several outputs`);
      return out;
    };
    const shapeOf = (t: tf.SymbolicTensor) => t.shape.slice(1).map((d) => d ?? -1);

    // logits: a named layer, or the model's one output
    let logits: tf.SymbolicTensor;
    let logitsLayer: Layer;
    if (options.logits !== undefined) {
      logitsLayer = layerOf(options.logits, 'logits');
      logits = outputOf(logitsLayer, 'logits');
    } else {
      if (model.outputs.length !== 1)
        throw new UserError(`model '${arch}' has ${model.outputs.length} outputs; say which layer gives the logits`);
      logits = model.outputs[0]!;
      logitsLayer = logits.sourceLayer as Layer;
    }
    let activation: unknown;
    try {
      activation = (logitsLayer.getConfig() as { activation?: unknown }).activation;
    } catch {
      activation = undefined; // a custom layer without a config
    }
    if (logitsLayer.getClassName() === 'Softmax' || activation === 'softmax')
      throw new UserError(
        `model '${arch}': the logits layer '${names.get(logitsLayer) ?? logitsLayer.name}' ends in a softmax; kd needs the scores before it (drop the activation)`,
      );

    // taps: listed, or every layer but the inputs and the logits layer
    const given: [string, LayerTap][] =
      options.taps === undefined
        ? [...names].filter(([layer]) => layer !== logitsLayer).map(([, name]) => [name, { layer: name }])
        : Array.isArray(options.taps)
          ? (options.taps as readonly string[]).map((name) => [name, { layer: name }])
          : Object.entries(options.taps as Record<string, string | LayerTap>).map(([tap, t]) => [
              tap,
              typeof t === 'string' ? { layer: t } : t,
            ]);
    const specs: Record<string, TapSpec> = {
      logits: {
        shape: shapeOf(logits),
        kind: 'logits',
        description: `output of layer ${names.get(logitsLayer) ?? logitsLayer.name}`,
      },
    };
    const outputs = new Map<string, tf.SymbolicTensor>([['logits', logits]]);
    for (const [tap, t] of given) {
      if (tap === 'logits') throw new UserError(`model '${arch}': name the logits layer with 'logits', not as a tap`);
      const layer = layerOf(t.layer, `tap '${tap}'`);
      const out = outputOf(layer, `tap '${tap}'`);
      const shape = shapeOf(out);
      specs[tap] = {
        shape,
        kind: t.kind ?? kindOfShape(shape),
        description: t.description ?? `output of layer ${names.get(layer)} (${layer.getClassName()})`,
      };
      outputs.set(tap, out);
    }
    this.specs = specs;
    this.outputs = outputs;

    for (const [layer, name] of names) {
      adopted.add(layer);
      if (layer.weights.length > 0) this.addChild(name, new LayerPart(layer, arch));
    }
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  /** Runs the model once, computing `logits` and the wanted taps; `training` reaches dropout and batch norm. */
  forward(batch: Batch, options: ForwardOptions): TapValues {
    const wanted = [...this.outputs.keys()].filter((t) => t === 'logits' || !options.taps || options.taps.has(t));
    const runner = this.runnerFor(wanted);
    const training = options.training && !this.isFrozen;
    return tf.tidy(() => {
      const out = runner.apply(batch.x, { training }) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(out) ? out : [out];
      const unique = [...new Set(wanted.map((t) => this.outputs.get(t)!))];
      return Object.fromEntries(wanted.map((t) => [t, list[unique.indexOf(this.outputs.get(t)!)]!]));
    });
  }

  /** A model over the same layers whose outputs are the wanted taps (each distinct layer output once). */
  private runnerFor(taps: readonly string[]): tf.LayersModel {
    const key = taps.join('\n');
    let runner = this.runners.get(key);
    if (!runner) {
      const outputs = [...new Set(taps.map((t) => this.outputs.get(t)!))];
      runner = tf.model({ inputs: this.model.inputs, outputs });
      this.runners.set(key, runner);
    }
    return runner;
  }

  /** Frees the model's weights (the runners share them and hold nothing else). */
  override dispose(): void {
    this.runners.clear();
    super.dispose();
  }
}
