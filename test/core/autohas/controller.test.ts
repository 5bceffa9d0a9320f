import { describe, expect, it } from 'vitest';
import { AutohasController } from '../../../core/autohas/controller.js';
import { Rng } from '../../../core/rng.js';
import { softmax } from '../../../core/search/policy.js';
import { SearchSpace } from '../../../core/space/encoding.js';
import { tinySpec } from './fixtures.js';

const opts = { learningRate: 0.5, baselineDecay: 0.5, entropyWeight: 0, hpMode: 'sample' as const };

describe('AutohasController', () => {
  const space = new SearchSpace(tinySpec());

  it('controls network, accelerator and hp-basis decisions only', () => {
    const c = new AutohasController(space, opts);
    const names = c.controlled.map((i) => space.decisions[i]!.name);
    expect(names).toContain('network.stage1.kernel');
    expect(names).toContain('accelerator.rows');
    expect(names).toContain('hyperparameters.learningRate');
    expect(names).toContain('hyperparameters.weightDecay');
    expect(names).not.toContain('hyperparameters.optimizer');
    expect(names).not.toContain('hyperparameters.batchSize');
  });

  it('scaledGain divides a drop by its basis running RMS; bases are scaled apart', () => {
    const c = new AutohasController(space, opts);
    expect(c.scaledGain(0, 0.5)).toBeCloseTo(1, 12);
    expect(c.scaledGain(2, -0.01)).toBeCloseTo(-1, 12);
    // decay 0.5: mean square 0.5·0.25 + 0.5·0.01 = 0.13 for basis 0.
    expect(c.scaledGain(0, 0.1)).toBeCloseTo(0.1 / Math.sqrt(0.13), 12);
    expect(() => c.scaledGain(9, 0.1)).toThrow(/basis 9/);
    const back = new AutohasController(space, opts);
    back.setState(c.state());
    expect(back.gainSquares).toEqual(c.gainSquares);
  });

  it('REINFORCE raises the probability of rewarded choices and lowers unrewarded ones', () => {
    const c = new AutohasController(space, opts);
    const k = space.indexOf('network.stage0.kernel');
    const j = c.controlled.indexOf(k);
    const rng = Rng.fromSeed(2);
    for (let i = 0; i < 200; i++) {
      const d = c.sample(rng);
      c.reinforce(d.tokens, d.tokens[k] === 1 ? 1 : 0);
    }
    expect(softmax(c.logits[j]!)[1]!).toBeGreaterThan(0.9);
    expect(c.baseline).toBeGreaterThan(0.5);
  });

  it('hp decisions learn from the trial step gain; network decisions from the reward', () => {
    const c = new AutohasController(space, opts);
    const lr = space.indexOf('hyperparameters.learningRate');
    const k = space.indexOf('network.stage0.kernel');
    const rng = Rng.fromSeed(5);
    // The reward is flat, so only the gain (larger for the second basis) carries a signal.
    for (let i = 0; i < 100; i++) {
      const d = c.sample(rng);
      c.reinforce(d.tokens, 0.5, d.tokens[lr] === 1 ? 0.2 : 0);
    }
    expect(softmax(c.logits[c.controlled.indexOf(lr)]!)[1]!).toBeGreaterThan(0.6);
    expect(c.logits[c.controlled.indexOf(k)]).toEqual([0, 0]);
    expect(c.hpBaseline).toBeGreaterThan(0);
  });

  it('an infeasible draw (no trial step, hpGain null) moves the network decisions only', () => {
    const c = new AutohasController(space, opts);
    const lr = c.controlled.indexOf(space.indexOf('hyperparameters.learningRate'));
    const k = c.controlled.indexOf(space.indexOf('network.stage0.kernel'));
    const d = c.sample(Rng.fromSeed(6));
    c.reinforce(d.tokens, 0.5, null);
    c.reinforce(d.tokens, 0, null);
    expect(c.logits[lr]!.every((x) => x === 0)).toBe(true);
    expect(c.logits[k]).not.toEqual([0, 0]);
    expect(c.hpBaseline).toBeUndefined();
  });

  it('mix mode does not sample hp bases and uses the softmax mix', () => {
    const c = new AutohasController(space, { ...opts, hpMode: 'mix' });
    const d = c.sample(Rng.fromSeed(1));
    const lrBases = c.bases('learningRate').values;
    expect(d.hp.learningRate).toBeCloseTo(lrBases.reduce((a, b) => a + b, 0) / lrBases.length, 12);
    expect(d.candidate.hyperparameters.learningRate).toBe(d.hp.learningRate);
    c.descendMixed('learningRate', -1, 1000); // loss falls as lr grows: mass moves to the largest basis
    expect(c.sample(Rng.fromSeed(1)).hp.learningRate).toBeGreaterThan(d.hp.learningRate);
  });

  it('topK is the exact most-probable list, deterministic, and state round-trips', () => {
    const c = new AutohasController(space, opts);
    const rng = Rng.fromSeed(3);
    for (let i = 0; i < 30; i++) {
      const d = c.sample(rng);
      c.reinforce(d.tokens, rng.next());
    }
    const top = c.topK(4);
    expect(top).toHaveLength(4);
    for (let i = 1; i < 4; i++) expect(top[i]!.probability).toBeLessThanOrEqual(top[i - 1]!.probability);
    // The best is the per-decision argmax.
    const argmax = c.controlled.map((_, j) => {
      const p = softmax(c.logits[j]!);
      return p.indexOf(Math.max(...p));
    });
    expect(c.controlled.map((i) => top[0]!.draw.tokens[i])).toEqual(argmax);
    const d = new AutohasController(space, opts);
    d.setState(JSON.parse(JSON.stringify(c.state())));
    expect(d.topK(4).map((t) => t.draw.candidate.id)).toEqual(top.map((t) => t.draw.candidate.id));
    expect(() => d.setState({ ...c.state(), logits: [[0]] })).toThrow(/does not match/);
    const noAdam = { ...c.state(), adam: { ...c.state().adam, v: [[0]] } };
    expect(() => d.setState(noAdam)).toThrow(/does not match/);
  });

  it('topK reports the uniform probability of each choice: equal when fresh, lower once learned', () => {
    const fresh = new AutohasController(space, opts);
    for (const t of fresh.topK(3)) expect(t.probability).toBeCloseTo(t.uniformProbability, 15);
    const c = new AutohasController(space, opts);
    c.logits.forEach((l) => {
      l[0] = 3;
    });
    const [best] = c.topK(1);
    expect(best!.probability / best!.uniformProbability).toBeGreaterThan(10);
    expect(best!.uniformProbability).toBeCloseTo(fresh.topK(1)[0]!.uniformProbability, 15);
  });
});

describe('AutohasController.topK over plain-conv stages', () => {
  it('lists distinct candidates: a conv stage does not split on its inactive expansion', () => {
    const space = new SearchSpace(tinySpec());
    const c = new AutohasController(space, opts);
    // Every decision peaked on its first choice, expansions uniform, conv blocks near certain:
    // a beam that split on the inactive expansions would list the same candidate twice.
    c.logits.forEach((l, j) => {
      if (!space.decisions[c.controlled[j]!]!.name.endsWith('.expansion')) l[0] = 5;
    });
    for (const s of [0, 1]) {
      const j = c.controlled.indexOf(space.indexOf(`network.stage${s}.block`));
      const conv = space.decisions[space.indexOf(`network.stage${s}.block`)]!.choices.indexOf('conv');
      c.logits[j]![conv] = 20;
    }
    const top = c.topK(8);
    const ids = top.map((t) => t.draw.candidate.id);
    expect(new Set(ids).size).toBe(8);
    expect(top.every((t) => t.draw.candidate.network.stages.every((st) => st.block === 'conv'))).toBe(true);
  });
});
