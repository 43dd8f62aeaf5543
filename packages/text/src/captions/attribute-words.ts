import type { ImageAttributes } from './image-attributes.js';

/**
 * The measured attributes in words. Each attribute is a level on an ordered scale (so the
 * template captioner can perturb it to a neighbouring level); `null` when it does not apply
 * (orientation of round ink, anything of a blank image).
 */
export interface AttributeWords {
  readonly size: number | null;
  readonly horizontal: number | null;
  readonly vertical: number | null;
  readonly brightness: number | null;
  readonly thickness: number | null;
  readonly orientation: number | null;
  readonly texture: number | null;
}

export type AttributeName = keyof AttributeWords;
export const ATTRIBUTE_NAMES: readonly AttributeName[] = [
  'size',
  'horizontal',
  'vertical',
  'brightness',
  'thickness',
  'orientation',
  'texture',
];

/** The words of each level, in order. */
export const ATTRIBUTE_LEVELS: Readonly<Record<AttributeName, readonly string[]>> = {
  size: ['small', 'medium-sized', 'large'],
  horizontal: ['left', 'centre', 'right'],
  vertical: ['top', 'middle', 'bottom'],
  brightness: ['dim', 'moderately bright', 'bright'],
  thickness: ['thin', 'medium', 'thick'],
  // rising to the left (about -45°), horizontal, rising to the right (+45°), vertical: a cycle
  orientation: ['tilted to the left', 'horizontal', 'tilted to the right', 'vertical'],
  texture: ['smooth', 'slightly textured', 'strongly textured'],
};

/** The level boundaries (documented in the README). */
export const ATTRIBUTE_THRESHOLDS = {
  /** size = larger ink-box side / image side */
  size: [0.45, 0.75],
  /** centre x or y as a fraction of the image */
  position: [0.4, 0.6],
  /** mean ink value */
  brightness: [0.45, 0.75],
  /** stroke thickness / larger image side (1.96 px and 3.92 px at 28 px) */
  thickness: [0.07, 0.14],
  /** mean gradient magnitude over the ink */
  texture: [0.1, 0.2],
  /** below this elongation the ink has no orientation */
  minElongation: 1.4,
} as const;

function level(value: number, bounds: readonly number[]): number {
  let l = 0;
  while (l < bounds.length && value >= bounds[l]!) l++;
  return l;
}

/** Puts measured attributes on their word scales. */
export function attributeWords(a: ImageAttributes): AttributeWords {
  if (a.inkArea === 0)
    return {
      size: null,
      horizontal: null,
      vertical: null,
      brightness: null,
      thickness: null,
      orientation: null,
      texture: null,
    };
  const t = ATTRIBUTE_THRESHOLDS;
  const folded = a.orientation; // (-90, 90]
  const orientation =
    a.elongation < t.minElongation
      ? null
      : Math.abs(folded) < 22.5
        ? 1
        : Math.abs(folded) > 67.5
          ? 3
          : folded > 0
            ? 2
            : 0;
  return {
    size: level(a.size, t.size),
    horizontal: level(a.center.x, t.position),
    vertical: level(a.center.y, t.position),
    brightness: level(a.brightness, t.brightness),
    thickness: level(a.strokeThickness / Math.max(a.width, a.height), t.thickness),
    orientation,
    texture: level(a.texture, t.texture),
  };
}

/** "in the centre", "near the top left", "near the right", … */
export function positionPhrase(horizontal: number, vertical: number): string {
  if (horizontal === 1 && vertical === 1) return 'in the centre';
  const v = vertical === 1 ? '' : ATTRIBUTE_LEVELS.vertical[vertical]!;
  const h = horizontal === 1 ? '' : ATTRIBUTE_LEVELS.horizontal[horizontal]!;
  return `near the ${[v, h].filter(Boolean).join(' ')}`;
}
