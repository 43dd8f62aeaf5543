import { Module } from '@kd/core';

/**
 * An ordered list of child modules named `0`, `1`, … (PyTorch's nn.Sequential / nn.ModuleList naming,
 * so variable paths read like `layer1.0.conv1.weight`).
 */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items.map((m, i) => this.addChild(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }
}
