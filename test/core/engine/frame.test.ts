import { expect, it } from 'vitest';
import { hypervolumeFrame } from '../../../core/engine/frame.js';
import { exampleSpec } from '../../../core/spec/parse.js';
import { SearchSpec } from '../../../core/spec/schema.js';

it('fixes the frame from the spec alone: chance-level accuracy, costs from a seeded sample', () => {
  const spec = exampleSpec();
  const a = hypervolumeFrame(spec, [8, 8, 1], 10);
  expect(a).toEqual(hypervolumeFrame(spec, [8, 8, 1], 10));
  expect(a.reference.accuracy).toBeCloseTo(0.1);
  for (const k of ['latencyMs', 'energyMJ', 'areaMM2'] as const) {
    expect(a.reference[k]).toBeGreaterThan(0);
    expect(a.reference[k]).toBeLessThan(100); // far tighter than an absolute frame for 8x8 digits
  }
  // A space of bigger arrays has a larger area reference.
  const big = SearchSpec.parse({
    space: { accelerator: { template: 'systolic', rows: [128], cols: [128] } },
  });
  expect(hypervolumeFrame(big, [8, 8, 1], 10).reference.areaMM2).toBeGreaterThan(a.reference.areaMM2!);
});
