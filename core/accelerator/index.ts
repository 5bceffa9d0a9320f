// Public entry of the accelerator simulator.
import type { NetworkSummary } from '../network/layers.js';
import type { AcceleratorConfig } from '../space/types.js';
import { peArrayArea, simulatePeArray } from './pe-array.js';
import { peArrayTemplate } from './pe-array-template.js';
import { simulateSystolic, systolicArea, systolicTemplate } from './systolic/template.js';
import { DEFAULT_TECHNOLOGY, type TechnologyTable } from './technology.js';
import type {
  AcceleratorMetrics,
  AcceleratorTemplate,
  DesignFile,
  DesignRun,
  SimulationTier,
} from './types.js';

export type { GemmWork, VectorWork, Work } from './lowering.js';
export { lowerLayer, lowerNetwork } from './lowering.js';
export {
  PE_ARRAY_FIELDS,
  type PeArrayBreakdown,
  type PeArrayConfigFile,
  peArrayBreakdown,
  peArrayDerived,
  toPeArrayConfigFile,
} from './pe-array-io.js';
export {
  type LatencySplit,
  latencySplit,
  parseScaleSimCfg,
  parseTopologyCsv,
  type ScaleSimCfg,
  ScaleSimInputError,
  toScaleSimCfg,
  toTopologyCsv,
} from './scalesim-io.js';
export { AcceleratorConfigSchema, SIMULATOR_LIMITS, SimulationInputError } from './schema.js';
export { type ExactLayerResult, type ExactOptions, exactLayer } from './systolic/exact.js';
export { fastLayer } from './systolic/fast.js';
export type { ConvShape } from './systolic/layer.js';
export type { SystolicLayerResult } from './systolic/result.js';
export {
  DEFAULT_TECHNOLOGY,
  MULTIPLIER_SHARE,
  macAt,
  resolveTechnology,
  TECH_22NM,
  TECH_45NM,
  TECHNOLOGY_NODES,
  type TechnologyNode,
  TechnologySpec,
  type TechnologyTable,
  technologyOfSpec,
  technologyTable,
  technologyTableHash,
  weightBitsOf,
} from './technology.js';
export type * from './types.js';

export interface SimulateOptions {
  /** Replaces the default technology table (energy and area). */
  technology?: TechnologyTable;
}

/** Latency, energy, area and a per-layer breakdown of `network` on `config`. Pure and deterministic. */
export function simulateNetwork(
  network: NetworkSummary,
  config: AcceleratorConfig,
  tier: SimulationTier = 'fast',
  options: SimulateOptions = {},
): AcceleratorMetrics {
  const tech = options.technology ?? DEFAULT_TECHNOLOGY;
  return config.template === 'systolic'
    ? simulateSystolic(network, config, tier, tech)
    : simulatePeArray(network, config, tier, tech);
}

/**
 * The files a template exports for one design (SCALE-Sim's .cfg and topology for systolic, a
 * documented JSON config and per-layer breakdown for pe-array); `run` is the network and the
 * simulation the search recorded for it.
 */
export function designFiles(
  config: AcceleratorConfig,
  runName: string,
  run?: DesignRun,
  technology: TechnologyTable = DEFAULT_TECHNOLOGY,
): DesignFile[] {
  return config.template === 'systolic'
    ? systolicTemplate.exportFiles(config, runName, run, technology)
    : peArrayTemplate.exportFiles(config, runName, run, technology);
}

/** Area in mm² alone (cheap): hard area limits are checked before anything is trained. */
export function acceleratorArea(
  config: AcceleratorConfig,
  technology: TechnologyTable = DEFAULT_TECHNOLOGY,
): number {
  return config.template === 'systolic' ? systolicArea(config, technology) : peArrayArea(config, technology);
}

const TEMPLATES = { systolic: systolicTemplate, 'pe-array': peArrayTemplate } as const;

/**
 * Templates whose datapath computes in integers (8-bit activations, weightBits-bit weights, 32-bit
 * accumulation): their children are scored on the quantized model by default.
 */
export const INTEGER_DATAPATH: Readonly<Record<AcceleratorConfig['template'], boolean>> = Object.freeze({
  systolic: true,
  'pe-array': true,
});

export function getTemplate<N extends AcceleratorConfig['template']>(name: N): (typeof TEMPLATES)[N];
export function getTemplate(name: string): AcceleratorTemplate;
export function getTemplate(name: string): AcceleratorTemplate {
  const t = (TEMPLATES as Record<string, AcceleratorTemplate | undefined>)[name];
  if (!t)
    throw new Error(`unknown accelerator template "${name}": use ${Object.keys(TEMPLATES).join(' or ')}`);
  return t;
}
