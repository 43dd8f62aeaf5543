import { TappedModel, type TapSpecs, type TapValues } from '@kd/core';

/** A model that only declares taps (for connector sizing); its forward is not used. */
export class SpecModel extends TappedModel {
  readonly arch = 'spec-only';
  constructor(private readonly specs: TapSpecs) {
    super();
  }
  tapSpecs(): TapSpecs {
    return this.specs;
  }
  forward(): TapValues {
    throw new Error('SpecModel has no forward');
  }
}
