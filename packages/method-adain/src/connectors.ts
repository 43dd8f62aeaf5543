import { Module, type ConvConnector } from '@kd/core';

/**
 * The aux module `connectors`: one connector ρ (core's `ConvConnector`, 1x1) per tap pair; children
 * `0`, `1`, … (variable paths `0.conv.weight`, …).
 */
export class ConnectorSet extends Module {
  readonly items: readonly ConvConnector[];

  constructor(items: readonly ConvConnector[]) {
    super();
    this.items = items.map((c, i) => this.addChild(String(i), c));
  }
}
