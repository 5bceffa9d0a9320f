// Factorized categorical policy: one independent softmax over the choices of each decision.
// Shared by REINFORCE and PPO; all arithmetic is in a fixed order so states are bit-identical.
import type { Rng } from '../rng.js';

export interface AdamState {
  m: number[][];
  v: number[][];
  t: number;
}

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPS = 1e-8;

export function zeros(cardinalities: readonly number[]): number[][] {
  return cardinalities.map((c) => new Array<number>(c).fill(0));
}

export function softmax(z: readonly number[]): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const x of z) if (x > max) max = x;
  const e = z.map((x) => Math.exp(x - max));
  let s = 0;
  for (const x of e) s += x;
  return e.map((x) => x / s);
}

export function probabilities(logits: readonly (readonly number[])[]): number[][] {
  return logits.map(softmax);
}

/** Samples one token per decision; returns the tokens and their joint log-probability. */
export function samplePolicy(
  logits: readonly (readonly number[])[],
  rng: Rng,
): { tokens: number[]; logProb: number } {
  let logProb = 0;
  const tokens = logits.map((z) => {
    const p = softmax(z);
    const t = rng.categorical(p);
    logProb += Math.log(p[t]!);
    return t;
  });
  return { tokens, logProb };
}

export function logProbOf(probs: readonly (readonly number[])[], tokens: readonly number[]): number {
  let lp = 0;
  for (let d = 0; d < probs.length; d++) lp += Math.log(probs[d]![tokens[d]!]!);
  return lp;
}

/** Adds `scale × ∇ log π(tokens)` (onehot − p per decision) to grad. */
export function addLogProbGrad(
  grad: number[][],
  probs: readonly (readonly number[])[],
  tokens: readonly number[],
  scale: number,
): void {
  for (let d = 0; d < probs.length; d++) {
    const p = probs[d]!;
    const g = grad[d]!;
    for (let j = 0; j < p.length; j++) g[j]! += scale * ((j === tokens[d] ? 1 : 0) - p[j]!);
  }
}

/** Adds `weight × ∇ Σ_d H(π_d)`, with dH/dz_j = −p_j (log p_j + H). */
export function addEntropyGrad(
  grad: number[][],
  probs: readonly (readonly number[])[],
  weight: number,
): void {
  if (weight === 0) return;
  for (let d = 0; d < probs.length; d++) {
    const p = probs[d]!;
    let h = 0;
    for (const x of p) if (x > 0) h -= x * Math.log(x);
    const g = grad[d]!;
    for (let j = 0; j < p.length; j++) if (p[j]! > 0) g[j]! += weight * -p[j]! * (Math.log(p[j]!) + h);
  }
}

export function entropy(probs: readonly (readonly number[])[]): number {
  let h = 0;
  for (const p of probs) for (const x of p) if (x > 0) h -= x * Math.log(x);
  return h;
}

/** One Adam step of gradient *ascent* on the logits, in place. */
export function adamAscent(
  logits: number[][],
  adam: AdamState,
  grad: readonly (readonly number[])[],
  lr: number,
): void {
  adam.t += 1;
  const c1 = 1 - ADAM_BETA1 ** adam.t;
  const c2 = 1 - ADAM_BETA2 ** adam.t;
  for (let d = 0; d < logits.length; d++) {
    const z = logits[d]!;
    const m = adam.m[d]!;
    const v = adam.v[d]!;
    const g = grad[d]!;
    for (let j = 0; j < z.length; j++) {
      m[j] = ADAM_BETA1 * m[j]! + (1 - ADAM_BETA1) * g[j]!;
      v[j] = ADAM_BETA2 * v[j]! + (1 - ADAM_BETA2) * g[j]! * g[j]!;
      z[j]! += (lr * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + ADAM_EPS);
    }
  }
}
