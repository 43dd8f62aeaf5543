import * as tf from '@tensorflow/tfjs';
import {
  Module,
  Rng,
  TappedModel,
  type Batch,
  type BatchKeyRequest,
  type Facet,
  type ForwardOptions,
  type TapSpecs,
  type TapValues,
} from '@kd/core';
import { TapHead, type TapHeadConfig } from './tap-head.js';

/** The sub-module path (and tap prefix) of the encoder: its variables are `encoder.<path>`, its taps `encoder.<tap>`. */
export const ENCODER = 'encoder';

export interface EncoderWithHeadsConfig {
  /** The encoder, built from a registered architecture (e.g. a pre-trained `vl-scene`). */
  readonly encoder: TappedModel;
  /** The heads, each reading one encoder tap (without the `encoder.` prefix). */
  readonly heads: readonly Omit<TapHeadConfig, 'fromSpec'>[];
  /** Dataset facets the heads' output sizes came from (checked at build time). */
  readonly facets?: readonly Facet<unknown>[];
  readonly numClasses: number;
  readonly seed: number;
}

/** The heads by output tap name (variable paths `heads.<tap>.fc1.weight`, …). */
class NamedHeads extends Module {
  readonly items: readonly TapHead[];
  constructor(heads: readonly TapHead[]) {
    super();
    this.items = heads.map((h) => this.addChild(h.config.name, h));
  }
}

/**
 * A student that is "an encoder + trainable heads" (RVL-BERT: a pre-trained VL encoder, frozen, with
 * light heads on its states). The encoder is any registered architecture, held under the sub-module
 * path `encoder`, so `student.init` can load a saved model into it (its variables are
 * `encoder.<the saved model's paths>`) and `student.freeze: ['encoder']` freezes it (its batch norms
 * then use their running statistics). Each head (`heads.<name>`) reads one encoder tap, or pairs of
 * its per-region rows, and writes the tap `<name>` (e.g. `logits`, `relationLogits`).
 *
 * Taps: the encoder's, **prefixed** `encoder.` (`encoder.embedding`, `encoder.regionStates`, …: the
 * encoder's own `logits` must not be mistaken for the heads'), plus the heads' outputs unprefixed.
 * Resumable taps: the encoder's, prefixed; `forwardFrom('encoder.<tap>', …)` resumes the encoder and
 * runs the heads whose input it returns.
 */
export class EncoderWithHeads extends TappedModel {
  readonly arch = 'encoder-with-heads';
  readonly numClasses: number;
  readonly encoder: TappedModel;
  readonly heads: readonly TapHead[];
  private readonly specs: TapSpecs;

  constructor(readonly config: EncoderWithHeadsConfig) {
    super();
    this.numClasses = config.numClasses;
    this.encoder = this.addChild(ENCODER, config.encoder);
    const encoderSpecs = config.encoder.tapSpecs();
    const rng = new Rng(config.seed);
    const heads = config.heads.map((h) => {
      const fromSpec = encoderSpecs[h.from];
      if (!fromSpec)
        throw new Error(
          `head '${h.name}' reads tap '${h.from}', which encoder '${config.encoder.arch}' does not declare`,
        );
      return new TapHead({ ...h, fromSpec }, rng);
    });
    this.heads = this.addChild('heads', new NamedHeads(heads)).items;
    const specs: Record<string, TapSpecs[string]> = {};
    for (const [name, spec] of Object.entries(encoderSpecs))
      specs[`${ENCODER}.${name}`] = { ...spec, description: `encoder: ${spec.description ?? name}` };
    for (const head of this.heads) specs[head.config.name] = head.spec;
    this.specs = specs;
  }

  tapSpecs(): TapSpecs {
    return this.specs;
  }

  /** The encoder's batch keys, plus `pairs` for a head that reads pairs. */
  override requiredBatchKeys(): readonly BatchKeyRequest[] {
    const keys = [...this.encoder.requiredBatchKeys()];
    const pairHeads = this.heads.filter((h) => h.config.input === 'pairs').map((h) => h.config.name);
    if (pairHeads.length && !keys.some((k) => k.key === 'pairs')) {
      keys.push({
        key: 'pairs',
        dtype: 'int32',
        shape: [-1, 2],
        why: `(subject, object) region pairs read by head ${pairHeads.join(', ')}`,
      });
    }
    return keys;
  }

  override requiredFacets(): readonly Facet<unknown>[] {
    return [...(this.encoder.requiredFacets?.() ?? []), ...(this.config.facets ?? [])];
  }

  forward(batch: Batch, options: ForwardOptions): TapValues {
    return tf.tidy(() => {
      const encoderOut = this.encoder.forward(batch, {
        training: options.training,
        taps: this.encoderTaps(options.taps),
      });
      return this.withHeads(encoderOut, batch, options.taps);
    }) as TapValues;
  }

  override resumableTaps(): readonly string[] {
    return (this.encoder.resumableTaps?.() ?? []).map((t) => `${ENCODER}.${t}`);
  }

  /** Resumes the encoder at `encoder.<tap>` (with the batch) and runs the heads whose input it returns. */
  override forwardFrom(tap: string, value: tf.Tensor, batch: Batch, options: ForwardOptions): TapValues {
    if (!this.resumableTaps().includes(tap) || !this.encoder.forwardFrom) {
      throw new Error(
        `model '${this.arch}' cannot resume at tap '${tap}'; resumable: ${this.resumableTaps().join(', ') || 'none'}`,
      );
    }
    return tf.tidy(() => {
      const inner = tap.slice(ENCODER.length + 1);
      const encoderOut = this.encoder.forwardFrom!(inner, value, batch, {
        training: options.training,
        taps: this.encoderTaps(options.taps),
      });
      return this.withHeads(encoderOut, batch, options.taps);
    }) as TapValues;
  }

  /** Encoder taps to compute: the ones asked for (prefixed) and the inputs of the heads asked for; undefined = all. */
  private encoderTaps(wanted: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
    if (!wanted) return undefined;
    const out = new Set<string>();
    for (const t of wanted) if (t.startsWith(`${ENCODER}.`)) out.add(t.slice(ENCODER.length + 1));
    for (const h of this.heads) if (wants(wanted, h.config.name)) out.add(h.config.from);
    return out;
  }

  /** The encoder taps asked for (prefixed) and the outputs of the heads asked for whose input is there. */
  private withHeads(encoderOut: TapValues, batch: Batch, wanted: ReadonlySet<string> | undefined): TapValues {
    const out: TapValues = {};
    for (const [name, value] of Object.entries(encoderOut)) {
      const tap = `${ENCODER}.${name}`;
      if (!wanted || wanted.has(tap)) out[tap] = value;
    }
    for (const head of this.heads) {
      const input = encoderOut[head.config.from];
      if (input && wants(wanted, head.config.name)) out[head.config.name] = head.apply(input, batch['pairs']);
    }
    return out;
  }
}

/** `logits` is always wanted (as everywhere); undefined wants everything. */
function wants(wanted: ReadonlySet<string> | undefined, tap: string): boolean {
  return tap === 'logits' || !wanted || wanted.has(tap);
}
