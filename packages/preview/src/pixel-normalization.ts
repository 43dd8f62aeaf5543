/**
 * The per-channel mean/std an image's pixels were normalised with, `(x - mean[c]) / std[c]`; a blit
 * undoes it to show the picture as it was. `@kd/data`'s `Normalization` has this shape, so a dataset's
 * statistics can be passed as they are (this package depends on nothing of kd).
 */
export interface PixelNormalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}
