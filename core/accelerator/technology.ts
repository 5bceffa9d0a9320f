// The technology tables behind every energy and area figure, with a source for each number.
//
// Precision assumption (as in SCALE-Sim): the hardware computes on 8-bit integer words with
// 32-bit accumulation, so one "word" is one byte; training runs in fp32 and is not modelled here.
// Two built-in nodes: 45 nm (Horowitz's table; the default, so results do not shift unless a spec
// asks) and 22 nm (the 45 nm table scaled with Stillmaker & Baas's fitted factors, and a
// published 22 nm SRAM cell). A spec picks one, or overrides fields of one, with
// `space.accelerator.technology` (TechnologySpec, resolveTechnology). Numbers marked
// "assumption" have no published source: they are our choice, stated so that a user can
// override them.
import { z } from 'zod';
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

/** The 45 nm table (Horowitz): the default. */
export const TECH_45NM = DEFAULT_TECHNOLOGY;

// 45 nm → 22 nm, from A. Stillmaker, B. Baas, "Scaling equations for the accurate prediction of
// CMOS device performance from 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017) 74–81:
// energy per operation of a node at supply V is a·V² + b·V + c with per-node fitted
// coefficients, and area scales by a per-node-pair factor. The paper has 32 and 20 nm rows, not
// 22 nm: 22 nm is interpolated linearly in feature size between them (weight 10/12 on 20 nm).
// Coefficients and factors as tabulated for the paper's 45, 32 and 20 nm rows (taken from a
// public transcription of its tables; check them against the paper before relying on them):
//   45 nm (a, b, c) = (1.103, −0.362, 0.2767); 32 nm (0.9559, −0.7823, 0.471); 20 nm (0.373, −0.1582, 0.04104)
//   area 45→32 nm 0.46, 45→20 nm 0.21.
// Supplies (assumption): 0.9 V for 45 nm (the supply of Horowitz's table) and 0.8 V for 22 nm
// (the predictive 22 nm high-performance model's nominal supply).
const stillmaker = (a: number, b: number, c: number, v: number) => a * v * v + b * v + c;
const W20 = 10 / 12;
/** Energy per operation, 22 nm at 0.8 V over 45 nm at 0.9 V: 0.2038 / 0.8443 = 0.2414. */
export const ENERGY_SCALE_45_TO_22 =
  ((1 - W20) * stillmaker(0.9559, -0.7823, 0.471, 0.8) + W20 * stillmaker(0.373, -0.1582, 0.04104, 0.8)) /
  stillmaker(1.103, -0.362, 0.2767, 0.9);
/** Logic area, 22 nm over 45 nm: (2/12)·0.46 + (10/12)·0.21 = 0.2517. */
export const AREA_SCALE_45_TO_22 = (1 - W20) * 0.46 + W20 * 0.21;

const STILLMAKER =
  'A. Stillmaker, B. Baas, "Scaling equations for the accurate prediction of CMOS device performance from 180 nm to 7 nm", Integration 58 (2017); 45 nm at 0.9 V to 22 nm at 0.8 V, interpolated between the 32 and 20 nm rows';
const e22 = (pj: number) => pj * ENERGY_SCALE_45_TO_22;

/**
 * 22 nm: the 45 nm table's logic and SRAM energies × ENERGY_SCALE_45_TO_22 (SRAM access energy is
 * mostly bit-line and wire capacitance, assumed to scale like logic: an approximation), logic area
 * × AREA_SCALE_45_TO_22, SRAM area from Intel's published 22 nm high-density cell, DRAM unchanged
 * (its energy is the DRAM device's and the interface's, not the accelerator's node).
 */
export const TECH_22NM: TechnologyTable = Object.freeze<TechnologyTable>({
  name: 'stillmaker-22nm-int8',
  macPJ: e22(TECH_45NM.macPJ),
  registerAccessPJ: e22(TECH_45NM.registerAccessPJ),
  registerAccessesPerMac: TECH_45NM.registerAccessesPerMac,
  sramPJPerWord: TECH_45NM.sramPJPerWord.map(([kB, pj]) => [kB, e22(pj)] as const),
  dramPJPerWord: TECH_45NM.dramPJPerWord,
  vectorOpPJ: e22(TECH_45NM.vectorOpPJ),
  macAreaUM2: TECH_45NM.macAreaUM2 * AREA_SCALE_45_TO_22,
  peOverheadFactor: TECH_45NM.peOverheadFactor,
  // 0.092 µm² 6T cell × 8192 bits / 0.7 array efficiency.
  sramAreaMM2PerKB: (0.092 * 8192) / 0.7 / 1e6,
  fixedAreaMM2: TECH_45NM.fixedAreaMM2 * AREA_SCALE_45_TO_22,
  sources: Object.freeze({
    macPJ: `45 nm macPJ × ${ENERGY_SCALE_45_TO_22.toFixed(4)} (${STILLMAKER})`,
    registerAccessPJ: `45 nm registerAccessPJ × ${ENERGY_SCALE_45_TO_22.toFixed(4)} (${STILLMAKER})`,
    registerAccessesPerMac: TECH_45NM.sources.registerAccessesPerMac as string,
    sramPJPerWord: `45 nm sramPJPerWord × ${ENERGY_SCALE_45_TO_22.toFixed(4)} (${STILLMAKER}); assumption: SRAM access energy scales like logic`,
    dramPJPerWord: `${TECH_45NM.sources.dramPJPerWord}; unchanged: DRAM energy is the DRAM device's and the interface's`,
    vectorOpPJ: `45 nm vectorOpPJ × ${ENERGY_SCALE_45_TO_22.toFixed(4)} (${STILLMAKER})`,
    macAreaUM2: `45 nm macAreaUM2 × ${AREA_SCALE_45_TO_22.toFixed(4)} (${STILLMAKER})`,
    peOverheadFactor: TECH_45NM.sources.peOverheadFactor as string,
    sramAreaMM2PerKB:
      'C. Auth et al., "A 22nm high performance and low-power CMOS technology featuring fully-depleted tri-gate transistors, self-aligned contacts and high density MIM capacitors", VLSI Technology 2012: 0.092 µm² high-density SRAM cell; 0.7 array efficiency is an assumption',
    fixedAreaMM2: `assumption: the 45 nm 0.1 mm² × ${AREA_SCALE_45_TO_22.toFixed(4)} (logic area scaling)`,
  }),
});

