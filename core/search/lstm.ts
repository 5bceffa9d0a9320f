// The autoregressive controller of the NAS / MnasNet papers: a one-layer LSTM emits the
// decisions one at a time, each step fed the embedding of the previous decision's token.
// Parameters live in one flat array (plain JSON); the layout follows from the cardinalities.
import type { Rng } from '../rng.js';
import { softmax } from './policy.js';

export interface LstmLayout {
  cardinalities: number[];
  hidden: number;
  embed: number;
  /** Offsets into the flat parameter array. */
  start: number; // [E] input of step 0
  wx: number; // [4H × E]
  wh: number; // [4H × H]
  b: number; // [4H]
  emb: number[]; // per decision d < D−1: [card_d × E], the input of step d+1
  head: number[]; // per decision: [card_d × H]
  headB: number[]; // per decision: [card_d]
  size: number;
}

export function lstmLayout(cardinalities: readonly number[], hidden: number, embed: number): LstmLayout {
  let o = 0;
  const take = (n: number) => {
    const at = o;
    o += n;
    return at;
  };
  const start = take(embed);
  const wx = take(4 * hidden * embed);
  const wh = take(4 * hidden * hidden);
  const b = take(4 * hidden);
  const emb = cardinalities.slice(0, -1).map((c) => take(c * embed));
  const head = cardinalities.map((c) => take(c * hidden));
  const headB = cardinalities.map((c) => take(c));
  return { cardinalities: [...cardinalities], hidden, embed, start, wx, wh, b, emb, head, headB, size: o };
}

