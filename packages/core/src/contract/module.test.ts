import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BatchNorm } from '../nn/batch-norm.js';
import { Linear } from '../nn/linear.js';
import { Rng } from '../util/rng.js';
import { Module } from './module.js';

/** encoder (fc + bn) and head (fc), as a student whose encoder may be frozen. */
class Net extends Module {
  readonly encoder: Encoder;
  readonly head: Linear;
  constructor() {
    super();
    const rng = new Rng(1);
    this.encoder = this.addChild('encoder', new Encoder(rng));
    this.head = this.addChild('head', new Linear(3, 2, rng));
  }
}

class Encoder extends Module {
  readonly fc: Linear;
  readonly bn: BatchNorm;
  constructor(rng: Rng) {
    super();
    this.fc = this.addChild('fc', new Linear(4, 3, rng));
    this.bn = this.addChild('bn', new BatchNorm(3));
  }
}

describe('Module: sub-modules by path and the frozen flag', () => {
  it('finds sub-modules by dotted path; a variable path or an unknown name is none', () => {
    const net = new Net();
    expect(net.subModule('')).toBe(net);
    expect(net.subModule('encoder')).toBe(net.encoder);
    expect(net.subModule('encoder.bn')).toBe(net.encoder.bn);
    expect(net.subModule('encoder.bn.gamma')).toBeUndefined();
    expect(net.subModule('decoder.fc')).toBeUndefined();
    expect(net.childNames()).toEqual(['encoder', 'head']);
    net.dispose();
  });

  it('a frozen sub-tree has no trainable parameters; the rest of the model keeps its own', () => {
    const net = new Net();
    net.subModule('encoder')!.setFrozen(true);
    expect([...net.namedParameters().keys()]).toEqual(['head.weight', 'head.bias']);
    expect(net.isFrozen).toBe(false);
    expect(net.encoder.bn.isFrozen).toBe(true);
    expect(net.namedVariables().size).toBe(8); // checkpoints still hold every variable
    net.dispose();
  });

  it('a frozen batch norm runs on its running statistics even in training mode and does not update them', () => {
    const bn = new BatchNorm(3);
    const x = tf.tensor2d([
      [1, 2, 3],
      [3, 6, 9],
    ]);
    bn.setFrozen(true);
    const frozen = bn.apply(x, true);
    expect(Array.from(bn.runningMean.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(bn.runningVar.dataSync())).toEqual([1, 1, 1]);
    const inference = bn.apply(x, false);
    expect(Array.from(frozen.dataSync())).toEqual(Array.from(inference.dataSync()));
    bn.setFrozen(false);
    bn.apply(x, true).dispose();
    expect(Array.from(bn.runningMean.dataSync())).not.toEqual([0, 0, 0]);
    tf.dispose([x, frozen, inference]);
    bn.dispose();
  });
});

describe('Module.adoptVariable: variables made elsewhere, not copied', () => {
  class Adopter extends Module {
    constructor(w: tf.Variable, stat: tf.Variable) {
      super();
      this.adoptVariable('w', w, 'param');
      this.adoptVariable('stat', stat, 'buffer');
    }
    adopt(name: string, v: tf.Variable, role: 'param' | 'buffer') {
      return this.adoptVariable(name, v, role);
    }
  }

  it('holds the very variables: parameters and buffers by name, assignments seen by both, freed by dispose', () => {
    const w = tf.variable(tf.ones([2]), true);
    const stat = tf.variable(tf.zeros([2]), false);
    const m = new Adopter(w, stat);
    expect(m.namedParameters().get('w')).toBe(w);
    expect([...m.namedParameters().keys()]).toEqual(['w']);
    expect(m.namedVariables().get('stat')).toBe(stat);
    m.namedParameters()
      .get('w')!
      .assign(tf.tensor1d([3, 4]));
    expect(Array.from(w.dataSync())).toEqual([3, 4]);
    expect(m.paramCount()).toBe(2);
    m.dispose();
    expect(w.isDisposed).toBe(true);
    expect(stat.isDisposed).toBe(true);
  });

  it('refuses a non-trainable variable as a parameter, and a name twice', () => {
    const m = new Adopter(tf.variable(tf.ones([1]), true), tf.variable(tf.zeros([1]), false));
    const fixed = tf.variable(tf.zeros([1]), false);
    expect(() => m.adopt('fixed', fixed, 'param')).toThrow(/not trainable/);
    expect(() => m.adopt('w', fixed, 'buffer')).toThrow('duplicate variable w');
    fixed.dispose();
    m.dispose();
  });
});
