/**
 * Single-object grey images that scenes are composed from (MNIST digits, Fashion-MNIST articles, …).
 * Item i is `images[i·h·w … (i+1)·h·w)`, row-major, values in [0, 1] with 0 = background.
 */
export interface ItemSource {
  /** Row-major [N, height, width] (an [N, h, w, 1] array has the same layout). Read-only. */
  readonly images: Float32Array;
  /** [N] class ids in [0, classNames.length). Read-only. */
  readonly labels: Int32Array;
  readonly height: number;
  readonly width: number;
  /** One name per class; used in captions, questions and answers (must be distinct). */
  readonly classNames: readonly string[];
  /** For messages (e.g. 'mnist'). */
  readonly name?: string;
}

/** Number of items in a source. */
export function itemCount(source: ItemSource): number {
  return source.labels.length;
}

/** The pixels of item `i` (a view, not a copy). */
export function itemPixels(source: ItemSource, i: number): Float32Array {
  const size = source.height * source.width;
  return source.images.subarray(i * size, (i + 1) * size);
}

/** Throws an Error naming the first inconsistency of `source` (sizes, label range, class names). */
export function validateItemSource(source: ItemSource): void {
  const name = source.name ?? 'item source';
  const { height, width, images, labels, classNames } = source;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`${name}: item size must be positive integers, got ${height}×${width}`);
  }
  if (images.length !== labels.length * height * width) {
    throw new Error(`${name}: ${images.length} pixel values for ${labels.length} items of ${height}×${width}`);
  }
  if (classNames.length < 1) throw new Error(`${name}: no class names`);
  if (new Set(classNames).size !== classNames.length) throw new Error(`${name}: class names are not distinct`);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l < 0 || l >= classNames.length)
      throw new Error(`${name}: item ${i} has label ${l} outside [0, ${classNames.length})`);
  }
}
