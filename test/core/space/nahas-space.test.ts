// Per-stage choices, the stem and width decisions, and a searched pe-array clock.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import { SearchSpace } from '../../../core/space/encoding.js';
import { stageChoices } from '../../../core/space/stage-choices.js';
import { parseSpec } from '../../../core/spec/parse.js';
import type { SearchSpec, SearchSpecInput } from '../../../core/spec/schema.js';

function specOf(input: SearchSpecInput): SearchSpec {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

/** Explicit lists everywhere, so widened defaults cannot move what this space means. */
const PINNED_INPUT: SearchSpecInput = {
  space: {
    network: { stages: 3, stemFilters: [8, 16], filters: [16, 24, 32, 48], layers: [1, 2, 3] },
    accelerator: {
      template: 'pe-array',
      pesX: [1, 2, 4],
      pesY: [1, 2, 4],
      simdUnits: [16, 32, 64],
      computeLanes: [1, 2, 4],
      localMemoryMB: [0.5, 1, 2],
      registerFileKB: [16, 32, 64],
      clockMHz: 800,
    },
  },
};

const PER_STAGE: SearchSpecInput = {
  space: {
    network: {
      stages: 3,
      stemFilters: [16, 24],
      kernel: [3, 5],
      perStage: [
        { blockType: ['conv', 'fused-mbconv'], filters: [8, 16], stride: [1] },
        { filters: [24, 32, 40], expansion: [3, 6], squeezeExcite: [false] },
        { blockType: ['mbconv'], kernel: [7], filters: [48, 64], layers: [2, 3], stride: [2] },
      ],
    },
  },
};

describe('single lists keep their meaning', () => {
  it('a candidate sampled before per-stage choices existed keeps its id, tokens and network', () => {
    const space = new SearchSpace(specOf(PINNED_INPUT));
    const c = space.sample(Rng.fromSeed(2026));
    // Recorded with the code before this change (commit 748a9bc).
    expect(c.id).toBe('e67632e94884a359');
    expect(c.tokens).toEqual([
      1, 0, 1, 2, 1, 1, 1, 1, 2, 0, 0, 1, 1, 1, 1, 0, 1, 2, 2, 1, 1, 0, 0, 1, 1, 2, 0, 0, 0, 1, 1, 0, 0,
    ]);
    expect(c.network).toEqual({
      template: 'mobile-cnn',
      stemFilters: 16,
      stages: [
        { block: 'mbconv', kernel: 5, expansion: 6, filters: 24, layers: 2, squeezeExcite: true, stride: 2 },
        { block: 'conv', kernel: 3, filters: 24, layers: 2, squeezeExcite: true, stride: 2 },
        { block: 'mbconv', kernel: 5, expansion: 6, filters: 32, layers: 2, squeezeExcite: true, stride: 1 },
      ],
    });
    expect(c.accelerator).toEqual({
      template: 'pe-array',
      pesX: 1,
      pesY: 2,
      simdUnits: 32,
      computeLanes: 4,
      localMemoryMB: 0.5,
      registerFileKB: 16,
      ioBandwidthGBps: 16,
      clockMHz: 800,
    });
  });

  it('perStage entries that repeat the shared lists, or are empty, change nothing', () => {
    const base = new SearchSpace(specOf(PINNED_INPUT));
    const net = PINNED_INPUT.space!.network!;
    const perStages: NonNullable<typeof net.perStage>[] = [
      [{}, {}, {}],
      [{ filters: net.filters }, { layers: net.layers }, { kernel: [3, 5], stride: [1, 2] }],
    ];
    for (const perStage of perStages) {
      const s = new SearchSpace(specOf({ space: { ...PINNED_INPUT.space, network: { ...net, perStage } } }));
      expect(s.decisions).toEqual(base.decisions);
      const rng = Rng.fromSeed('same');
      for (let n = 0; n < 50; n++) {
        const tokens = base.cardinalities.map((k) => rng.int(k));
        expect(s.decode(tokens)).toEqual(base.decode(tokens));
      }
    }
  });
});

describe('per-stage choices', () => {
  const spec = specOf(PER_STAGE);
  const space = new SearchSpace(spec);
  const choicesOf = (name: string) => space.decisions[space.indexOf(name)]!.choices;

  it('each stage decision lists its own choices, under the usual names', () => {
    expect(choicesOf('network.stage0.block')).toEqual(['conv', 'fused-mbconv']);
    expect(choicesOf('network.stage1.block')).toEqual(['mbconv', 'fused-mbconv', 'conv']);
    expect(choicesOf('network.stage2.block')).toEqual(['mbconv']);
    expect(choicesOf('network.stage0.filters')).toEqual([8, 16]);
    expect(choicesOf('network.stage1.filters')).toEqual([24, 32, 40]);
    expect(choicesOf('network.stage2.filters')).toEqual([48, 64]);
    expect(choicesOf('network.stage0.kernel')).toEqual([3, 5]);
    expect(choicesOf('network.stage2.kernel')).toEqual([7]);
    expect(choicesOf('network.stage1.expansion')).toEqual([3, 6]);
    expect(choicesOf('network.stage2.layers')).toEqual([2, 3]);
    expect(space.decisions.filter((d) => d.group === 'network')).toHaveLength(1 + 3 * 7);
  });

  it('samples only the values its stage lists', () => {
    const rng = Rng.fromSeed('per-stage');
    const seen = new Set<string>();
    for (let n = 0; n < 500; n++) {
      const c = space.sample(rng);
      c.network.stages.forEach((st, s) => {
        const allowed = stageChoices(spec.space.network, s);
        expect(allowed.block).toContain(st.block);
        expect(allowed.kernel).toContain(st.kernel);
        expect(allowed.filters).toContain(st.filters);
        expect(allowed.layers).toContain(st.layers);
        expect(allowed.squeezeExcite).toContain(st.squeezeExcite);
        expect(allowed.stride).toContain(st.stride);
        if (st.block === 'conv') expect(st.expansion).toBeUndefined();
        else expect(allowed.expansion).toContain(st.expansion);
        seen.add(`${s}:${st.filters}`);
      });
      expect(space.encode(c)).toEqual(c.tokens);
    }
    // every stage's every filter choice came up, and no other
    expect([...seen].sort()).toEqual(['0:16', '0:8', '1:24', '1:32', '1:40', '2:48', '2:64'].sort());
  });

  it('refuses a value another stage may take', () => {
    const c = space.sample(Rng.fromSeed(1));
    c.network.stages[0]!.filters = 64;
    expect(() => space.encode(c)).toThrow(/network.stage0.filters: value 64 is not a choice/);
  });

  it('a perStage list of the wrong length names the field and both counts', () => {
    const r = parseSpec({ space: { network: { stages: 3, perStage: [{}, { kernel: [5] }] } } });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues).toEqual([
        {
          path: '$.space.network.perStage',
          message:
            'perStage lists 2 stage(s) but stages is 3: give one entry per stage ({} keeps the shared choices)',
        },
      ]);
    const defaultStages = parseSpec({ space: { network: { perStage: [{}, {}, {}] } } });
    expect(!defaultStages.ok && defaultStages.issues.map((i) => i.path)).toEqual([
      '$.space.network.perStage',
    ]);
  });

  it('a bad per-stage list is reported at its own path', () => {
    const r = parseSpec({
      space: { network: { stages: 2, perStage: [{ filters: [8, 8] }, { kernels: [3] }] } },
    });
    expect(!r.ok && r.issues).toEqual([
      { path: '$.space.network.perStage[0].filters', message: 'choices must be distinct' },
      {
        path: '$.space.network.perStage[1].kernels',
        message: 'unknown field "kernels" (did you mean "kernel"?)',
      },
    ]);
  });
});

