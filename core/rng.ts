// Seeded, splittable PRNG (sfc32 core, seeds derived with SHA-256 so splits are independent).
// State is four uint32 words: plain JSON, so controllers and checkpoints can carry it.
import { createHash } from 'node:crypto';

export type RngState = readonly [number, number, number, number];

function seedWords(material: string): RngState {
  const d = createHash('sha256').update(material).digest();
  return [d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8), d.readUInt32LE(12)];
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(s: RngState) {
    // Normalized to int32 so that equal states print equally (split() seeds from the text).
    [this.a, this.b, this.c, this.d] = s.map((x) => x | 0) as unknown as RngState;
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** A generator from a seed; the same seed always gives the same stream. */
  static fromSeed(seed: number | string): Rng {
    const r = new Rng(seedWords(`cosearch-rng:${seed}`));
    for (let i = 0; i < 12; i++) r.nextUint32(); // sfc32 wants a short warm-up
    return r;
  }

  /** Resume a stream from `state()`; words may be given signed or unsigned. */
  static fromState(state: RngState): Rng {
    const ok =
      Array.isArray(state) &&
      state.length === 4 &&
      state.every((x) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 32);
    if (!ok)
      throw new RangeError(`Rng.fromState: expected four 32-bit integers, got ${JSON.stringify(state)}`);
    return new Rng(state);
  }

  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). Rejection sampling keeps it unbiased. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`Rng.int: bad bound ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal (Box-Muller, one value per call so the stream stays simple). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Index drawn from unnormalized non-negative weights. */
  categorical(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0 && w < Number.POSITIVE_INFINITY))
        throw new RangeError(`Rng.categorical: weights must be finite and >= 0, got ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('Rng.categorical: weights must sum to > 0');
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }

  /** An independent child stream named by label; does not advance this stream. */
  split(label: string | number): Rng {
    return Rng.fromSeed(`${this.a},${this.b},${this.c},${this.d}/${label}`);
  }
}
