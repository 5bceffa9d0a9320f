// Registers a ConvImpl's kernels over the tfjs cpu backend's, keeping the originals to fall back
// to (unusual layouts, dilations, depth multipliers) and to restore on uninstall.
import type {
  GradConfig,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  Tensor,
  TensorInfo,
} from '@tensorflow/tfjs';
import type { KernelPack, Tf } from '../backend.js';
import { setActiveBatchNorm } from './batchnorm.js';
import type { ConvGeom, ConvImpl } from './conv-impl.js';
import { ELEMENTWISE_KERNELS, elementwiseKernel, meanGradKernel, reluGradKernel } from './elementwise.js';
import { setFusedOps } from './fused.js';
import {
  CONV_BIAS_ACT,
  type ConvBiasActAttrs,
  DEPTHWISE_BIAS_ACT,
  fusedConvGradients,
  RELU_GRAD,
} from './fused-conv.js';
import { matMulKernels } from './matmul.js';
import type { OutputArrays } from './pool.js';
import {
  SOFTMAX_XENT,
  SOFTMAX_XENT_GRAD,
  softmaxXentGradient,
  softmaxXentGradKernel,
  softmaxXentKernel,
} from './softmax-xent.js';

/** Mean's gradient in one pass (tfjs fills a tensor of ones as large as x, multiplies, divides). */
const MEAN_GRAD = 'CosearchMeanGrad';

/** Mean's reduced axes of an x of `rank`, sorted, when they are contiguous (else undefined). */
function contiguousAxes(axis: unknown, rank: number): number[] | undefined {
  const list =
    axis === undefined || axis === null
      ? Array.from({ length: rank }, (_, i) => i)
      : (Array.isArray(axis) ? (axis as number[]) : [axis as number]).map((a) => (a < 0 ? a + rank : a));
  const sorted = [...new Set(list)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.some((a, i) => a !== sorted[0]! + i || a < 0 || a >= rank))
    return undefined;
  return sorted;
}

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number;

interface CpuBackend {
  data: { get(id: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

export const KERNEL_NAMES = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNative',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
] as const;
type KernelName = (typeof KERNEL_NAMES)[number];

function values(backend: CpuBackend, t: TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (!(v instanceof Float32Array)) throw new Error('fast conv kernels expect float32 tensors');
  return v;
}

function pair(v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0]!, a[1]!];
}

/** Only the layouts the loops handle: NHWC, no dilation, and a padding mode tfjs can resolve. */
function plain(attrs: NamedAttrMap): boolean {
  const fmt = attrs.dataFormat as string | undefined;
  if (fmt !== undefined && fmt !== 'NHWC' && fmt !== 'channelsLast') return false;
  const d = attrs.dilations;
  if (d !== undefined && d !== null && pair(d).some((x) => x !== 1)) return false;
  const pad = attrs.pad;
  return pad === 'same' || pad === 'valid' || typeof pad === 'number';
}

