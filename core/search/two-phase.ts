// Two-phase baseline: search the network (and hyper-parameters) with the accelerator fixed, then
// search the accelerator for the best network found, within the same total sample budget as a
// joint search. Each phase runs an inner strategy (REINFORCE by default) on its own decisions.
import type { Rng } from '../rng.js';
import type { DecisionGroup } from '../space/types.js';
import type { StrategySpec } from '../spec/schema.js';
import { addPending, baseState, checkBatchSize, matchObservations, openState } from './common.js';
import { evolutionStrategy } from './evolution.js';
import { ppoStrategy, reinforceStrategy } from './policy-gradient.js';
import { randomStrategy } from './random.js';
import type { InitOptions, Observation, Proposal, Strategy, StrategyState } from './strategy.js';

const INNER: Record<string, Strategy> = {
  reinforce: reinforceStrategy as Strategy,
  ppo: ppoStrategy as Strategy,
  evolution: evolutionStrategy as Strategy,
  random: randomStrategy,
};

export type TwoPhaseState = StrategyState & {
  phase: 1 | 2;
  /** Samples for phase 1 and phase 2; phase 2 continues past its budget if asked for more. */
  budgets: [number, number];
  proposedInPhase: number;
  /** Decision indices searched in phase 1 (network + hyper-parameters) and phase 2 (accelerator). */
  phaseDecisions: [number[], number[]];
  /** Full token sequence whose unsearched decisions are the fixed values. */
  template: number[];
  /** Best phase-1 result: its network becomes fixed in phase 2. */
  best: { tokens: number[]; reward: number } | null;
  innerName: string;
  innerSpec: StrategySpec;
  inner: StrategyState;
  /** Outer proposal id -> the phase and inner proposal id it came from. */
  links: Record<string, { phase: 1 | 2; innerId: string }>;
};

const PHASE1: ReadonlySet<DecisionGroup> = new Set<DecisionGroup>(['network', 'hyperparameters']);

/** Kept for callers that imported it; the options now live on InitOptions. */
export type TwoPhaseOptions = InitOptions;

function logSize(cards: readonly number[], idx: readonly number[]): number {
  return idx.reduce((s, i) => s + Math.log(cards[i]!), 0);
}

function innerOf(s: TwoPhaseState): Strategy {
  const st = INNER[s.innerName];
  if (!st) throw new Error(`two-phase: unknown inner strategy ${s.innerName}`);
  return st;
}

function startPhase(s: TwoPhaseState, phase: 1 | 2): void {
  const idx = phase === 1 ? s.phaseDecisions[0] : s.phaseDecisions[1];
  s.phase = phase;
  s.proposedInPhase = 0;
  s.inner = innerOf(s).init(
    idx.map((i) => s.cardinalities[i]!),
    s.innerSpec,
    { specHash: `${s.specHash}/phase${phase}` },
  );
}

export const twoPhaseStrategy: Strategy<TwoPhaseState> = {
  name: 'two-phase',
  /**
   * Needs `options.groups`. The budget (`options.totalSamples`, default iterations × batchSize)
   * is split in proportion to the log-size of each phase's sub-space; the accelerator is fixed
   * at the middle choice of each decision during phase 1.
   */
  init(cardinalities: readonly number[], spec: StrategySpec, options?: TwoPhaseOptions): TwoPhaseState {
    const groups = options?.groups;
    if (!groups || groups.length !== cardinalities.length)
      throw new Error('two-phase needs options.groups: one decision group per cardinality');
    const p1 = groups.flatMap((g, i) => (PHASE1.has(g) ? [i] : []));
    const p2 = groups.flatMap((g, i) => (g === 'accelerator' ? [i] : []));
    if (p1.length === 0 || p2.length === 0)
      throw new Error('two-phase needs both network/hyper-parameter decisions and accelerator decisions');
    const total = options?.totalSamples ?? spec.iterations * spec.batchSize;
    if (!Number.isInteger(total) || total < 2)
      throw new Error(`two-phase: totalSamples must be >= 2, got ${total}`);
    const l1 = logSize(cardinalities, p1);
    const l2 = logSize(cardinalities, p2);
    const f = options?.phase1Fraction;
    if (f !== undefined && !(f > 0 && f < 1))
      throw new Error(`two-phase: phase1Fraction must be in (0, 1), got ${f}`);
    const frac = f ?? (l1 + l2 > 0 ? l1 / (l1 + l2) : 0.5);
    const b1 = Math.min(total - 1, Math.max(1, Math.round(total * frac)));
    const s: TwoPhaseState = {
      ...baseState('two-phase', cardinalities, spec, options),
      phase: 1,
      budgets: [b1, total - b1],
      proposedInPhase: 0,
      phaseDecisions: [p1, p2],
      template: cardinalities.map((c) => Math.floor((c - 1) / 2)),
      best: null,
      innerName: options?.inner ?? 'reinforce',
      innerSpec: { ...spec, name: options?.inner ?? 'reinforce' },
      inner: {
        kind: 'none',
        version: 0,
        specHash: '',
        cardinalities: [],
        round: 0,
        pending: [],
        observed: 0,
      },
      links: {},
    };
    startPhase(s, 1);
    return s;
  },
  propose(state: TwoPhaseState, n: number, rng: Rng): Proposal<TwoPhaseState> {
    checkBatchSize(n);
    const s = openState(state, 'two-phase');
    const full: number[][] = [];
    const links: { phase: 1 | 2; innerId: string }[] = [];
    while (full.length < n) {
      if (s.phase === 1 && s.proposedInPhase >= s.budgets[0]) {
        if (s.best) for (const i of s.phaseDecisions[0]) s.template[i] = s.best.tokens[i]!;
        startPhase(s, 2);
      }
      const left = n - full.length;
      const chunk = s.phase === 1 ? Math.min(left, s.budgets[0] - s.proposedInPhase) : left;
      const idx = s.phase === 1 ? s.phaseDecisions[0] : s.phaseDecisions[1];
      const p = innerOf(s).propose(s.inner, chunk, rng);
      s.inner = p.state;
      p.tokens.forEach((sub, k) => {
        const t = [...s.template];
        idx.forEach((d, j) => {
          t[d] = sub[j]!;
        });
        full.push(t);
        links.push({ phase: s.phase, innerId: p.ids[k]! });
      });
      s.proposedInPhase += chunk;
    }
    const ids = addPending(s, full);
    ids.forEach((id, k) => {
      s.links[id] = links[k]!;
    });
    return { state: s, tokens: full, ids };
  },
  observe(state: TwoPhaseState, observations: readonly Observation[]): TwoPhaseState {
    const s = openState(state, 'two-phase');
    const forInner: Observation[] = [];
    for (const m of matchObservations(s, observations)) {
      const link = s.links[m.entry.id]!;
      delete s.links[m.entry.id];
      if (link.phase === 1 && m.reward !== null && (s.best === null || m.reward > s.best.reward))
        s.best = { tokens: m.entry.tokens, reward: m.reward };
      if (link.phase !== s.phase) continue; // late result of a finished phase
      const idx = s.phase === 1 ? s.phaseDecisions[0] : s.phaseDecisions[1];
      forInner.push({
        tokens: idx.map((d) => m.entry.tokens[d]!),
        reward: m.reward,
        proposalId: link.innerId,
        // An inner evolution with selection "pareto" needs them.
        ...(m.objectives !== undefined ? { objectives: m.objectives } : {}),
      });
    }
    if (forInner.length > 0) s.inner = innerOf(s).observe(s.inner, forInner);
    return s;
  },
};
