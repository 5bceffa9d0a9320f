// The `mobile-cnn` template walked once, generically: the same walk yields the analytic layer list
// (summary.ts) and the tfjs model (build.ts), so the two cannot drift apart.
import type { NetworkArch, StageArch } from '../space/types.js';

/** The architecture cannot be built for this input (e.g. a stride on a 1×1 map). */
export class InfeasibleArchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InfeasibleArchError';
  }
}

export type Activation = 'relu' | 'sigmoid' | 'softmax';

/** One backend of the walk: T is whatever stands for a tensor (a shape, a SymbolicTensor). */
export interface Emitter<T> {
  conv(x: T, name: string, kernel: number, stride: number, filters: number, bias: boolean): T;
  depthwise(x: T, name: string, kernel: number, stride: number): T;
  batchnorm(x: T, name: string): T;
  act(x: T, name: string, fn: Activation): T;
  add(a: T, b: T, name: string): T;
  globalAvgPool(x: T, name: string): T;
  dense(x: T, name: string, units: number): T;
  /** x [h,w,c] scaled channel-wise by s [c] (squeeze-excite). */
  scale(x: T, s: T, name: string): T;
  channels(x: T): number;
}

/** What an arch's optional stem and width fields mean when absent: today's fixed 3×3 stride-1 stem, filters as given. */
export const ARCH_DEFAULTS = { stemKernel: 3, stemStride: 1, widthMultiplier: 1 } as const;

/** Largest width multiplier (the spec's and an arch file's bound). */
export const MAX_WIDTH_MULTIPLIER = 4;

/** Largest channel count of any layer (stemFilters and filters, after the width multiplier). */
const MAX_CHANNELS = 4096;

/**
 * Channels of a layer of `channels` filters under a width multiplier, MobileNet's rule
 * (`_make_divisible(c·m, 8)`): the nearest multiple of 8, at least 8, raised by 8 when rounding
 * lost more than 10%. A multiplier of 1 keeps `channels` as given (even when not a multiple of 8),
 * so an arch with multiplier 1 is the same network as one without it.
 */
export function scaledWidth(channels: number, multiplier: number): number {
  if (multiplier === 1) return channels;
  const v = channels * multiplier;
  let out = Math.max(8, Math.floor((v + 4) / 8) * 8);
  if (out < 0.9 * v) out += 8;
  return out;
}

const KERNELS = new Set([3, 5, 7]);
const EXPANSIONS = new Set([1, 3, 6]);
const BLOCKS = new Set(['mbconv', 'fused-mbconv', 'conv']);

/** Checks the arch's own fields; shape feasibility is checked while walking. */
export function validateArch(arch: NetworkArch): void {
  const bad = (path: string, msg: string): never => {
    throw new InfeasibleArchError(`network.${path}: ${msg}`);
  };
  if (arch.template !== 'mobile-cnn') bad('template', `unknown template "${String(arch.template)}"`);
  if (!Number.isInteger(arch.stemFilters) || arch.stemFilters < 1 || arch.stemFilters > MAX_CHANNELS)
    bad('stemFilters', `must be a whole number from 1 to ${MAX_CHANNELS}, got ${arch.stemFilters}`);
  if (arch.stemKernel !== undefined && !KERNELS.has(arch.stemKernel))
    bad('stemKernel', `must be 3, 5 or 7, got ${arch.stemKernel}`);
  if (arch.stemStride !== undefined && arch.stemStride !== 1 && arch.stemStride !== 2)
    bad('stemStride', `must be 1 or 2, got ${arch.stemStride}`);
  const m = arch.widthMultiplier;
  if (m !== undefined && !(typeof m === 'number' && m > 0 && m <= MAX_WIDTH_MULTIPLIER))
    bad('widthMultiplier', `must be above 0 and at most ${MAX_WIDTH_MULTIPLIER}, got ${m}`);
  if (!Array.isArray(arch.stages) || arch.stages.length < 1 || arch.stages.length > 16)
    bad('stages', 'must list 1 to 16 stages');
  arch.stages.forEach((s, i) => {
    const p = `stages[${i}]`;
    if (!BLOCKS.has(s.block)) bad(`${p}.block`, `unknown block "${String(s.block)}"`);
    if (!KERNELS.has(s.kernel)) bad(`${p}.kernel`, `must be 3, 5 or 7, got ${s.kernel}`);
    if (s.expansion !== undefined && !EXPANSIONS.has(s.expansion))
      bad(`${p}.expansion`, `must be 1, 3 or 6, got ${s.expansion}`);
    if (!Number.isInteger(s.filters) || s.filters < 1 || s.filters > MAX_CHANNELS)
      bad(`${p}.filters`, `must be a whole number from 1 to ${MAX_CHANNELS}, got ${s.filters}`);
    if (!Number.isInteger(s.layers) || s.layers < 1 || s.layers > 16)
      bad(`${p}.layers`, `must be a whole number from 1 to 16, got ${s.layers}`);
    if (s.stride !== 1 && s.stride !== 2) bad(`${p}.stride`, `must be 1 or 2, got ${s.stride}`);
    if (typeof s.squeezeExcite !== 'boolean') bad(`${p}.squeezeExcite`, 'must be true or false');
  });
  const mult = m ?? ARCH_DEFAULTS.widthMultiplier;
  for (const [path, c] of [
    ['stemFilters', arch.stemFilters] as const,
    ...arch.stages.map((s, i) => [`stages[${i}].filters`, s.filters] as const),
  ])
    if (scaledWidth(c, mult) > MAX_CHANNELS)
      bad(
        path,
        `${c} × widthMultiplier ${mult} gives ${scaledWidth(c, mult)} channels, above ${MAX_CHANNELS}`,
      );
}