function geom(
  tf: Tf,
  inShape: Shape4,
  filterShape: Shape4,
  attrs: NamedAttrMap,
  depthwise: boolean,
): ConvGeom {
  const info = tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    pair(attrs.strides),
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function kernelFuncs(
  tf: Tf,
  impl: ConvImpl,
  orig: Map<KernelName, KernelFunc>,
): Record<KernelName | typeof CONV_BIAS_ACT | typeof DEPTHWISE_BIAS_ACT, KernelFunc> {
  const fallback = (name: KernelName, args: Parameters<KernelFunc>[0]) => {
    const f = orig.get(name);
    if (!f) throw new Error(`no fallback kernel for ${name}`);
    return f(args);
  };
  const out = (b: CpuBackend, shape: number[], v: Float32Array): TensorInfo =>
    b.makeTensorInfo(shape, 'float32', v);
  const conv =
    (name: 'Conv2D' | 'FusedConv2D'): KernelFunc =>
    (args) => {
      const { inputs } = args;
      const attrs = args.attrs ?? {};
      const b = args.backend as unknown as CpuBackend;
      const act = (attrs.activation as string | undefined) ?? 'linear';
      if (!plain(attrs) || (act !== 'linear' && act !== 'relu') || inputs.preluActivationWeights)
        return fallback(name, args);
      const x = inputs.x!;
      const w = inputs.filter!;
      const g = geom(tf, x.shape as Shape4, w.shape as Shape4, attrs, false);
      const bias = inputs.bias;
      if (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.outC)) return fallback(name, args);
      const e = { bias: bias && values(b, bias), relu: act === 'relu' };
      return out(b, [g.batch, g.outH, g.outW, g.outC], impl.conv2d(values(b, x), values(b, w), g, e));
    };
  /** The fused training ops of fused-conv.ts (attrs from there, so always a plain layout). */
  const biasAct =
    (depthwise: boolean): KernelFunc =>
    (args) => {
      const { inputs } = args;
      const attrs = args.attrs as unknown as ConvBiasActAttrs;
      const b = args.backend as unknown as CpuBackend;
      const x = inputs.x!;
      const w = inputs.filter!;
      const g = geom(tf, x.shape as Shape4, w.shape as Shape4, args.attrs ?? {}, depthwise);
      const bias = inputs.bias;
      if (bias && (bias.shape.length !== 1 || bias.shape[0] !== g.outC))
        throw new Error(`bias of shape [${bias.shape}] for ${g.outC} output channels`);
      if (depthwise && w.shape[3] !== 1)
        throw new Error('fused depthwise conv needs a depth multiplier of 1');
      const e = { bias: bias && values(b, bias), relu: attrs.relu };
      const y = (depthwise ? impl.depthwise : impl.conv2d)(values(b, x), values(b, w), g, e);
      return out(b, [g.batch, g.outH, g.outW, g.outC], y);
    };
  return {
    [CONV_BIAS_ACT]: biasAct(false),
    [DEPTHWISE_BIAS_ACT]: biasAct(true),
    Conv2D: conv('Conv2D'),
    FusedConv2D: conv('FusedConv2D'),
    Conv2DBackpropInput: (args) => {
      const { inputs } = args;
      const attrs = args.attrs ?? {};
      const b = args.backend as unknown as CpuBackend;
      if (!plain(attrs)) return fallback('Conv2DBackpropInput', args);
      const w = inputs.filter!;
      const inShape = attrs.inputShape as Shape4;
      const g = geom(tf, inShape, w.shape as Shape4, attrs, false);
      return out(b, [...inShape], impl.conv2dBackpropInput(values(b, inputs.dy!), values(b, w), g));
    },
    Conv2DBackpropFilter: (args) => {
      const { inputs } = args;
      const attrs = args.attrs ?? {};
      const b = args.backend as unknown as CpuBackend;
      if (!plain(attrs)) return fallback('Conv2DBackpropFilter', args);
      const x = inputs.x!;
      const fShape = attrs.filterShape as Shape4;
      const g = geom(tf, x.shape as Shape4, fShape, attrs, false);
      return out(b, [...fShape], impl.conv2dBackpropFilter(values(b, x), values(b, inputs.dy!), g));
    },
    DepthwiseConv2dNative: (args) => {
      const { inputs } = args;
      const attrs = args.attrs ?? {};
      const b = args.backend as unknown as CpuBackend;
      const x = inputs.x!;
      const w = inputs.filter!;
      if (!plain(attrs) || w.shape[3] !== 1) return fallback('DepthwiseConv2dNative', args);
      const g = geom(tf, x.shape as Shape4, w.shape as Shape4, attrs, true);
      return out(b, [g.batch, g.outH, g.outW, g.outC], impl.depthwise(values(b, x), values(b, w), g));
    },
    DepthwiseConv2dNativeBackpropInput: (args) => {
      const { inputs } = args;
      const attrs = args.attrs ?? {};
      const b = args.backend as unknown as CpuBackend;
      const w = inputs.filter!;
      if (!plain(attrs) || w.shape[3] !== 1) return fallback('DepthwiseConv2dNativeBackpropInput', args);
      const inShape = attrs.inputShape as Shape4;
      const g = geom(tf, inShape, w.shape as Shape4, attrs, true);
      return out(b, [...inShape], impl.depthwiseBackpropInput(values(b, inputs.dy!), values(b, w), g));
    },
    DepthwiseConv2dNativeBackpropFilter: (args) => {
      const { inputs } = args;
      const attrs = args.attrs ?? {};
      const b = args.backend as unknown as CpuBackend;
      const fShape = attrs.filterShape as Shape4;
      if (!plain(attrs) || fShape[3] !== 1) return fallback('DepthwiseConv2dNativeBackpropFilter', args);
      const x = inputs.x!;
      const g = geom(tf, x.shape as Shape4, fShape, attrs, true);
      return out(b, [...fShape], impl.depthwiseBackpropFilter(values(b, x), values(b, inputs.dy!), g));
    },
  };
}