describe('stem and width decisions', () => {
  const base = specOf({ space: { network: { stages: 2 } } });
  const spec = specOf({
    space: { network: { stages: 2, stemKernel: [3, 5], stemStride: [1, 2], widthMultiplier: [0.5, 1, 1.5] } },
  });
  const space = new SearchSpace(spec);

  it('are decisions only when listed, right after the stem filters', () => {
    expect(new SearchSpace(base).decisions.map((d) => d.name)).not.toContain('network.widthMultiplier');
    expect(space.decisions.slice(0, 5).map((d) => d.name)).toEqual([
      'network.stemFilters',
      'network.stemKernel',
      'network.stemStride',
      'network.widthMultiplier',
      'network.stage0.block',
    ]);
    expect(new SearchSpace(base).sample(Rng.fromSeed(3)).network).not.toHaveProperty('widthMultiplier');
  });

  it('decode into the network, encode back, and round-trip through JSON', () => {
    const rng = Rng.fromSeed('stem');
    const mults = new Set<number>();
    for (let n = 0; n < 200; n++) {
      const c = space.sample(rng);
      expect([3, 5]).toContain(c.network.stemKernel);
      expect([1, 2]).toContain(c.network.stemStride);
      mults.add(c.network.widthMultiplier!);
      expect(space.encode(JSON.parse(JSON.stringify(c)))).toEqual(c.tokens);
    }
    expect([...mults].sort()).toEqual([0.5, 1, 1.5]);
  });

  it('an arch without them encodes as their defaults (3, 1, 1)', () => {
    const c = space.sample(Rng.fromSeed(9));
    const { stemKernel: _k, stemStride: _s, widthMultiplier: _m, ...plain } = c.network;
    const t = space.encode({ ...c, network: plain });
    const back = space.decode(t).network;
    expect([back.stemKernel, back.stemStride, back.widthMultiplier]).toEqual([3, 1, 1]);
    const noMultSpace = new SearchSpace(base);
    const other = noMultSpace.sample(Rng.fromSeed(9));
    expect(() => noMultSpace.encode({ ...other, network: { ...other.network, widthMultiplier: 1 } })).toThrow(
      /network.widthMultiplier: not a decision/,
    );
  });

  it('the multiplier is part of the id', () => {
    const tokens = space.cardinalities.map(() => 0);
    const i = space.indexOf('network.widthMultiplier');
    const ids = new Set([0, 1, 2].map((t) => space.idOf(tokens.map((x, j) => (j === i ? t : x)))));
    expect(ids.size).toBe(3);
  });
});

