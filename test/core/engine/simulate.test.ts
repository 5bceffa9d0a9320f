import { describe, expect, it } from 'vitest';
import { hypervolumeFrame } from '../../../core/engine/frame.js';
import { acceleratorRecord } from '../../../core/engine/simulate.js';
import { SearchSpec } from '../../../core/spec/schema.js';

// A network whose layers exceed the simulator's bounds (a 512² input with 512 stem filters: a 2^27-word ofmap).
const huge = SearchSpec.parse({
  dataset: { uri: 'file:///data/x.idx', format: 'idx', shape: [512, 512, 16], numClasses: 10 },
  space: { network: { stages: 1, stemFilters: [512], filters: [1024], stride: [1], expansion: [6] } },
});

describe('SimulateAccelerator past the simulator bounds', () => {
  it('marks the candidate infeasible, naming the layer, instead of failing', () => {
    const cand = {
      network: {
        template: 'mobile-cnn' as const,
        stemFilters: 512,
        stages: [
          {
            block: 'mbconv' as const,
            kernel: 3 as const,
            expansion: 6 as const,
            filters: 1024,
            layers: 1,
            squeezeExcite: false,
            stride: 1 as const,
          },
        ],
      },
      accelerator: {
        template: 'systolic' as const,
        rows: 8,
        cols: 8,
        dataflow: 'os' as const,
        ifmapSramKB: 64,
        filterSramKB: 64,
        ofmapSramKB: 32,
        clockMHz: 1000,
      },
    };
    const r = acceleratorRecord('c1', cand, { shape: [512, 512, 16], numClasses: 10 }, huge);
    expect(r.feasible).toBe(false);
    expect(r.violations.join()).toMatch(/^accelerator: layer /);
  });

  it('leaves such samples out of the hypervolume frame instead of failing Init', () => {
    const f = hypervolumeFrame(huge, [512, 512, 16], 10);
    expect(f.reference.accuracy).toBe(0.1);
  });
});