/** Uniform(−0.1, 0.1) weights, zero biases except the forget gate (1), zero output biases. */
export function initLstm(L: LstmLayout, rng: Rng): number[] {
  const theta = Array.from({ length: L.size }, () => (rng.next() * 2 - 1) * 0.1);
  const H = L.hidden;
  for (let i = 0; i < 4 * H; i++) theta[L.b + i] = i >= H && i < 2 * H ? 1 : 0;
  L.cardinalities.forEach((c, d) => {
    for (let j = 0; j < c; j++) theta[L.headB[d]! + j] = 0;
  });
  return theta;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

interface StepCache {
  x: number[];
  hPrev: number[];
  cPrev: number[];
  i: number[];
  f: number[];
  g: number[];
  o: number[];
  c: number[];
  tanhC: number[];
  h: number[];
  p: number[];
}

function step(
  L: LstmLayout,
  th: readonly number[],
  x: number[],
  hPrev: number[],
  cPrev: number[],
  d: number,
): StepCache {
  const H = L.hidden;
  const E = L.embed;
  const pre = new Array<number>(4 * H);
  for (let r = 0; r < 4 * H; r++) {
    let s = th[L.b + r]!;
    const rx = L.wx + r * E;
    for (let k = 0; k < E; k++) s += th[rx + k]! * x[k]!;
    const rh = L.wh + r * H;
    for (let k = 0; k < H; k++) s += th[rh + k]! * hPrev[k]!;
    pre[r] = s;
  }
  const i = pre.slice(0, H).map(sigmoid);
  const f = pre.slice(H, 2 * H).map(sigmoid);
  const g = pre.slice(2 * H, 3 * H).map(Math.tanh);
  const o = pre.slice(3 * H).map(sigmoid);
  const c = i.map((_, k) => f[k]! * cPrev[k]! + i[k]! * g[k]!);
  const tanhC = c.map(Math.tanh);
  const h = o.map((v, k) => v * tanhC[k]!);
  const card = L.cardinalities[d]!;
  const z = new Array<number>(card);
  for (let j = 0; j < card; j++) {
    let s = th[L.headB[d]! + j]!;
    const row = L.head[d]! + j * H;
    for (let k = 0; k < H; k++) s += th[row + k]! * h[k]!;
    z[j] = s;
  }
  return { x, hPrev, cPrev, i, f, g, o, c, tanhC, h, p: softmax(z) };
}

function embedding(L: LstmLayout, th: readonly number[], d: number, token: number | undefined): number[] {
  const at = d === 0 ? L.start : L.emb[d - 1]! + token! * L.embed;
  return th.slice(at, at + L.embed);
}

/**
 * Runs the controller over a sequence. With `rng`, each token is sampled (and `tokens` ignored);
 * without, the given tokens are scored (teacher forcing).
 */
export function runLstm(
  L: LstmLayout,
  th: readonly number[],
  tokens: readonly number[] | null,
  rng?: Rng,
): { tokens: number[]; logProb: number; steps: StepCache[] } {
  const H = L.hidden;
  let h = new Array<number>(H).fill(0);
  let c = new Array<number>(H).fill(0);
  const out: number[] = [];
  const steps: StepCache[] = [];
  let logProb = 0;
  for (let d = 0; d < L.cardinalities.length; d++) {
    const s = step(L, th, embedding(L, th, d, out[d - 1]), h, c, d);
    const t = rng ? rng.categorical(s.p) : tokens![d]!;
    logProb += Math.log(s.p[t]!);
    out.push(t);
    steps.push(s);
    h = s.h;
    c = s.c;
  }
  return { tokens: out, logProb, steps };
}

/**
 * Adds to `grad` the gradient of `scale × log π(tokens) + entropyWeight × Σ_d H(π_d | prefix)`
 * (the entropies of the conditionals along this sequence), by backpropagation through time.
 */
export function addLstmGrad(
  L: LstmLayout,
  th: readonly number[],
  tokens: readonly number[],
  scale: number,
  entropyWeight: number,
  grad: number[],
): void {
  const { steps } = runLstm(L, th, tokens);
  const H = L.hidden;
  const E = L.embed;
  let dhNext = new Array<number>(H).fill(0);
  let dcNext = new Array<number>(H).fill(0);
  for (let d = steps.length - 1; d >= 0; d--) {
    const s = steps[d]!;
    const card = L.cardinalities[d]!;
    // dJ/dz for this decision.
    let ent = 0;
    for (const q of s.p) if (q > 0) ent -= q * Math.log(q);
    const dz = s.p.map(
      (q, j) =>
        scale * ((j === tokens[d] ? 1 : 0) - q) + (q > 0 ? entropyWeight * -q * (Math.log(q) + ent) : 0),
    );
    const dh = [...dhNext];
    for (let j = 0; j < card; j++) {
      grad[L.headB[d]! + j]! += dz[j]!;
      const row = L.head[d]! + j * H;
      for (let k = 0; k < H; k++) {
        grad[row + k]! += dz[j]! * s.h[k]!;
        dh[k]! += dz[j]! * th[row + k]!;
      }
    }
    // Through the cell.
    const dpre = new Array<number>(4 * H);
    const dcPrev = new Array<number>(H);
    for (let k = 0; k < H; k++) {
      const dO = dh[k]! * s.tanhC[k]!;
      const dc = dcNext[k]! + dh[k]! * s.o[k]! * (1 - s.tanhC[k]! * s.tanhC[k]!);
      const dI = dc * s.g[k]!;
      const dF = dc * s.cPrev[k]!;
      const dG = dc * s.i[k]!;
      dcPrev[k] = dc * s.f[k]!;
      dpre[k] = dI * s.i[k]! * (1 - s.i[k]!);
      dpre[H + k] = dF * s.f[k]! * (1 - s.f[k]!);
      dpre[2 * H + k] = dG * (1 - s.g[k]! * s.g[k]!);
      dpre[3 * H + k] = dO * s.o[k]! * (1 - s.o[k]!);
    }
    const dx = new Array<number>(E).fill(0);
    const dhPrev = new Array<number>(H).fill(0);
    for (let r = 0; r < 4 * H; r++) {
      const g = dpre[r]!;
      grad[L.b + r]! += g;
      const rx = L.wx + r * E;
      for (let k = 0; k < E; k++) {
        grad[rx + k]! += g * s.x[k]!;
        dx[k]! += g * th[rx + k]!;
      }
      const rh = L.wh + r * H;
      for (let k = 0; k < H; k++) {
        grad[rh + k]! += g * s.hPrev[k]!;
        dhPrev[k]! += g * th[rh + k]!;
      }
    }
    const at = d === 0 ? L.start : L.emb[d - 1]! + tokens[d - 1]! * E;
    for (let k = 0; k < E; k++) grad[at + k]! += dx[k]!;
    dhNext = dhPrev;
    dcNext = dcPrev;
  }
}
