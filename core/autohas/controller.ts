// The AutoHAS controller: one independent softmax per decision (factorized), over the network
// and accelerator decisions and the hyper-parameter bases. Trained by REINFORCE with a
// moving-average baseline and Adam on the logits, as the search engine's REINFORCE;
// hyper-parameters in `mix` mode take a gradient on their mixed value.
import type { Rng } from '../rng.js';
import {
  type AdamState,
  adamAscent,
  addEntropyGrad,
  probabilities,
  softmax,
  zeros,
} from '../search/policy.js';
import type { SearchSpace } from '../space/encoding.js';
import type { Candidate, Decision } from '../space/types.js';
import { type HpBases, type HpMode, mixBasis, mixGradient } from './hp-bases.js';

/** Hyper-parameters given as bases (sampled, or mixed in `mix` mode). */
export const HP_BASIS_NAMES = ['learningRate', 'weightDecay'] as const;
export type HpBasisName = (typeof HP_BASIS_NAMES)[number];
/**
 * Hyper-parameters the controller samples in every mode (the supernet's loss uses them); the
 * others (optimizer, batch size, epochs, the rest of the recipe) stay at choice 0.
 */
export const HP_SAMPLED_NAMES = ['labelSmoothing'] as const;

export interface ControllerOptions {
  /** Adam step size of the REINFORCE ascent. */
  learningRate: number;
  baselineDecay: number;
  entropyWeight: number;
  hpMode: HpMode;
}

export interface ControllerState {
  logits: number[][];
  adam: AdamState;
  baseline: number | null;
  /** Moving average of the hp decisions' reward gain (see `reinforce`). */
  hpBaseline: number | null;
  updates: number;
  /** Running mean square of the validation-loss drop per learning-rate basis (`scaledGain`). */
  gainSquares?: (number | null)[];
}

/** One draw: tokens for the whole space (uncontrolled decisions 0) and the hp values used. */
export interface Draw {
  tokens: number[];
  candidate: Candidate;
  hp: Record<HpBasisName, number> & { labelSmoothing: number };
}

export class AutohasController {
  /** Indices into space.decisions that the controller decides. */
  readonly controlled: readonly number[];
  logits: number[][];
  adam: AdamState;
  baseline: number | undefined;
  hpBaseline: number | undefined;
  updates = 0;
  gainSquares: (number | null)[];

  constructor(
    readonly space: SearchSpace,
    readonly options: ControllerOptions,
  ) {
    this.controlled = space.decisions.flatMap((d, i) =>
      d.group !== 'hyperparameters' || isHp(d) ? [i] : [],
    );
    const sizes = this.controlled.map((i) => space.decisions[i]!.choices.length);
    this.logits = zeros(sizes);
    this.adam = { m: zeros(sizes), v: zeros(sizes), t: 0 };
    const lr = space.decisions[space.indexOf('hyperparameters.learningRate')];
    this.gainSquares = Array.from({ length: lr?.choices.length ?? 1 }, () => null);
  }

  private decision(j: number): Decision {
    return this.space.decisions[this.controlled[j]!]!;
  }

  private isMixed(j: number): boolean {
    return this.options.hpMode === 'mix' && isBasis(this.decision(j));
  }

  /** The bases of one hp decision (its choices, which the space built from the spec's range). */
  bases(name: HpBasisName): HpBases {
    const d = this.space.decisions[this.space.indexOf(`hyperparameters.${name}`)]!;
    return { name, values: d.choices as number[] };
  }

  private logitsOf(name: HpBasisName): number[] {
    return this.logits[this.controlled.indexOf(this.space.indexOf(`hyperparameters.${name}`))]!;
  }

  /** Samples every controlled decision (mixed hp decisions are not sampled: token 0, mix value). */
  sample(rng: Rng): Draw {
    const tokens = this.space.decisions.map(() => 0);
    this.controlled.forEach((i, j) => {
      if (!this.isMixed(j)) tokens[i] = rng.categorical(softmax(this.logits[j]!));
    });
    return this.draw(tokens);
  }

