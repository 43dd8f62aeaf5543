import * as tf from '@tensorflow/tfjs';

/** A projection applied to a parameter's value after every optimizer step (e.g. a clamp). */
export type ParameterConstraint = (value: tf.Tensor) => tf.Tensor;

const constraints = new WeakMap<tf.Variable, ParameterConstraint>();

/** The constraint a module declared for this parameter, if any (the trainer applies it after each step). */
export function parameterConstraint(variable: tf.Variable): ParameterConstraint | undefined {
  return constraints.get(variable);
}

/** Applies each variable's constraint in place (after an optimizer step). */
export function applyParameterConstraints(variables: Iterable<tf.Variable>): void {
  for (const v of variables) {
    const c = constraints.get(v);
    if (c) v.assign(tf.tidy(() => c(v)));
  }
}

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

  /**
   * A trainable parameter. `constraint` projects its value after every optimizer step, outside the
   * gradient (as PyTorch code clamps a parameter in `torch.no_grad()` after `optimizer.step()`).
   */
  protected addParam(name: string, value: tf.Tensor, options: { constraint?: ParameterConstraint } = {}): tf.Variable {
    if (this.params.has(name) || this.bufs.has(name)) throw new Error(`duplicate variable ${name}`);
    const v = tf.variable(value, true);
    value.dispose();
    this.params.set(name, v);
    if (options.constraint) constraints.set(v, options.constraint);
    return v;
  }

  protected addBuffer(name: string, value: tf.Tensor): tf.Variable {
    if (this.params.has(name) || this.bufs.has(name)) throw new Error(`duplicate variable ${name}`);
    const v = tf.variable(value, false);
    value.dispose();
    this.bufs.set(name, v);
    return v;
  }

  /**
   * Takes an existing variable as a parameter (`param`) or buffer, without copying it: the module's
   * variable *is* that variable, so the optimizer updates it in place, checkpoints read and write it,
   * and `dispose` frees it. For weights made elsewhere, e.g. a tfjs LayersModel's (`@kd/models`'
   * `LayersTappedModel`). A parameter must be a trainable variable (`variable.trainable`), or no
   * gradient would ever reach it; its `constraint` is applied as `addParam`'s.
   */
  protected adoptVariable(
    name: string,
    variable: tf.Variable,
    role: 'param' | 'buffer',
    options: { constraint?: ParameterConstraint } = {},
  ): tf.Variable {
    if (this.params.has(name) || this.bufs.has(name)) throw new Error(`duplicate variable ${name}`);
    if (role === 'param' && !variable.trainable)
      throw new Error(`variable ${name} (${variable.name}) is not trainable, so it cannot be a parameter`);
    (role === 'param' ? this.params : this.bufs).set(name, variable);
    if (role === 'param' && options.constraint) constraints.set(variable, options.constraint);
    return variable;
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

  /**
   * The sub-module at a dotted path of child names (`''` is this module; `layer1.0` is child `0` of
   * child `layer1`), or undefined when there is none — a variable's path names no module.
   */
  subModule(path: string): Module | undefined {
    if (path === '') return this;
    const [first, ...rest] = path.split('.');
    const child = this.children.get(first!);
    return rest.length ? child?.subModule(rest.join('.')) : child;
  }

  /** Names of the direct children (the first segment of their variables' paths). */
  childNames(): string[] {
    return [...this.children.keys()];
  }

  /**
   * Freeze or unfreeze the whole subtree. A frozen module contributes no trainable variables, so it
   * gets no gradient, and its batch norms run in inference mode (running statistics, no update) even
   * when the model around it trains: the one trainability flag of a model and of its parts.
   */
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