describe('a searched pe-array clock', () => {
  const spec = specOf({ space: { accelerator: { template: 'pe-array', clockMHz: [400, 800, 1200] } } });
  const space = new SearchSpace(spec);

  it('is the last accelerator decision and sets the config clock', () => {
    const acc = space.decisions.filter((d) => d.group === 'accelerator').map((d) => d.name);
    expect(acc.at(-1)).toBe('accelerator.clockMHz');
    const clocks = new Set<number>();
    const rng = Rng.fromSeed('clock');
    for (let n = 0; n < 100; n++) {
      const c = space.sample(rng);
      clocks.add(c.accelerator.clockMHz);
      expect(space.encode(c)).toEqual(c.tokens);
    }
    expect([...clocks].sort((a, b) => a - b)).toEqual([400, 800, 1200]);
  });

  it('ids name the clock, not its position in the list', () => {
    const reordered = new SearchSpace(
      specOf({ space: { accelerator: { template: 'pe-array', clockMHz: [1200, 400, 800] } } }),
    );
    const c = space.sample(Rng.fromSeed(4));
    expect(reordered.decode(reordered.encode(c)).id).toBe(c.id);
  });

  it('a single clock stays fixed: no decision, and other clocks are refused', () => {
    const fixed = new SearchSpace(specOf({ space: { accelerator: { template: 'pe-array' } } }));
    expect(fixed.decisions.map((d) => d.name)).not.toContain('accelerator.clockMHz');
    expect(fixed.sample(Rng.fromSeed(1)).accelerator.clockMHz).toBe(800);
    const c = space.sample(Rng.fromSeed(2));
    expect(() => fixed.encode({ ...c, accelerator: { ...c.accelerator, clockMHz: 400 } })).toThrow(
      /400 MHz is not this space's \(pe-array at 800 MHz\)/,
    );
  });

  it('the default pe-array space spans the NAHAS grid', () => {
    const d = new SearchSpace(specOf({ space: { accelerator: { template: 'pe-array' } } }));
    const choices = Object.fromEntries(
      d.decisions.filter((x) => x.group === 'accelerator').map((x) => [x.name.slice(12), x.choices]),
    );
    expect(choices).toEqual({
      pesX: [1, 2, 4, 6, 8],
      pesY: [1, 2, 4, 6, 8],
      simdUnits: [16, 32, 64, 128],
      computeLanes: [1, 2, 4, 8],
      localMemoryMB: [0.5, 1, 2, 3, 4],
      registerFileKB: [8, 16, 32, 64, 128],
      ioBandwidthGBps: [16],
    });
  });
});