  /** The candidate of given tokens, with the hp values this mode uses. */
  draw(tokens: readonly number[]): Draw {
    const candidate = this.space.decode(tokens);
    const hp = { labelSmoothing: candidate.hyperparameters.labelSmoothing ?? 0 } as Draw['hp'];
    for (const name of HP_BASIS_NAMES)
      hp[name] =
        this.options.hpMode === 'mix'
          ? mixBasis(this.bases(name), this.logitsOf(name))
          : candidate.hyperparameters[name];
    candidate.hyperparameters = { ...candidate.hyperparameters, ...hp };
    return { tokens: [...tokens], candidate, hp };
  }

  /**
   * One Adam ascent step on (R − b) · log p(tokens) + β · H, then b ← decay · b + (1 − decay) · R.
   * The first reward sets the baseline (advantage 0). With `hpGain` (the reward gained by the
   * trial step: R minus the reward of the same arch and accelerator before it) the hp decisions
   * use gain − b_hp instead: the pre-step reward does not depend on the hp drawn, so it is a valid
   * baseline for them, and pairing on one validation batch removes the arch's and the batch's
   * noise from their signal. `hpGain` null (no trial step ran: an infeasible arch) leaves the hp
   * decisions alone. Returns the advantage of the network and accelerator decisions.
   */
  reinforce(tokens: readonly number[], reward: number, hpGain?: number | null): number {
    const { adv, hpAdv } = this.advantages(reward, hpGain);
    const probs = probabilities(this.logits);
    const grad = zeros(this.logits.map((l) => l.length));
    addEntropyGrad(grad, probs, this.options.entropyWeight);
    this.controlled.forEach((i, j) => {
      const g = grad[j]!;
      if (this.isMixed(j)) {
        g.fill(0);
        return;
      }
      const scale = isHp(this.decision(j)) ? hpAdv : adv;
      const p = probs[j]!;
      for (let k = 0; k < p.length; k++) g[k]! += scale * ((k === tokens[i] ? 1 : 0) - p[k]!);
    });
    adamAscent(this.logits, this.adam, grad, this.options.learningRate);
    this.updates++;
    return adv;
  }

  /** Warm-up: the rewards move the baselines only (the logits stay); returns the advantage. */
  observe(reward: number, hpGain?: number | null): number {
    return this.advantages(reward, hpGain).adv;
  }

  /** The advantages of a draw against the baselines, which then move towards its rewards. */
  private advantages(reward: number, hpGain: number | null | undefined): { adv: number; hpAdv: number } {
    const decay = this.options.baselineDecay;
    const b = this.baseline ?? reward;
    this.baseline = decay * b + (1 - decay) * reward;
    const adv = reward - b;
    if (hpGain == null) return { adv, hpAdv: hpGain === null ? 0 : adv };
    const bh = this.hpBaseline ?? hpGain;
    this.hpBaseline = decay * bh + (1 - decay) * hpGain;
    return { adv, hpAdv: hpGain - bh };
  }

  /**
   * A validation-loss drop of learning-rate basis `basis`, divided by the running RMS of that
   * basis's drops (decay = baselineDecay; the first drop of a basis sets it). Bases are then
   * compared by signal-to-noise: a large rate's drops are large but erratic.
   */
  scaledGain(basis: number, drop: number): number {
    if (basis < 0 || basis >= this.gainSquares.length || !Number.isFinite(drop))
      throw new Error(`scaledGain: basis ${basis} of ${this.gainSquares.length}, drop ${drop}`);
    const decay = this.options.baselineDecay;
    const old = this.gainSquares[basis] ?? drop * drop;
    const sq = decay * old + (1 - decay) * drop * drop;
    this.gainSquares[basis] = sq;
    return sq > 0 ? drop / Math.sqrt(sq) : 0;
  }

  /** `mix` mode: gradient descent on a loss through the mixed value (dLoss/dValue given). */
  descendMixed(name: HpBasisName, dLossDValue: number, step: number): void {
    const th = this.logitsOf(name);
    const g = mixGradient(this.bases(name), th);
    for (let k = 0; k < th.length; k++) th[k] = th[k]! - step * dLossDValue * g[k]!;
  }

