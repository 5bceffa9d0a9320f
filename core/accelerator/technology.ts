// The one technology table behind every energy and area figure, with a source for each number.
//
// Precision assumption (as in SCALE-Sim): the hardware computes on 8-bit integer words with
// 32-bit accumulation, so one "word" is one byte; training runs in fp32 and is not modelled here.
// Node: 45 nm, the node of Horowitz's table. Numbers marked "assumption" have no published
// source: they are our choice, stated so that a user can override them.
import { hashOf } from '../hash.js';

export interface TechnologyTable {
  name: string;
  /** Energy of one int8 multiply + int32 accumulate, pJ. */
  macPJ: number;
  /** Energy of one PE register-file / pipeline-register access, pJ. */
  registerAccessPJ: number;
  /** Register accesses per MAC inside a PE (ifmap, weight, partial sum). */
  registerAccessesPerMac: number;
  /** SRAM read energy per 8-bit word at given capacities: [kB, pJ/word], ascending kB. */
  sramPJPerWord: ReadonlyArray<readonly [number, number]>;
  /** DRAM access energy per 8-bit word, pJ. */
  dramPJPerWord: number;
  /** One element-wise vector operation (int32 add class), pJ. */
  vectorOpPJ: number;
  /** Area of one int8 multiplier + int32 adder, µm². */
  macAreaUM2: number;
  /** Multiplier on MAC area for a PE's registers and control. */
  peOverheadFactor: number;
  /** SRAM area, mm² per kB. */
  sramAreaMM2PerKB: number;
  /** Control, I/O and interconnect, mm². */
  fixedAreaMM2: number;
  /** Where each number comes from. */
  sources: Readonly<Record<string, string>>;
}

const HOROWITZ =
  'M. Horowitz, "Computing\'s energy problem (and what we can do about it)", ISSCC 2014, 45 nm tables';
const EYERISS =
  'Y.-H. Chen, J. Emer, V. Sze, "Eyeriss: a spatial architecture for energy-efficient dataflow for CNNs", ISCA 2016 (normalized energy: RF 1x, array 2x, buffer 6x, DRAM 200x of a MAC)';

export const DEFAULT_TECHNOLOGY: TechnologyTable = Object.freeze<TechnologyTable>({
  name: 'horowitz-45nm-int8',
  macPJ: 0.3,
  registerAccessPJ: 0.3,
  registerAccessesPerMac: 3,
  // 64-bit reads of 10 / 20 / 100 pJ for 8 kB / 32 kB / 1 MB, divided by 8 words.
  sramPJPerWord: [
    [8, 1.25],
    [32, 2.5],
    [1024, 12.5],
  ],
  // 1.3–2.6 nJ per 64-bit DRAM access; the midpoint, divided by 8 words.
  dramPJPerWord: 243.75,
  vectorOpPJ: 0.1,
  macAreaUM2: 419,
  peOverheadFactor: 1.5,
  // 0.346 µm² 6T cell × 8192 bits / 0.7 array efficiency.
  sramAreaMM2PerKB: 0.00405,
  fixedAreaMM2: 0.1,
  sources: Object.freeze({
    macPJ: `${HOROWITZ}: 8-bit multiply 0.2 pJ + 32-bit add 0.1 pJ`,
    registerAccessPJ: `${EYERISS}: a register-file access costs about one MAC`,
    registerAccessesPerMac: 'assumption: one ifmap, one weight and one partial-sum register access per MAC',
    sramPJPerWord: `${HOROWITZ}: 64-bit SRAM read 10 pJ (8 kB), 20 pJ (32 kB), 100 pJ (1 MB); log-log interpolated`,
    dramPJPerWord: `${HOROWITZ}: DRAM 1.3–2.6 nJ per 64-bit access (midpoint)`,
    vectorOpPJ: `${HOROWITZ}: 32-bit integer add 0.1 pJ`,
    macAreaUM2: `${HOROWITZ}: area of 8-bit multiplier 282 µm² + 32-bit adder 137 µm²`,
    peOverheadFactor: 'assumption: registers and control add half the MAC area',
    sramAreaMM2PerKB:
      'K. Mistry et al., "A 45nm logic technology ...", IEDM 2007: 0.346 µm² SRAM cell; 0.7 array efficiency is an assumption',
    fixedAreaMM2: 'assumption: 0.1 mm² of control, I/O and interconnect',
  }),
});

/** Bits per weight of an accelerator config: absent means the table's 8-bit words. */
export function weightBitsOf(c: { weightBits?: number }): number {
  return c.weightBits ?? 8;
}

/**
 * The 8-bit multiplier's share of the table's MAC (8×8-bit multiply + 32-bit add): 0.2 of 0.3 pJ
 * and 282 of 419 µm² in Horowitz's 45 nm table; assumed the same share for other tables.
 */
export const MULTIPLIER_SHARE = Object.freeze({ energy: 0.2 / 0.3, area: 282 / 419 });

/**
 * One MAC with `weightBits`-bit weights and 8-bit activations. An array multiplier has one
 * partial product per pair of operand bits, so its energy and area scale with weightBits × 8
 * (first-order; Horowitz's 8- and 32-bit multipliers scale about quadratically); the 32-bit
 * accumulator does not shrink. 8 bits gives the table's figures exactly.
 */
export function macAt(
  weightBits: number,
  tech: TechnologyTable = DEFAULT_TECHNOLOGY,
): { pj: number; areaUM2: number } {
  if (weightBits === 8) return { pj: tech.macPJ, areaUM2: tech.macAreaUM2 };
  const f = weightBits / 8;
  return {
    pj: tech.macPJ * (1 - MULTIPLIER_SHARE.energy + MULTIPLIER_SHARE.energy * f),
    areaUM2: tech.macAreaUM2 * (1 - MULTIPLIER_SHARE.area + MULTIPLIER_SHARE.area * f),
  };
}

/** The default table with some fields replaced; unknown fields are the caller's problem (typed). */
export function technologyTable(overrides: Partial<TechnologyTable> = {}): TechnologyTable {
  const t = { ...DEFAULT_TECHNOLOGY, ...overrides };
  if (t.sramPJPerWord.length === 0) throw new Error('technology.sramPJPerWord needs at least one point');
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0))
      throw new Error(`technology.${k} must be a finite number >= 0, got ${v}`);
  }
  return t;
}

/** Stable hash of a table (sources included), recorded with results. */
let defaultHash: string | undefined;

export function technologyTableHash(table: TechnologyTable = DEFAULT_TECHNOLOGY): string {
  if (table === DEFAULT_TECHNOLOGY) {
    defaultHash ??= hashOf(table);
    return defaultHash;
  }
  return hashOf(table);
}

/** SRAM energy per word for a buffer of `kB`: log-log interpolation, end slopes extrapolated. */
export function sramPJPerWord(kB: number, table: TechnologyTable = DEFAULT_TECHNOLOGY): number {
  const pts = table.sramPJPerWord;
  const first = pts[0];
  if (!first) throw new Error('technology.sramPJPerWord is empty');
  if (pts.length === 1 || kB <= 0) return first[1];
  let i = 0;
  while (i < pts.length - 2 && kB > (pts[i + 1] as readonly [number, number])[0]) i++;
  const [k0, e0] = pts[i] as readonly [number, number];
  const [k1, e1] = pts[i + 1] as readonly [number, number];
  const slope = Math.log(e1 / e0) / Math.log(k1 / k0);
  return e0 * Math.exp(slope * Math.log(kB / k0));
}
