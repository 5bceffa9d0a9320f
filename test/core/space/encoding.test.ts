import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { SearchSpace } from '../../../core/space/encoding.js';
import type { Candidate } from '../../../core/space/types.js';
import { exampleSpec, parseSpec } from '../../../core/spec/parse.js';
import type { SearchSpec, SearchSpecInput } from '../../../core/spec/schema.js';

function specOf(input: SearchSpecInput): SearchSpec {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

const example = new SearchSpace(exampleSpec());

const SPACES: Record<string, SearchSpace> = {
  example,
  'systolic with bandwidth, epochs and bases': new SearchSpace(
    specOf({
      space: {
        network: { stages: 4, blockType: ['conv', 'mbconv'], filters: [8, 16, 32, 64] },
        accelerator: { template: 'systolic', bandwidthWordsPerCycle: [4, 16], rows: [4, 8] },
        hyperparameters: {
          learningRate: { min: 1e-4, max: 0.1, bases: 5 },
          weightDecay: { min: 0, max: 1e-3, bases: 3, scale: 'linear' },
          optimizer: ['adam', 'sgd'],
          batchSize: [16, 32, 64],
          epochs: [1, 2],
        },
      },
    }),
  ),
  'pe-array': new SearchSpace(specOf({ space: { accelerator: { template: 'pe-array' } } })),
  'pe-array with 8- or 4-bit weights': new SearchSpace(
    specOf({ space: { accelerator: { template: 'pe-array', weightBits: [8, 4] } } }),
  ),
  'per-stage, stem, width and a searched clock': new SearchSpace(
    specOf({
      space: {
        network: {
          stages: 3,
          stemKernel: [3, 5],
          stemStride: [1, 2],
          widthMultiplier: [0.5, 1],
          perStage: [{ blockType: ['conv', 'mbconv'] }, { filters: [32, 48] }, { blockType: ['conv'] }],
        },
        accelerator: { template: 'pe-array', clockMHz: [500, 1000] },
      },
    }),
  ),
};

function randomTokens(space: SearchSpace, rng: Rng): number[] {
  return space.cardinalities.map((n) => rng.int(n));
}

/** Stage index of a conv block and of a non-conv block in the example, via known tokens. */
function tokensWith(space: SearchSpace, base: readonly number[], set: Record<string, unknown>): number[] {
  const out = [...base];
  for (const [name, value] of Object.entries(set)) {
    const i = space.indexOf(name);
    const t = space.decisions[i]!.choices.indexOf(value as never);
    if (t < 0) throw new Error(`${name} has no choice ${String(value)}`);
    out[i] = t;
  }
  return out;
}

describe('SearchSpace decisions', () => {
  it('turns the example spec into 25 named decisions in a fixed order', () => {
    expect(example.decisions.map((d) => d.name)).toEqual([
      'network.stemFilters',
      ...[0, 1].flatMap((s) =>
        ['block', 'kernel', 'expansion', 'filters', 'layers', 'squeezeExcite', 'stride'].map(
          (f) => `network.stage${s}.${f}`,
        ),
      ),
      'accelerator.rows',
      'accelerator.cols',
      'accelerator.dataflow',
      'accelerator.ifmapSramKB',
      'accelerator.filterSramKB',
      'accelerator.ofmapSramKB',
      'hyperparameters.learningRate',
      'hyperparameters.weightDecay',
      'hyperparameters.optimizer',
      'hyperparameters.batchSize',
    ]);
    expect(example.cardinalities).toEqual([
      1, 3, 2, 3, 3, 2, 2, 2, 3, 2, 3, 3, 2, 2, 2, 3, 3, 3, 2, 2, 2, 2, 2, 1, 1,
    ]);
    expect(example.log10Size).toBeCloseTo(Math.log10(2 ** 13 * 3 ** 9), 10);
  });

  it('turns {min, max, bases} into categorical basis values', () => {
    const s = SPACES['systolic with bandwidth, epochs and bases']!;
    expect(s.decisions[s.indexOf('hyperparameters.learningRate')]!.choices).toEqual([
      0.0001, 0.00056234132519, 0.00316227766017, 0.0177827941004, 0.1,
    ]);
    expect(s.decisions[s.indexOf('hyperparameters.weightDecay')]!.choices).toEqual([0, 0.0005, 0.001]);
    expect(s.decisions.map((d) => d.name)).toContain('accelerator.bandwidthWordsPerCycle');
    expect(s.decisions.map((d) => d.name)).toContain('hyperparameters.epochs');
  });

  it('the weight bit width is a decision only when the space lists it (absent: 8, ids unchanged)', () => {
    expect(example.decisions.map((d) => d.name)).not.toContain('accelerator.weightBits');
    expect(example.sample(Rng.fromSeed(1)).accelerator).not.toHaveProperty('weightBits');
    const s = SPACES['pe-array with 8- or 4-bit weights']!;
    expect(s.decisions[s.indexOf('accelerator.weightBits')]!.choices).toEqual([8, 4]);
    const c = s.decode(s.cardinalities.map((_, i) => (i === s.indexOf('accelerator.weightBits') ? 1 : 0)));
    expect(c.accelerator.weightBits).toBe(4);
  });
});

describe('encoding round trip', () => {
  for (const [name, space] of Object.entries(SPACES)) {
    it(`${name}: 1,000 random token sequences decode and encode back to their canonical form`, () => {
      const rng = Rng.fromSeed(`round-trip/${name}`);
      let convStages = 0;
      const failures: string[] = [];
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      for (let n = 0; n < 1000; n++) {
        const tokens = randomTokens(space, rng);
        const c = space.decode(tokens);
        const canon = space.canonicalize(tokens);
        const encoded = space.encode(c);
        const problems = [
          same(c.tokens, canon) ? '' : 'decode().tokens is not canonical',
          same(encoded, canon) ? '' : 'encode(decode(t)) is not canonicalize(t)',
          same(space.decode(encoded), c) ? '' : 'decode(encode(c)) is not c',
          c.id === space.idOf(tokens) ? '' : 'id is not idOf(tokens)',
          c.network.stemFilters === space.decisions[0]!.choices[tokens[0]!] ? '' : 'wrong stemFilters',
        ].filter(Boolean);
        if (problems.length > 0) failures.push(`${JSON.stringify(tokens)}: ${problems.join('; ')}`);
        convStages += c.network.stages.filter((s) => s.block === 'conv').length;
      }
      expect(failures.slice(0, 5)).toEqual([]);
      // the sample exercised the inactive-decision path
      if (space.decisions[space.indexOf('network.stage0.block')]!.choices.includes('conv'))
        expect(convStages).toBeGreaterThan(100);
    });
  }

  it('candidates survive JSON (what the store holds) and still encode', () => {
    const space = SPACES['systolic with bandwidth, epochs and bases']!;
    const c = space.sample(Rng.fromSeed(3));
    const back = JSON.parse(JSON.stringify(c)) as Candidate;
    expect(space.encode(back)).toEqual(c.tokens);
  });
});

describe('golden candidates of the example spec', () => {
  const zeros = example.decisions.map(() => 0);
  const lasts = example.cardinalities.map((n) => n - 1);
  const mixed = example.cardinalities.map((n, i) => i % n);

  it('ids of fixed token sequences', () => {
    expect(example.idOf(zeros)).toBe('22e1d05012b50d4d');
    expect(example.idOf(lasts)).toBe('0d4cdeebb1b03a76');
    expect(example.idOf(mixed)).toBe('e7aedc6734ece1b8');
  });

  it('the candidate sampled with seed 42', () => {
    expect(example.sample(Rng.fromSeed(42))).toEqual({
      id: '30e22e79977a1440',
      tokens: [0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 2, 1, 0, 0, 0, 0, 2, 0, 1, 1, 1, 0, 1, 0, 0],
      network: {
        template: 'mobile-cnn',
        stemFilters: 16,
        stages: [
          {
            block: 'fused-mbconv',
            kernel: 5,
            expansion: 1,
            filters: 16,
            layers: 1,
            squeezeExcite: false,
            stride: 2,
          },
          {
            block: 'fused-mbconv',
            kernel: 5,
            expansion: 6,
            filters: 24,
            layers: 1,
            squeezeExcite: false,
            stride: 1,
          },
        ],
      },
      accelerator: {
        template: 'systolic',
        rows: 8,
        cols: 32,
        dataflow: 'os',
        ifmapSramKB: 256,
        filterSramKB: 256,
        ofmapSramKB: 128,
        clockMHz: 1000,
      },
      hyperparameters: { learningRate: 0.003, weightDecay: 0.0001, optimizer: 'adam', batchSize: 32 },
    });
  });

  it('the all-zeros candidate', () => {
    const c = example.decode(zeros);
    expect(c.network.stages[0]).toEqual({
      block: 'mbconv',
      kernel: 3,
      expansion: 1,
      filters: 16,
      layers: 1,
      squeezeExcite: false,
      stride: 1,
    });
    expect(c.accelerator).toEqual({
      template: 'systolic',
      rows: 8,
      cols: 8,
      dataflow: 'os',
      ifmapSramKB: 64,
      filterSramKB: 64,
      ofmapSramKB: 32,
      clockMHz: 1000,
    });
  });
});

describe('canonicalization', () => {
  const base = example.decisions.map(() => 0);
  const conv0 = tokensWith(example, base, { 'network.stage0.block': 'conv' });

  it('token sequences differing only in the expansion of a plain-conv block get one id', () => {
    const variants = [1, 3, 6].map((e) => tokensWith(example, conv0, { 'network.stage0.expansion': e }));
    const ids = new Set(variants.map((t) => example.idOf(t)));
    expect(ids.size).toBe(1);
    const decoded = variants.map((t) => example.decode(t));
    expect(decoded[1]).toEqual(decoded[0]);
    expect(decoded[2]).toEqual(decoded[0]);
    expect(decoded[0]!.network.stages[0]!.expansion).toBeUndefined();
    expect(decoded[0]!.tokens[example.indexOf('network.stage0.expansion')]).toBe(0);
  });

  it('the same expansion change on an mbconv block gives different ids', () => {
    const ids = new Set(
      [1, 3, 6].map((e) => example.idOf(tokensWith(example, base, { 'network.stage0.expansion': e }))),
    );
    expect(ids.size).toBe(3);
  });

  it('changing any active decision changes the id', () => {
    const baseId = example.idOf(base);
    const seen = new Set([baseId]);
    example.decisions.forEach((d, i) => {
      for (let t = 1; t < d.choices.length; t++) {
        const tokens = [...base];
        tokens[i] = t;
        const id = example.idOf(tokens);
        expect(seen.has(id), `${d.name} = ${String(d.choices[t])}`).toBe(false);
        seen.add(id);
      }
    });
    expect(seen.size).toBe(1 + example.cardinalities.reduce((s, n) => s + n - 1, 0));
  });

  it('ids name values, not positions: reordering a choice list keeps the id', () => {
    const reordered = new SearchSpace(
      specOf({ space: { network: { kernel: [5, 3], filters: [32, 24, 16] } } }),
    );
    const c = example.sample(Rng.fromSeed(11));
    expect(reordered.decode(reordered.encode(c)).id).toBe(c.id);
  });

  it('the fixed accelerator clock is part of the id', () => {
    const fast = new SearchSpace(
      specOf({ space: { accelerator: { template: 'systolic', clockMHz: 2000 } } }),
    );
    expect(fast.idOf(base)).not.toBe(example.idOf(base));
  });
});

describe('bad tokens and candidates', () => {
  it('validateTokens names the decision', () => {
    expect(() => example.decode([0, 0])).toThrow(/expected 25 tokens, got 2/);
    const bad = example.decisions.map(() => 0);
    bad[1] = 3;
    expect(() => example.decode(bad)).toThrow(/token 3 out of range for network.stage0.block \(3 choices\)/);
    bad[1] = 0.5;
    expect(() => example.idOf(bad)).toThrow(/network.stage0.block/);
    bad[1] = -1;
    expect(() => example.canonicalize(bad)).toThrow(/out of range/);
  });

  it('encode refuses values that are not choices, wrong shapes, and fields no decision uses', () => {
    const c = example.sample(Rng.fromSeed(5));
    const withKernel = structuredClone(c);
    withKernel.network.stages[0]!.kernel = 7;
    expect(() => example.encode(withKernel)).toThrow(/network.stage0.kernel: value 7 is not a choice/);
    const oneStage = structuredClone(c);
    oneStage.network.stages.pop();
    expect(() => example.encode(oneStage)).toThrow(/network has 1 stages, space has 2/);
    const extra = structuredClone(c);
    extra.hyperparameters.epochs = 3;
    expect(() => example.encode(extra)).toThrow(/hyperparameters.epochs: not a decision/);
    const pe = SPACES['pe-array']!.sample(Rng.fromSeed(5));
    expect(() => example.encode(pe)).toThrow(/accelerator pe-array .* is not this space's/);
    const clock = structuredClone(c);
    clock.accelerator.clockMHz = 999;
    expect(() => example.encode(clock)).toThrow(/999 MHz is not this space's/);
    const noExpansion = structuredClone(c);
    noExpansion.network.stages[0] = { ...noExpansion.network.stages[0]!, block: 'mbconv' };
    delete noExpansion.network.stages[0]!.expansion;
    expect(() => example.encode(noExpansion)).toThrow(
      /network.stage0.expansion: value undefined is not a choice/,
    );
  });

  it('encode accepts a plain-conv stage without expansion', () => {
    const c = example.decode(
      tokensWith(
        example,
        example.decisions.map(() => 0),
        { 'network.stage1.block': 'conv' },
      ),
    );
    expect(c.network.stages[1]!.expansion).toBeUndefined();
    expect(example.encode(c)).toEqual(c.tokens);
  });
});
