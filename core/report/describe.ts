// One-line, human-readable descriptions of a candidate's network, accelerator and hyper-parameters.

import { fmt } from './format.js';
import type { ReportEvaluation } from './types.js';

type Cand = ReportEvaluation['candidate'];

export function describeNetwork(net: Cand['network'] | undefined): string {
  if (net?.template !== 'mobile-cnn' || !Array.isArray(net.stages)) return JSON.stringify(net ?? null);
  const stages = net.stages.map(
    (s) =>
      `${s.block} k${s.kernel}${s.expansion !== undefined ? ` e${s.expansion}` : ''} ×${s.layers} f${s.filters}${s.stride === 2 ? ' /2' : ''}${s.squeezeExcite ? ' +SE' : ''}`,
  );
  // Stem and width fields only when the candidate has them (absent: 3×3 stride-1 stem, width 1).
  const stem = `stem ${net.stemFilters}${net.stemKernel !== undefined ? ` k${net.stemKernel}` : ''}${net.stemStride === 2 ? ' /2' : ''}`;
  const width = net.widthMultiplier !== undefined ? ` (width ×${net.widthMultiplier})` : '';
  return [stem, ...stages].join(' → ') + width;
}

export function describeAccelerator(acc: Cand['accelerator'] | undefined): string {
  if (!acc) return '–';
  if (acc.template === 'systolic')
    return `systolic ${acc.rows}×${acc.cols} ${String(acc.dataflow).toUpperCase()} · SRAM ${acc.ifmapSramKB}/${acc.filterSramKB}/${acc.ofmapSramKB} KB${acc.bandwidthWordsPerCycle !== undefined ? `, ${acc.bandwidthWordsPerCycle} w/cycle` : ''}, ${acc.clockMHz} MHz`;
  if (acc.template === 'pe-array')
    return `PE array ${acc.pesX}×${acc.pesY}, ${acc.simdUnits} SIMD × ${acc.computeLanes} lanes, ${acc.localMemoryMB} MB, RF ${acc.registerFileKB} KB, ${acc.ioBandwidthGBps} GB/s, ${acc.clockMHz} MHz`;
  return JSON.stringify(acc);
}

export function describeHyperparameters(hp: Cand['hyperparameters'] | undefined): string {
  if (!hp) return '–';
  return `${hp.optimizer} · lr ${fmt(hp.learningRate)} · wd ${fmt(hp.weightDecay)} · batch ${hp.batchSize}${hp.epochs !== undefined ? ` · ${hp.epochs} ep` : ''}`;
}