/** A KernelPack that puts impl's conv kernels and the batch-norm fast paths in place of the cpu backend's. */
export function convKernelPack(
  name: string,
  loadImpl: () => Promise<ConvImpl | undefined>,
  unavailableReason?: () => string | undefined,
): KernelPack {
  let saved: KernelConfig[] = [];
  let reluGrad: GradConfig | undefined;
  let meanGrad: GradConfig | undefined;
  let pool: OutputArrays | undefined;
  return {
    name,
    unavailableReason,
    async install(tf) {
      if (saved.length > 0) return true;
      const impl = await loadImpl();
      if (!impl) return false;
      const orig = new Map<KernelName, KernelFunc>();
      saved = [];
      for (const k of KERNEL_NAMES) {
        const cfg = tf.getKernel(k, 'cpu');
        if (!cfg) continue;
        saved.push(cfg);
        orig.set(k, cfg.kernelFunc);
      }
      const funcs = kernelFuncs(tf, impl, orig);
      for (const k of KERNEL_NAMES) {
        if (orig.has(k)) tf.unregisterKernel(k, 'cpu');
        tf.registerKernel({ kernelName: k, backendName: 'cpu', kernelFunc: funcs[k] });
      }
      for (const k of [CONV_BIAS_ACT, DEPTHWISE_BIAS_ACT] as const)
        tf.registerKernel({ kernelName: k, backendName: 'cpu', kernelFunc: funcs[k] });
      tf.registerKernel({ kernelName: SOFTMAX_XENT, backendName: 'cpu', kernelFunc: softmaxXentKernel });
      tf.registerKernel({
        kernelName: SOFTMAX_XENT_GRAD,
        backendName: 'cpu',
        kernelFunc: softmaxXentGradKernel,
      });
      for (const g of [...fusedConvGradients(tf), softmaxXentGradient(tf)]) tf.registerGradient(g);
      setFusedOps(tf);
      const mm = impl.matmul;
      if (mm) {
        const stock = {
          BatchMatMul: tf.getKernel('BatchMatMul', 'cpu'),
          _FusedMatMul: tf.getKernel('_FusedMatMul', 'cpu'),
        };
        if (stock.BatchMatMul && stock._FusedMatMul) {
          const funcs = matMulKernels(mm, {
            BatchMatMul: stock.BatchMatMul.kernelFunc,
            _FusedMatMul: stock._FusedMatMul.kernelFunc,
          });
          for (const k of ['BatchMatMul', '_FusedMatMul'] as const) {
            saved.push(stock[k]!);
            tf.unregisterKernel(k, 'cpu');
            tf.registerKernel({ kernelName: k, backendName: 'cpu', kernelFunc: funcs[k] });
          }
        }
      }
      for (const k of ELEMENTWISE_KERNELS) {
        const cfg = tf.getKernel(k, 'cpu');
        if (!cfg) continue;
        saved.push(cfg);
        tf.unregisterKernel(k, 'cpu');
        tf.registerKernel({
          kernelName: k,
          backendName: 'cpu',
          kernelFunc: elementwiseKernel(k, cfg.kernelFunc, impl.elementwise),
        });
      }
      tf.registerKernel({
        kernelName: RELU_GRAD,
        backendName: 'cpu',
        kernelFunc: reluGradKernel(impl.elementwise),
      });
      // The gradient registry is shared by all backends: anything but float32 on cpu keeps tfjs's.
      const stock = tf.getGradient('Relu');
      reluGrad = stock;
      tf.registerGradient({
        ...stock,
        gradFunc: (dy, saved, attrs) => {
          const d = dy as Tensor;
          const x = saved[0]!;
          if (
            tf.getBackend() !== 'cpu' ||
            d.dtype !== 'float32' ||
            x.dtype !== 'float32' ||
            d.size !== x.size
          )
            return stock.gradFunc(dy, saved, attrs);
          return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: d, x }) as Tensor };
        },
      });
      tf.registerKernel({
        kernelName: MEAN_GRAD,
        backendName: 'cpu',
        kernelFunc: meanGradKernel(impl.elementwise),
      });
      const stockMean = tf.getGradient('Mean');
      meanGrad = stockMean;
      tf.registerGradient({
        ...stockMean,
        gradFunc: (dy, saved, attrs) => {
          const d = dy as Tensor;
          const x = saved[0]!;
          const axes = contiguousAxes(attrs.axis, x.rank);
          if (
            tf.getBackend() !== 'cpu' ||
            d.dtype !== 'float32' ||
            x.dtype !== 'float32' ||
            !axes ||
            d.size * axes.reduce((a, i) => a * x.shape[i]!, 1) !== x.size
          )
            return stockMean.gradFunc(dy, saved, attrs);
          return {
            x: () => tf.engine().runKernel(MEAN_GRAD, { dy: d }, { shape: [...x.shape], axes }) as Tensor,
          };
        },
      });
      setActiveBatchNorm(impl.batchNorm);
      // Last, so that it guards every kernel registered above too.
      pool = impl.pool;
      pool?.attach(tf);
      return true;
    },
    uninstall(tf) {
      if (saved.length === 0) return;
      pool?.detach();
      pool = undefined;
      setActiveBatchNorm(undefined);
      setFusedOps(undefined);
      tf.unregisterKernel(SOFTMAX_XENT, 'cpu');
      tf.unregisterKernel(SOFTMAX_XENT_GRAD, 'cpu');
      tf.unregisterKernel(CONV_BIAS_ACT, 'cpu');
      tf.unregisterKernel(DEPTHWISE_BIAS_ACT, 'cpu');
      if (reluGrad) tf.registerGradient(reluGrad);
      reluGrad = undefined;
      tf.unregisterKernel(RELU_GRAD, 'cpu');
      if (meanGrad) tf.registerGradient(meanGrad);
      meanGrad = undefined;
      tf.unregisterKernel(MEAN_GRAD, 'cpu');
      const matMuls = ['BatchMatMul', '_FusedMatMul'].filter((k) => saved.some((c) => c.kernelName === k));
      for (const k of [...KERNEL_NAMES, ...ELEMENTWISE_KERNELS, ...matMuls]) {
        tf.unregisterKernel(k, 'cpu');
        const cfg = saved.find((c) => c.kernelName === k);
        if (cfg) tf.registerKernel(cfg);
      }
      saved = [];
    },
  };
}
