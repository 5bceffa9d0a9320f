import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { getStrategy, SpecBoundStrategy } from '../../../core/search/index.js';
import { addLstmGrad, initLstm, lstmLayout, runLstm } from '../../../core/search/lstm.js';
import { StrategySpec } from '../../../core/spec/schema.js';

const cards = [3, 2, 4];

function objective(
  th: number[],
  L: ReturnType<typeof lstmLayout>,
  tokens: number[],
  scale: number,
  beta: number,
) {
  const r = runLstm(L, th, tokens);
  let h = 0;
  for (const s of r.steps) for (const q of s.p) h -= q * Math.log(q);
  return scale * r.logProb + beta * h;
}

describe('LSTM controller', () => {
  it('sampled log-prob equals the teacher-forced one', () => {
    const L = lstmLayout(cards, 5, 4);
    const th = initLstm(L, Rng.fromSeed(1));
    const s = runLstm(L, th, null, Rng.fromSeed(2));
    expect(runLstm(L, th, s.tokens).logProb).toBe(s.logProb);
  });

  it('BPTT gradient matches finite differences (log-prob + entropy)', () => {
    const L = lstmLayout(cards, 5, 4);
    const rng = Rng.fromSeed(3);
    const th = initLstm(L, rng).map((x) => x * 5 + 0.1 * rng.normal());
    const tokens = [2, 1, 3];
    const grad = new Array<number>(L.size).fill(0);
    addLstmGrad(L, th, tokens, 0.7, 0.3, grad);
    const eps = 1e-6;
    for (let k = 0; k < L.size; k++) {
      const p = [...th];
      p[k]! += eps;
      const m = [...th];
      m[k]! -= eps;
      const fd = (objective(p, L, tokens, 0.7, 0.3) - objective(m, L, tokens, 0.7, 0.3)) / (2 * eps);
      expect(Math.abs(grad[k]! - fd)).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
    }
  });

  it('a SpecBoundStrategy runs it by its spec name', () => {
    const c = new SpecBoundStrategy(StrategySpec.parse({ name: 'reinforce-lstm' }), cards, 'h');
    const st = c.init();
    expect(st.kind).toBe('reinforce-lstm');
    expect(c.propose(st, 2, Rng.fromSeed(1)).tokens).toHaveLength(2);
  });

  it('reinforce-lstm learns a simple objective and is deterministic through JSON', () => {
    const s = getStrategy('reinforce-lstm');
    const go = () => {
      let st = s.init(cards, StrategySpec.parse({ learningRate: 0.05 }));
      const rng = Rng.fromSeed(5);
      const late: number[] = [];
      for (let i = 0; i < 60; i++) {
        const p = s.propose(JSON.parse(JSON.stringify(st)), 8, rng);
        const obs = p.tokens.map((t) => ({ tokens: t, reward: t[0] === 2 && t[2] === t[1]! + 1 ? 1 : 0 }));
        if (i >= 50) late.push(...obs.map((o) => o.reward));
        st = s.observe(p.state, obs);
      }
      return { st, late };
    };
    const a = go();
    expect(JSON.stringify(go().st)).toBe(JSON.stringify(a.st));
    // Random hits 1/3 * 1/4 = 8%; a learned controller does far better.
    expect(a.late.reduce((x, y) => x + y, 0) / a.late.length).toBeGreaterThan(0.5);
    expect(() => s.propose({ ...a.st, theta: [1] }, 1, Rng.fromSeed(1))).toThrow(/theta/);
  });
});
