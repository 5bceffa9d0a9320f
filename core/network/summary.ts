// Analytic layer list of a child network: shapes, MACs, params and every op, without tfjs.
import type { NetworkArch } from '../space/types.js';
import type { Layer, NetworkSummary, VectorOp } from './layers.js';
import { type Activation, type Emitter, InfeasibleArchError, walkMobileCnn } from './mobile-cnn.js';

/** [h, w, c] for feature maps, [n] for vectors. */
type Shape = readonly number[];

const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

class SummaryEmitter implements Emitter<Shape> {
  readonly layers: Layer[] = [];

  private map(x: Shape, name: string): [number, number, number] {
    if (x.length !== 3) throw new InfeasibleArchError(`${name}: expects a feature map, got shape [${x}]`);
    return [x[0]!, x[1]!, x[2]!];
  }

  private strided(name: string, h: number, w: number, stride: number): [number, number] {
    // 'same' padding: ceil(in / stride). A stride on a map already 1 wide has nothing left to shrink.
    if (stride > 1 && (h < stride || w < stride))
      throw new InfeasibleArchError(
        `${name}: stride ${stride} on a ${h}×${w} map would shrink it below 1×1; use fewer stride-2 stages or a larger input`,
      );
    return [Math.ceil(h / stride), Math.ceil(w / stride)];
  }

  private vector(name: string, op: VectorOp, reads: number, writes: number, ops: number, params = 0): void {
    this.layers.push({ kind: 'vector', name, op, reads, writes, ops, params });
  }

  conv(x: Shape, name: string, k: number, stride: number, filters: number, bias: boolean): Shape {
    const [inH, inW, inC] = this.map(x, name);
    const [outH, outW] = this.strided(name, inH, inW, stride);
    const params = k * k * inC * filters + (bias ? filters : 0);
    const macs = outH * outW * filters * k * k * inC;
    this.layers.push({
      kind: 'conv',
      name,
      inH,
      inW,
      inC,
      kH: k,
      kW: k,
      stride,
      padding: 'same',
      outH,
      outW,
      outC: filters,
      bias,
      macs,
      params,
    });
    return [outH, outW, filters];
  }

  depthwise(x: Shape, name: string, k: number, stride: number): Shape {
    const [inH, inW, inC] = this.map(x, name);
    const [outH, outW] = this.strided(name, inH, inW, stride);
    this.layers.push({
      kind: 'depthwise',
      name,
      inH,
      inW,
      inC,
      kH: k,
      kW: k,
      stride,
      padding: 'same',
      outH,
      outW,
      outC: inC,
      bias: false,
      macs: outH * outW * inC * k * k,
      params: k * k * inC,
    });
    return [outH, outW, inC];
  }

  batchnorm(x: Shape, name: string): Shape {
    const n = size(x);
    const c = x[x.length - 1]!;
    // Inference form: one multiply-add per element; gamma, beta, moving mean and variance per channel.
    this.vector(name, 'batchnorm', n, n, 2 * n, 4 * c);
    return x;
  }

  act(x: Shape, name: string, fn: Activation): Shape {
    const n = size(x);
    const opsPer = fn === 'relu' ? 1 : fn === 'sigmoid' ? 4 : 3;
    this.vector(name, fn, n, n, opsPer * n);
    return x;
  }

  add(a: Shape, b: Shape, name: string): Shape {
    if (a.join() !== b.join()) throw new InfeasibleArchError(`${name}: cannot add [${a}] and [${b}]`);
    const n = size(a);
    this.vector(name, 'add', 2 * n, n, n);
    return a;
  }

  globalAvgPool(x: Shape, name: string): Shape {
    const [, , c] = this.map(x, name);
    const n = size(x);
    this.vector(name, 'globalavgpool', n, c, n);
    return [c];
  }

  dense(x: Shape, name: string, units: number): Shape {
    if (x.length !== 1) throw new InfeasibleArchError(`${name}: dense expects a vector, got [${x}]`);
    const inF = x[0]!;
    this.layers.push({
      kind: 'dense',
      name,
      inFeatures: inF,
      outFeatures: units,
      bias: true,
      macs: inF * units,
      params: inF * units + units,
    });
    return [units];
  }

  scale(x: Shape, s: Shape, name: string): Shape {
    const n = size(x);
    this.vector(name, 'mul', n + size(s), n, n);
    return x;
  }

  channels(x: Shape): number {
    return x[x.length - 1]!;
  }
}

/**
 * Every layer of the child, in execution order, with per-example MACs and params.
 * Throws InfeasibleArchError for an arch that violates the template or cannot fit the input.
 */
export function summarizeNetwork(
  arch: NetworkArch,
  inputShape: readonly [number, number, number],
  numClasses: number,
): NetworkSummary {
  const [h, w, c] = inputShape;
  for (const [v, what] of [
    [h, 'height'],
    [w, 'width'],
    [c, 'channels'],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new InfeasibleArchError(`input ${what} must be ≥ 1, got ${v}`);
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new InfeasibleArchError(`numClasses must be a whole number ≥ 2, got ${numClasses}`);
  const e = new SummaryEmitter();
  walkMobileCnn<Shape>(e, arch, [h, w, c], numClasses);
  let params = 0;
  let macs = 0;
  for (const l of e.layers) {
    params += l.params;
    if (l.kind !== 'vector') macs += l.macs;
  }
  return { inputShape: [h, w, c], numClasses, layers: e.layers, params, macs };
}
