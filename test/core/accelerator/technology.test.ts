// The technology tables: the default is the 45 nm table results were recorded with, 22 nm is
// the documented scaling of it, and a spec picks or overrides one for every simulation of a search.
import { describe, expect, it } from 'vitest';
import { simulateNetwork } from '../../../core/accelerator/index.js';
import {
  AREA_SCALE_45_TO_22,
  DEFAULT_TECHNOLOGY,
  ENERGY_SCALE_45_TO_22,
  resolveTechnology,
  TECH_22NM,
  TECH_45NM,
  TECHNOLOGY_NODES,
  type TechnologyTable,
  technologyOfSpec,
  technologyTableHash,
} from '../../../core/accelerator/technology.js';
import { hypervolumeFrame } from '../../../core/engine/frame.js';
import { acceleratorRecord } from '../../../core/engine/simulate.js';
import { DEFAULT_ARCH } from '../../../core/network/defaults.js';
import { SearchSpec } from '../../../core/spec/schema.js';
import { PE_ARRAY, SYSTOLIC, tinyNetwork } from './fixtures.js';

const numericFields = (t: TechnologyTable) =>
  Object.keys(t).filter((k) => k !== 'name' && k !== 'sources') as (keyof TechnologyTable)[];

describe('built-in tables', () => {
  it('the default is the 45 nm table, unchanged (results recorded with it keep their figures)', () => {
    expect(TECH_45NM).toBe(DEFAULT_TECHNOLOGY);
    expect(resolveTechnology()).toBe(DEFAULT_TECHNOLOGY);
    expect(resolveTechnology('45nm')).toBe(DEFAULT_TECHNOLOGY);
    // The table's hash before the 22 nm table existed: a change here shifts every recorded result.
    expect(technologyTableHash(DEFAULT_TECHNOLOGY)).toBe('69b4cb7dca27ba2d');
  });

  it('every number of every table has a source', () => {
    for (const t of Object.values(TECHNOLOGY_NODES))
      for (const k of numericFields(t)) expect(t.sources[k], `${t.name}.${k}`).toMatch(/\w/);
  });

  it('22 nm scales the 45 nm energies and logic area by the stated factors, keeps DRAM, and uses a 22 nm SRAM cell', () => {
    expect(ENERGY_SCALE_45_TO_22).toBeCloseTo(0.2414, 4);
    expect(AREA_SCALE_45_TO_22).toBeCloseTo(0.2517, 4);
    expect(TECH_22NM.macPJ).toBeCloseTo(TECH_45NM.macPJ * ENERGY_SCALE_45_TO_22, 15);
    expect(TECH_22NM.vectorOpPJ).toBeCloseTo(TECH_45NM.vectorOpPJ * ENERGY_SCALE_45_TO_22, 15);
    TECH_22NM.sramPJPerWord.forEach(([kB, pj], i) => {
      const [kB45, pj45] = TECH_45NM.sramPJPerWord[i] as readonly [number, number];
      expect(kB).toBe(kB45);
      expect(pj).toBeCloseTo(pj45 * ENERGY_SCALE_45_TO_22, 15);
    });
    expect(TECH_22NM.dramPJPerWord).toBe(TECH_45NM.dramPJPerWord);
    expect(TECH_22NM.macAreaUM2).toBeCloseTo(TECH_45NM.macAreaUM2 * AREA_SCALE_45_TO_22, 12);
    // 0.092 µm² against 45 nm's 0.346 µm² cell, same array efficiency.
    expect(TECH_22NM.sramAreaMM2PerKB / TECH_45NM.sramAreaMM2PerKB).toBeCloseTo(0.092 / 0.346, 3);
  });

  it('a design at 22 nm takes the same cycles, less energy and less area', () => {
    for (const acc of [SYSTOLIC, PE_ARRAY]) {
      const a = simulateNetwork(tinyNetwork(), acc, 'exact');
      const b = simulateNetwork(tinyNetwork(), acc, 'exact', { technology: TECH_22NM });
      expect(b.latencyCycles).toBe(a.latencyCycles);
      expect(b.energyMJ).toBeLessThan(a.energyMJ);
      expect(b.areaMM2).toBeLessThan(0.5 * a.areaMM2);
      expect(b.technologyHash).toBe(technologyTableHash(TECH_22NM));
    }
  });
});

