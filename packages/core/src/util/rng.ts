/**
 * Seeded random numbers (sfc32), with a state that can be saved and restored. Everything random in a
 * run (init, data order, augmentation) derives from the run seed through `deriveSeed`, so a run
 * resumed at epoch e replays exactly what an uninterrupted run would do.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | readonly number[]) {
    const init = typeof seed === 'number' ? [seed, 0x9e3779b9, 0x243f6a88, 0xb7e15162] : seed;
    this.s = Uint32Array.from(init.slice(0, 4));
    if (typeof seed === 'number') for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const s = this.s;
    const t = (((s[0]! + s[1]!) | 0) + s[3]!) | 0;
    s[3] = (s[3]! + 1) | 0;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = (s[2]! + (s[2]! << 3)) | 0;
    s[2] = (s[2]! << 21) | (s[2]! >>> 11);
    s[2] = (s[2]! + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  getState(): number[] {
    return [...this.s];
  }

  static fromState(state: readonly number[]): Rng {
    return new Rng(state);
  }
}

/** A child seed from a parent seed and labels (e.g. deriveSeed(seed, 'data-order', epoch)). */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (const label of labels) {
    const s = String(label);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
