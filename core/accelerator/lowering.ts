// Turns a child network into simulator work: array (GEMM) work as SCALE-Sim conv shapes, and
// vector work for element-wise and pooling layers.
//
// * conv / pointwise: one conv whose ifmap is the padded input, sized so that SCALE-Sim's ceil
//   output formula gives exactly the layer's outH × outW (padding reads are real reads).
// * depthwise: per-channel work, as SCALE-Sim's `DP` expansion does it: `inC` identical
//   1-channel, 1-filter convs (count = inC), never a dense conv over all channels.
// * dense: a GEMM with M = 1 (batch 1), written the way SCALE-Sim's GEMM mode writes it.
// * squeeze-excite arrives as its parts (pooling, two small dense/1×1 layers, sigmoid, multiply),
//   each lowered by its own kind.
// * vector layers (batch-norm, activations, pooling, residual adds, softmax): reads, writes and
//   ops go to the template's vector unit.
import type { Layer, NetworkSummary } from '../network/layers.js';
import { SimulationInputError, shapeProblems } from './schema.js';
import { type ConvShape, gemmAsConv } from './systolic/layer.js';

export interface GemmWork {
  kind: 'gemm';
  name: string;
  shape: ConvShape;
  /** Identical copies (depthwise: one per channel). */
  count: number;
  /** The layer's own MAC count (without SCALE-Sim's rounding). */
  layerMacs: number;
  /** Parameter words of the whole layer (all copies). */
  weights: number;
}

export interface VectorWork {
  kind: 'vector';
  name: string;
  reads: number;
  writes: number;
  ops: number;
}

export type Work = GemmWork | VectorWork;

function paddedConv(
  name: string,
  l: { kH: number; kW: number; stride: number; outH: number; outW: number },
  channels: number,
  filters: number,
): ConvShape {
  return {
    name,
    ifmapH: (l.outH - 1) * l.stride + l.kH,
    ifmapW: (l.outW - 1) * l.stride + l.kW,
    filterH: l.kH,
    filterW: l.kW,
    channels,
    numFilters: filters,
    strideH: l.stride,
    strideW: l.stride,
  };
}

export function lowerLayer(layer: Layer): Work {
  let w: Work;
  switch (layer.kind) {
    case 'conv':
      w = {
        kind: 'gemm',
        name: layer.name,
        shape: paddedConv(layer.name, layer, layer.inC, layer.outC),
        count: 1,
        layerMacs: layer.macs,
        weights: layer.kH * layer.kW * layer.inC * layer.outC,
      };
      break;
    case 'depthwise':
      w = {
        kind: 'gemm',
        name: layer.name,
        shape: paddedConv(layer.name, layer, 1, 1),
        count: layer.inC,
        layerMacs: layer.macs,
        weights: layer.kH * layer.kW * layer.inC,
      };
      break;
    case 'dense':
      w = {
        kind: 'gemm',
        name: layer.name,
        shape: gemmAsConv(layer.name, 1, layer.outFeatures, layer.inFeatures),
        count: 1,
        layerMacs: layer.macs,
        weights: layer.inFeatures * layer.outFeatures,
      };
      break;
    case 'vector':
      return { kind: 'vector', name: layer.name, reads: layer.reads, writes: layer.writes, ops: layer.ops };
  }
  const problems = shapeProblems(w.shape);
  if (problems.length > 0) throw new SimulationInputError(`layer ${layer.name}: ${problems.join('; ')}`);
  return w;
}

export function lowerNetwork(network: NetworkSummary): Work[] {
  return network.layers.map(lowerLayer);
}