/** The built-in tables a spec can name. */
export const TECHNOLOGY_NODES = Object.freeze({ '45nm': TECH_45NM, '22nm': TECH_22NM });
export type TechnologyNode = keyof typeof TECHNOLOGY_NODES;
const NODE_NAMES = Object.keys(TECHNOLOGY_NODES) as [TechnologyNode, ...TechnologyNode[]];

const energy = z.number().min(0).max(1e6);
/**
 * `space.accelerator.technology` in a spec: a built-in node, or an object naming a node (`base`,
 * default 45nm) and the fields to replace. Omitted: the 45 nm table (the default).
 */
export const TechnologySpec = z.union(
  [
    z.enum(NODE_NAMES),
    z.strictObject({
      base: z.enum(NODE_NAMES).default('45nm'),
      macPJ: energy.optional(),
      registerAccessPJ: energy.optional(),
      registerAccessesPerMac: z.number().min(0).max(64).optional(),
      sramPJPerWord: z
        .array(
          z.tuple([
            z
              .number()
              .gt(0)
              .max(1 << 30),
            energy,
          ]),
        )
        .min(1)
        .max(32)
        .refine((pts) => pts.every((p, i) => i === 0 || p[0] > (pts[i - 1] as [number, number])[0]), {
          message: '[kB, pJ per word] points in ascending kB',
        })
        .optional(),
      dramPJPerWord: energy.optional(),
      vectorOpPJ: energy.optional(),
      macAreaUM2: z.number().min(0).max(1e9).optional(),
      peOverheadFactor: z.number().min(0).max(1e3).optional(),
      sramAreaMM2PerKB: z.number().min(0).max(1e3).optional(),
      fixedAreaMM2: z.number().min(0).max(1e6).optional(),
    }),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `expected a technology node (${NODE_NAMES.map((n) => `"${n}"`).join(' or ')}) or {base, ...fields to override}`
        : undefined,
  },
);
export type TechnologySpec = z.output<typeof TechnologySpec>;

/** The table a spec's `technology` names: a node, a node with fields replaced, or (absent) the default. */
export function resolveTechnology(spec?: z.input<typeof TechnologySpec>): TechnologyTable {
  if (spec === undefined) return DEFAULT_TECHNOLOGY;
  const t = TechnologySpec.parse(spec);
  if (typeof t === 'string') return TECHNOLOGY_NODES[t];
  const { base, ...fields } = t;
  const table = TECHNOLOGY_NODES[base];
  const overridden = Object.keys(fields).filter((k) => fields[k as keyof typeof fields] !== undefined);
  if (overridden.length === 0) return table;
  const sources: Record<string, string> = { ...table.sources };
  for (const k of overridden) sources[k] = 'spec override (space.accelerator.technology)';
  return technologyTable({
    ...table,
    ...(Object.fromEntries(
      overridden.map((k) => [k, fields[k as keyof typeof fields]]),
    ) as Partial<TechnologyTable>),
    name: `${table.name}+overrides`,
    sources,
  });
}

/**
 * The technology table of a search: its spec's `space.accelerator.technology`, read from a spec
 * object (as stored in spec.json); a bad value throws naming the field.
 */
export function technologyOfSpec(spec: unknown): TechnologyTable {
  const acc = (spec as { space?: { accelerator?: { technology?: unknown } } } | undefined)?.space
    ?.accelerator;
  const raw = acc?.technology;
  if (raw === undefined) return DEFAULT_TECHNOLOGY;
  const r = TechnologySpec.safeParse(raw);
  if (!r.success)
    throw new Error(
      `space.accelerator.technology: ${r.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`,
    );
  return resolveTechnology(r.data);
}

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
  for (let i = 1; i < t.sramPJPerWord.length; i++)
    if (
      (t.sramPJPerWord[i] as readonly [number, number])[0] <=
      (t.sramPJPerWord[i - 1] as readonly [number, number])[0]
    )
      throw new Error('technology.sramPJPerWord needs points in ascending kB');
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
