import * as tf from '@tensorflow/tfjs';

/**
 * A tree of named variables. Models, connectors and other auxiliary trainable parts are Modules:
 * their variables are found by path (for checkpoints) and by trainability (for optimizers).
 * `buffers` are non-trainable state such as batch-norm running statistics.
 */
export abstract class Module {
  private readonly params = new Map<string, tf.Variable>();
  private readonly bufs = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();
  private frozen = false;

  protected addParam(name: string, value: tf.Tensor): tf.Variable {
    if (this.params.has(name) || this.bufs.has(name)) throw new Error(`duplicate variable ${name}`);
    const v = tf.variable(value, true);
    value.dispose();
    this.params.set(name, v);
    return v;
  }

  protected addBuffer(name: string, value: tf.Tensor): tf.Variable {
    if (this.params.has(name) || this.bufs.has(name)) throw new Error(`duplicate variable ${name}`);
    const v = tf.variable(value, false);
    value.dispose();
    this.bufs.set(name, v);
    return v;
  }

  protected addChild<M extends Module>(name: string, child: M): M {
    if (this.children.has(name)) throw new Error(`duplicate child ${name}`);
    this.children.set(name, child);
    return child;
  }

  /** All variables (parameters and buffers) by dotted path. */
  namedVariables(prefix = ''): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [k, v] of this.params) out.set(prefix + k, v);
    for (const [k, v] of this.bufs) out.set(prefix + k, v);
    for (const [k, c] of this.children) for (const [p, v] of c.namedVariables(`${prefix}${k}.`)) out.set(p, v);
    return out;
  }

  /** Trainable parameters by dotted path; empty when the module is frozen. */
  namedParameters(prefix = ''): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    if (this.frozen) return out;
    for (const [k, v] of this.params) out.set(prefix + k, v);
    for (const [k, c] of this.children) for (const [p, v] of c.namedParameters(`${prefix}${k}.`)) out.set(p, v);
    return out;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.namedParameters().values()];
  }

  /** Freeze or unfreeze the whole subtree (a frozen module contributes no trainable variables). */
  setFrozen(frozen: boolean): this {
    this.frozen = frozen;
    for (const c of this.children.values()) c.setFrozen(frozen);
    return this;
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Number of trainable-parameter scalars (buffers excluded), whether frozen or not. */
  paramCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    for (const c of this.children.values()) n += c.paramCount();
    return n;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const v of this.bufs.values()) v.dispose();
    for (const c of this.children.values()) c.dispose();
    this.params.clear();
    this.bufs.clear();
    this.children.clear();
  }
}