/** Squeeze-excite bottleneck width: a quarter of the block's input channels (EfficientNet). */
export function seWidth(blockInChannels: number): number {
  return Math.max(1, Math.floor(blockInChannels / 4));
}

function convBnAct<T>(
  e: Emitter<T>,
  x: T,
  name: string,
  k: number,
  stride: number,
  filters: number,
  act: boolean,
): T {
  let y = e.conv(x, `${name}_conv`, k, stride, filters, false);
  y = e.batchnorm(y, `${name}_bn`);
  return act ? e.act(y, `${name}_relu`, 'relu') : y;
}

function squeezeExcite<T>(e: Emitter<T>, x: T, name: string, blockIn: number): T {
  const c = e.channels(x);
  let s = e.globalAvgPool(x, `${name}_se_pool`);
  s = e.dense(s, `${name}_se_reduce`, seWidth(blockIn));
  s = e.act(s, `${name}_se_relu`, 'relu');
  s = e.dense(s, `${name}_se_expand`, c);
  s = e.act(s, `${name}_se_sigmoid`, 'sigmoid');
  return e.scale(x, s, `${name}_se_scale`);
}

function block<T>(e: Emitter<T>, x: T, name: string, st: StageArch, stride: number): T {
  const inC = e.channels(x);
  const k = st.kernel;
  const exp = st.expansion ?? 1;
  let y: T;
  if (st.block === 'conv') {
    y = convBnAct(e, x, name, k, stride, st.filters, true);
    if (st.squeezeExcite) y = squeezeExcite(e, y, name, inC);
    return y;
  }
  if (st.block === 'mbconv') {
    y = exp > 1 ? convBnAct(e, x, `${name}_expand`, 1, 1, inC * exp, true) : x;
    y = e.depthwise(y, `${name}_dw`, k, stride);
    y = e.batchnorm(y, `${name}_dw_bn`);
    y = e.act(y, `${name}_dw_relu`, 'relu');
  } else {
    // fused-mbconv: the expand conv and the depthwise conv fused into one k×k conv.
    y = exp > 1 ? convBnAct(e, x, `${name}_fused`, k, stride, inC * exp, true) : x;
    if (exp === 1) y = convBnAct(e, x, `${name}_fused`, k, stride, st.filters, true);
  }
  if (st.squeezeExcite) y = squeezeExcite(e, y, name, inC);
  if (st.block === 'mbconv' || exp > 1) y = convBnAct(e, y, `${name}_project`, 1, 1, st.filters, false);
  if (stride === 1 && inC === st.filters) y = e.add(x, y, `${name}_add`);
  return y;
}

/** Layer names of the head: the pooled features and the classifier. */
export const HEAD_POOL = 'head_pool';
export const HEAD_DENSE = 'head_dense';

/**
 * Stem conv, the stages (first layer of each carries its stride), global pool, dense, softmax.
 * The width multiplier is applied here, once, so the summary, the tfjs model and the supernet
 * see the same channel counts.
 */
export function walkMobileCnn<T>(e: Emitter<T>, arch: NetworkArch, input: T, numClasses: number): T {
  validateArch(arch);
  const m = arch.widthMultiplier ?? ARCH_DEFAULTS.widthMultiplier;
  const stemK = arch.stemKernel ?? ARCH_DEFAULTS.stemKernel;
  const stemS = arch.stemStride ?? ARCH_DEFAULTS.stemStride;
  let x = convBnAct(e, input, 'stem', stemK, stemS, scaledWidth(arch.stemFilters, m), true);
  arch.stages.forEach((st0, s) => {
    const st = m === 1 ? st0 : { ...st0, filters: scaledWidth(st0.filters, m) };
    for (let l = 0; l < st.layers; l++) x = block(e, x, `s${s + 1}_b${l + 1}`, st, l === 0 ? st.stride : 1);
  });
  x = e.globalAvgPool(x, HEAD_POOL);
  x = e.dense(x, HEAD_DENSE, numClasses);
  return e.act(x, 'head_softmax', 'softmax');
}
