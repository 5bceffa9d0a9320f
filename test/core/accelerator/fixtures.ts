// Small hand-built networks for the accelerator tests.
import type { NetworkSummary } from '../../../core/network/layers.js';
import type { PeArrayConfig, SystolicConfig } from '../../../core/space/types.js';

export function tinyNetwork(): NetworkSummary {
  const conv = (name: string, inH: number, inC: number, k: number, s: number, outC: number) => {
    const outH = Math.ceil(inH / s);
    const macs = outH * outH * k * k * inC * outC;
    return {
      kind: 'conv' as const,
      name,
      inH,
      inW: inH,
      inC,
      kH: k,
      kW: k,
      stride: s,
      padding: 'same' as const,
      outH,
      outW: outH,
      outC,
      bias: false,
      macs,
      params: k * k * inC * outC,
    };
  };
  const stem = conv('stem', 16, 3, 3, 1, 16);
  const dw = {
    ...conv('dw', 16, 16, 3, 2, 16),
    kind: 'depthwise' as const,
    macs: 8 * 8 * 9 * 16,
    params: 9 * 16,
  };
  const pw = conv('pw', 8, 16, 1, 1, 32);
  const layers: NetworkSummary['layers'] = [
    stem,
    {
      kind: 'vector',
      name: 'stem_bn',
      op: 'batchnorm',
      reads: 16 * 16 * 16,
      writes: 16 * 16 * 16,
      ops: 2 * 16 * 16 * 16,
      params: 32,
    },
    { kind: 'vector', name: 'stem_relu', op: 'relu', reads: 4096, writes: 4096, ops: 4096, params: 0 },
    dw,
    pw,
    {
      kind: 'vector',
      name: 'pool',
      op: 'globalavgpool',
      reads: 8 * 8 * 32,
      writes: 32,
      ops: 8 * 8 * 32,
      params: 0,
    },
    { kind: 'dense', name: 'fc', inFeatures: 32, outFeatures: 10, bias: true, macs: 320, params: 330 },
  ];
  const macs = layers.reduce((s, l) => s + (l.kind === 'vector' ? 0 : l.macs), 0);
  const params = layers.reduce((s, l) => s + l.params, 0);
  return { inputShape: [16, 16, 3], numClasses: 10, layers, params, macs };
}

export const SYSTOLIC: SystolicConfig = {
  template: 'systolic',
  rows: 8,
  cols: 8,
  dataflow: 'os',
  ifmapSramKB: 64,
  filterSramKB: 64,
  ofmapSramKB: 32,
  clockMHz: 1000,
};

export const PE_ARRAY: PeArrayConfig = {
  template: 'pe-array',
  pesX: 2,
  pesY: 2,
  simdUnits: 32,
  computeLanes: 2,
  localMemoryMB: 1,
  registerFileKB: 32,
  ioBandwidthGBps: 16,
  clockMHz: 800,
};
