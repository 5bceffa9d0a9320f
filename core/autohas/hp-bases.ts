// Continuous hyper-parameters as k categorical bases (AutoHAS): a controller holds one logit per
// basis and either samples a basis or uses the softmax-weighted mix of all of them.
import type { Rng } from '../rng.js';
import { softmax } from '../search/policy.js';
import type { BasisRange } from '../spec/schema.js';

export type HpMode = 'sample' | 'mix';

/** Bad hyper-parameter input: the message names the field. */
export class HpBasisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HpBasisError';
  }
}

export interface HpBases {
  name: string;
  values: number[];
}

/**
 * The basis values of one hyper-parameter, from a list or a `{min, max, bases, scale?}` range
 * (log-spaced unless scale is linear). Checked here too: callers need not have run the schema.
 */
export function hpBases(
  name: string,
  v: readonly number[] | (Omit<BasisRange, 'scale'> & { scale?: BasisRange['scale'] }),
): HpBases {
  const bad = (msg: string): never => {
    throw new HpBasisError(`hyperparameters.${name}: ${msg}`);
  };
  let values: number[];
  if (Array.isArray(v)) {
    values = [...(v as readonly number[])];
    if (values.length < 1) bad('needs at least one value');
  } else {
    const r = v as Omit<BasisRange, 'scale'> & { scale?: BasisRange['scale'] };
    const scale = r.scale ?? 'log';
    if (!Number.isInteger(r.bases) || r.bases < 2) bad(`bases must be a whole number >= 2, got ${r.bases}`);
    if (!(Number.isFinite(r.min) && Number.isFinite(r.max))) bad('min and max must be finite numbers');
    if (!(r.min < r.max)) bad(`min (${r.min}) must be below max (${r.max})`);
    if (scale === 'log' && !(r.min > 0)) bad(`log scale needs min > 0, got ${r.min}`);
    values = [];
    for (let i = 0; i < r.bases; i++) {
      const t = i / (r.bases - 1);
      const x =
        scale === 'log'
          ? Math.exp(Math.log(r.min) + t * (Math.log(r.max) - Math.log(r.min)))
          : r.min + t * (r.max - r.min);
      values.push(Number(x.toPrecision(12)));
    }
  }
  for (const x of values) {
    if (!Number.isFinite(x)) bad(`values must be finite, got ${x}`);
    if (x < 0) bad(`must not be negative, got ${x}`);
    if (name === 'learningRate' && x === 0) bad('learning rate must be > 0');
  }
  return { name, values };
}

/** `sample`: a basis index drawn from softmax(θ) and its value. */
export function sampleBasis(
  b: HpBases,
  logits: readonly number[],
  rng: Rng,
): { index: number; value: number } {
  checkLogits(b, logits);
  const index = rng.categorical(softmax(logits));
  return { index, value: b.values[index]! };
}

/** `mix`: Σ softmax(θ)_i · b_i. */
export function mixBasis(b: HpBases, logits: readonly number[]): number {
  checkLogits(b, logits);
  const p = softmax(logits);
  return p.reduce((s, pi, i) => s + pi * b.values[i]!, 0);
}

/** d mix / d θ_i = p_i (b_i − mix): lets a gradient on the mixed value reach the logits. */
export function mixGradient(b: HpBases, logits: readonly number[]): number[] {
  const p = softmax(logits);
  const mix = mixBasis(b, logits);
  return p.map((pi, i) => pi * (b.values[i]! - mix));
}

function checkLogits(b: HpBases, logits: readonly number[]): void {
  if (logits.length !== b.values.length)
    throw new HpBasisError(`hyperparameters.${b.name}: ${logits.length} logits for ${b.values.length} bases`);
}