  /**
   * The k most probable distinct candidates, best first: exact top-k of the product of
   * independent softmaxes (beam over decisions in space order, which puts a stage's block before
   * its expansion; ties broken by lower tokens). Mixed hp decisions stay at 0 with their mix value.
   */
  topK(k: number): { draw: Draw; probability: number; uniformProbability: number }[] {
    if (!Number.isInteger(k) || k < 1) throw new Error(`topK: k must be a whole number >= 1, got ${k}`);
    // ulogp: the same choice's log-probability under a uniform controller (has it learned?).
    let beam: { tokens: number[]; logp: number; ulogp: number }[] = [
      { tokens: this.space.decisions.map(() => 0), logp: 0, ulogp: 0 },
    ];
    this.controlled.forEach((i, j) => {
      if (this.isMixed(j)) return;
      // An inactive decision (expansion of a plain-conv stage) is marginalized: token 0, p = 1.
      const stage = /^network\.stage(\d+)\.expansion$/.exec(this.space.decisions[i]!.name)?.[1];
      const blockAt = stage === undefined ? -1 : this.space.indexOf(`network.stage${stage}.block`);
      const blockChoices = blockAt < 0 ? [] : this.space.decisions[blockAt]!.choices;
      const lp = softmax(this.logits[j]!).map(Math.log);
      const next: { tokens: number[]; logp: number; ulogp: number }[] = [];
      for (const b of beam) {
        if (blockAt >= 0 && blockChoices[b.tokens[blockAt]!] === 'conv') {
          next.push(b);
          continue;
        }
        lp.forEach((l, t) => {
          const tokens = [...b.tokens];
          tokens[i] = t;
          next.push({ tokens, logp: b.logp + l, ulogp: b.ulogp - Math.log(lp.length) });
        });
      }
      next.sort((a, b) => b.logp - a.logp || compareTokens(a.tokens, b.tokens));
      beam = next.slice(0, k);
    });
    return beam.map((b) => ({
      draw: this.draw(b.tokens),
      probability: Math.exp(b.logp),
      uniformProbability: Math.exp(b.ulogp),
    }));
  }

  state(): ControllerState {
    return {
      logits: this.logits.map((l) => [...l]),
      adam: { m: this.adam.m.map((l) => [...l]), v: this.adam.v.map((l) => [...l]), t: this.adam.t },
      baseline: this.baseline ?? null,
      hpBaseline: this.hpBaseline ?? null,
      updates: this.updates,
      gainSquares: [...this.gainSquares],
    };
  }

  setState(s: ControllerState): void {
    const fits = (m: unknown) =>
      Array.isArray(m) &&
      m.length === this.logits.length &&
      m.every(
        (l, j) =>
          Array.isArray(l) &&
          l.length === this.logits[j]!.length &&
          l.every((x) => typeof x === 'number' && Number.isFinite(x)),
      );
    const ok =
      fits(s.logits) && fits(s.adam?.m) && fits(s.adam?.v) && Number.isInteger(s.adam.t) && s.adam.t >= 0;
    if (!ok)
      throw new Error(
        'controller state does not match this controller (logits or Adam moments missing or mis-shaped)',
      );
    this.logits = s.logits.map((l) => [...l]);
    this.adam = { m: s.adam.m.map((l) => [...l]), v: s.adam.v.map((l) => [...l]), t: s.adam.t };
    this.baseline = s.baseline ?? undefined;
    this.hpBaseline = s.hpBaseline ?? undefined;
    this.updates = s.updates;
    const sq = s.gainSquares;
    this.gainSquares =
      Array.isArray(sq) && sq.length === this.gainSquares.length ? [...sq] : this.gainSquares.map(() => null);
  }
}

function isBasis(d: Decision): boolean {
  return (
    d.group === 'hyperparameters' &&
    (HP_BASIS_NAMES as readonly string[]).includes(d.name.slice('hyperparameters.'.length))
  );
}

/** A hyper-parameter decision the controller learns (a basis or a sampled recipe setting). */
function isHp(d: Decision): boolean {
  const name = d.name.slice('hyperparameters.'.length);
  return (
    isBasis(d) || (d.group === 'hyperparameters' && (HP_SAMPLED_NAMES as readonly string[]).includes(name))
  );
}

function compareTokens(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
