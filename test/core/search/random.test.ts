import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { getStrategy, SpecBoundStrategy } from '../../../core/search/index.js';
import { StrategyName, StrategySpec } from '../../../core/spec/schema.js';

const spec = StrategySpec.parse({ name: 'random' });
const cards = [3, 2, 4];

describe('random strategy', () => {
  it('proposes in-range tokens, tracks pending, and is reproducible', () => {
    const s = getStrategy('random');
    const st = s.init(cards, spec);
    const a = s.propose(st, 5, Rng.fromSeed(1));
    const b = s.propose(st, 5, Rng.fromSeed(1));
    expect(a).toEqual(b);
    expect(st.pending).toEqual([]); // input not mutated
    expect(a.state.pending).toHaveLength(5);
    expect(a.ids).toEqual(['0.0', '0.1', '0.2', '0.3', '0.4']);
    for (const t of a.tokens) for (const [i, x] of t.entries()) expect(x).toBeLessThan(cards[i]!);
    const done = s.observe(
      a.state,
      a.tokens.map((t) => ({ tokens: t, reward: 0.5 })),
    );
    expect(done.pending).toEqual([]);
    expect(done.observed).toBe(5);
  });

  it('rejects unknown tokens, unknown ids, duplicates, and bad rewards', () => {
    const s = getStrategy('random');
    const p = s.propose(s.init(cards, spec), 1, Rng.fromSeed(2));
    const t = p.tokens[0]!;
    const other = t.map((x, i) => (x + 1) % cards[i]!);
    expect(() => s.observe(p.state, [{ tokens: other, reward: 1 }])).toThrow(
      /not proposed.*unknown candidate/,
    );
    expect(() => s.observe(p.state, [{ tokens: t, reward: 1, proposalId: '9.9' }])).toThrow(/not pending/);
    expect(() =>
      s.observe(p.state, [
        { tokens: t, reward: 1 },
        { tokens: t, reward: 1 },
      ]),
    ).toThrow(/duplicate result/);
    const once = s.observe(p.state, [{ tokens: t, reward: 1 }]);
    expect(() => s.observe(once, [{ tokens: t, reward: 1 }])).toThrow(/unknown candidate/);
    expect(() => s.observe(p.state, [{ tokens: t, reward: Number.NaN }])).toThrow(/finite number or null/);
  });

  it('rejects state of another version, kind, or spec', () => {
    const s = getStrategy('random');
    const st = s.init(cards, spec);
    expect(() => s.propose({ ...st, version: 99 }, 1, Rng.fromSeed(1))).toThrow(/version 99/);
    expect(() => s.observe({ ...st, kind: 'evolution' }, [])).toThrow(/for "evolution"/);
    const c1 = new SpecBoundStrategy(spec, cards, 'spec-A');
    const c2 = new SpecBoundStrategy(spec, cards, 'spec-B');
    const st1 = c1.init();
    expect(() => c2.propose(st1, 1, Rng.fromSeed(1))).toThrow(/belongs to spec spec-A/);
    expect(() => c2.observe(st1, [])).toThrow(/belongs to spec spec-A/);
    expect(c1.propose(st1, 1, Rng.fromSeed(1)).tokens).toHaveLength(1);
  });

  it('has every strategy the spec names, and throws a clear error for any other', () => {
    for (const name of StrategyName.options) expect(getStrategy(name).name).toBe(name);
    expect(() => getStrategy('bohb' as StrategyName)).toThrow(/bohb.*not available/);
  });
});
