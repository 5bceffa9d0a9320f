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

const KERNELS = new Set([3, 5, 7]);
const EXPANSIONS = new Set([1, 3, 6]);
const BLOCKS = new Set(['mbconv', 'fused-mbconv', 'conv']);

/** Checks the arch's own fields; shape feasibility is checked while walking. */
export function validateArch(arch: NetworkArch): void {
  const bad = (path: string, msg: string): never => {
    throw new InfeasibleArchError(`network.${path}: ${msg}`);
  };
  if (arch.template !== 'mobile-cnn') bad('template', `unknown template "${String(arch.template)}"`);
  if (!Number.isInteger(arch.stemFilters) || arch.stemFilters < 1 || arch.stemFilters > 4096)
    bad('stemFilters', `must be a whole number from 1 to 4096, got ${arch.stemFilters}`);
  if (!Array.isArray(arch.stages) || arch.stages.length < 1 || arch.stages.length > 16)
    bad('stages', 'must list 1 to 16 stages');
  arch.stages.forEach((s, i) => {
    const p = `stages[${i}]`;
    if (!BLOCKS.has(s.block)) bad(`${p}.block`, `unknown block "${String(s.block)}"`);
    if (!KERNELS.has(s.kernel)) bad(`${p}.kernel`, `must be 3, 5 or 7, got ${s.kernel}`);
    if (s.expansion !== undefined && !EXPANSIONS.has(s.expansion))
      bad(`${p}.expansion`, `must be 1, 3 or 6, got ${s.expansion}`);
    if (!Number.isInteger(s.filters) || s.filters < 1 || s.filters > 4096)
      bad(`${p}.filters`, `must be a whole number from 1 to 4096, got ${s.filters}`);
    if (!Number.isInteger(s.layers) || s.layers < 1 || s.layers > 16)
      bad(`${p}.layers`, `must be a whole number from 1 to 16, got ${s.layers}`);
    if (s.stride !== 1 && s.stride !== 2) bad(`${p}.stride`, `must be 1 or 2, got ${s.stride}`);
    if (typeof s.squeezeExcite !== 'boolean') bad(`${p}.squeezeExcite`, 'must be true or false');
  });
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

/** Stem conv, the stages (first layer of each carries its stride), global pool, dense, softmax. */
export function walkMobileCnn<T>(e: Emitter<T>, arch: NetworkArch, input: T, numClasses: number): T {
  validateArch(arch);
  let x = convBnAct(e, input, 'stem', 3, 1, arch.stemFilters, true);
  arch.stages.forEach((st, s) => {
    for (let l = 0; l < st.layers; l++) x = block(e, x, `s${s + 1}_b${l + 1}`, st, l === 0 ? st.stride : 1);
  });
  x = e.globalAvgPool(x, HEAD_POOL);
  x = e.dense(x, HEAD_DENSE, numClasses);
  return e.act(x, 'head_softmax', 'softmax');
}