describe('space.accelerator.technology', () => {
  it('names a node, or a node with fields overridden (named, hashed and sourced as overrides)', () => {
    expect(resolveTechnology('22nm')).toBe(TECH_22NM);
    expect(resolveTechnology({ base: '22nm' })).toBe(TECH_22NM);
    const t = resolveTechnology({ base: '22nm', dramPJPerWord: 100, sramPJPerWord: [[64, 1]] });
    expect(t).toMatchObject({
      name: 'stillmaker-22nm-int8+overrides',
      dramPJPerWord: 100,
      sramPJPerWord: [[64, 1]],
      macPJ: TECH_22NM.macPJ,
    });
    expect(t.sources.dramPJPerWord).toMatch(/spec override/);
    expect(t.sources.macPJ).toBe(TECH_22NM.sources.macPJ);
    expect(technologyTableHash(t)).not.toBe(technologyTableHash(TECH_22NM));
    // base defaults to 45 nm.
    expect(resolveTechnology({ macPJ: 1 })).toMatchObject({
      macPJ: 1,
      dramPJPerWord: TECH_45NM.dramPJPerWord,
    });
  });

  it('is validated by the spec schema, with messages that name the field', () => {
    const parse = (technology: unknown) =>
      SearchSpec.safeParse({ space: { accelerator: { template: 'pe-array', technology } } });
    expect(parse('22nm').success).toBe(true);
    expect(parse({ base: '45nm', macAreaUM2: 300 }).success).toBe(true);
    for (const [bad, msg] of [
      ['7nm', /technology node \("45nm" or "22nm"\)/],
      [{ macPJ: -1 }, /too small|>=0/i],
      [
        {
          sramPJPerWord: [
            [32, 1],
            [8, 2],
          ],
        },
        /ascending kB/,
      ],
      [{ clock: 5 }, /unrecognized|clock/i],
    ] as const) {
      const r = parse(bad);
      expect(r.success, JSON.stringify(bad)).toBe(false);
      const issues = r.error?.issues ?? [];
      expect(issues.map((i) => i.path.join('.')).join()).toMatch(/space\.accelerator\.technology/);
      expect(issues.map((i) => i.message).join()).toMatch(msg);
    }
    expect(() => technologyOfSpec({ space: { accelerator: { technology: '7nm' } } })).toThrow(
      /space\.accelerator\.technology/,
    );
  });

  it("reaches every simulation of a search: SimulateAccelerator's record and the hypervolume frame", () => {
    const spec = (technology?: string) =>
      SearchSpec.parse({
        space: {
          accelerator: { template: 'systolic', rows: [8], cols: [8], ...(technology ? { technology } : {}) },
        },
      });
    const cand = { network: DEFAULT_ARCH, accelerator: { ...SYSTOLIC } };
    const base = acceleratorRecord('c', cand, { shape: [8, 8, 1], numClasses: 10 }, spec());
    expect(base.violations).toEqual([]);
    const at22 = acceleratorRecord('c', cand, { shape: [8, 8, 1], numClasses: 10 }, spec('22nm'));
    expect(at22.metrics?.latencyCycles).toBe(base.metrics?.latencyCycles);
    expect(at22.metrics?.energyMJ).toBeLessThan(base.metrics?.energyMJ as number);
    expect(at22.metrics?.areaMM2).toBeLessThan(base.metrics?.areaMM2 as number);
    const f45 = hypervolumeFrame(spec(), [8, 8, 1], 10);
    const f22 = hypervolumeFrame(spec('22nm'), [8, 8, 1], 10);
    expect(f22.reference.areaMM2).toBeLessThan(f45.reference.areaMM2 as number);
  });
});
