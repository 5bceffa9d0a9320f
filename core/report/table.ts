// The sortable table of the Pareto front. Sort keys live in data-v so the page script stays data-free.
import { describeAccelerator, describeHyperparameters, describeNetwork } from './describe.js';
import {
  AREA_UNITS,
  chooseUnit,
  type DisplayUnit,
  ENERGY_UNITS,
  esc,
  fmt,
  fmtInt,
  fmtPct,
  LATENCY_UNITS,
} from './format.js';
import type { CandidateLinks, ReportEvaluation } from './types.js';

interface Column {
  label: string;
  title?: string;
  type: 'num' | 'text';
  value: (e: ReportEvaluation) => number | string | undefined | null;
  cell: (e: ReportEvaluation) => string;
  className?: string;
}

const scaled = (v: number | undefined, u: DisplayUnit) => (v === undefined ? undefined : v * u.factor);

export function frontTable(
  front: readonly ReportEvaluation[],
  links: (e: ReportEvaluation) => CandidateLinks,
  bestCid: string | undefined,
): string {
  if (front.length === 0)
    return '<p class="empty">The Pareto front is empty: no candidate finished training.</p>';
  const lu = chooseUnit(
    front.flatMap((e) => (e.metrics.latencyMs === undefined ? [] : [e.metrics.latencyMs])),
    LATENCY_UNITS,
  );
  const eu = chooseUnit(
    front.flatMap((e) => (e.metrics.energyMJ === undefined ? [] : [e.metrics.energyMJ])),
    ENERGY_UNITS,
  );
  const au = chooseUnit(
    front.flatMap((e) => (e.metrics.areaMM2 === undefined ? [] : [e.metrics.areaMM2])),
    AREA_UNITS,
  );
  const columns: Column[] = [
    {
      label: 'Candidate',
      type: 'text',
      className: 'cand',
      value: (e) => e.cid,
      cell: (e) =>
        `<code>${esc(e.cid)}</code>${e.cid === bestCid ? ' <span class="badge" title="highest reward">best</span>' : ''}${e.cached ? ' <span class="badge muted" title="reused from the evaluation cache">cached</span>' : ''}`,
    },
    {
      label: 'Iter.',
      title: 'iteration that proposed it',
      type: 'num',
      value: (e) => e.iteration,
      cell: (e) => esc(e.iteration),
    },
    {
      label: 'Accuracy',
      title: 'test accuracy of the model the search scores (fp32 or quantized, see above)',
      type: 'num',
      value: (e) => e.metrics.accuracy,
      cell: (e) => esc(fmtPct(e.metrics.accuracy)),
    },
    {
      label: 'Val. acc.',
      title: 'validation accuracy of the same model (what the reward used)',
      type: 'num',
      value: (e) => e.metrics.valAccuracy,
      cell: (e) => esc(fmtPct(e.metrics.valAccuracy)),
    },
    {
      label: 'fp32 acc.',
      title: 'test accuracy of the trained fp32 model',
      type: 'num',
      value: (e) => e.metrics.fp32Accuracy,
      cell: (e) => esc(fmtPct(e.metrics.fp32Accuracy)),
    },
    {
      label: 'int8 acc.',
      title:
        'test accuracy after post-training quantization: int8 activations, per-channel weights (w4: 4-bit weights)',
      type: 'num',
      value: (e) => e.metrics.quantizedAccuracy,
      cell: (e) =>
        esc(
          `${fmtPct(e.metrics.quantizedAccuracy)}${e.metrics.weightBits !== undefined && e.metrics.weightBits !== 8 ? ` (w${e.metrics.weightBits})` : ''}`,
        ),
    },
    {
      label: `Latency (${lu.label})`,
      type: 'num',
      value: (e) => e.metrics.latencyMs,
      cell: (e) => esc(fmt(scaled(e.metrics.latencyMs, lu))),
    },
    {
      label: `Energy (${eu.label})`,
      type: 'num',
      value: (e) => e.metrics.energyMJ,
      cell: (e) => esc(fmt(scaled(e.metrics.energyMJ, eu))),
    },
    {
      label: `Area (${au.label})`,
      type: 'num',
      value: (e) => e.metrics.areaMM2,
      cell: (e) => esc(fmt(scaled(e.metrics.areaMM2, au))),
    },
    {
      label: 'Util.',
      title: 'array utilization',
      type: 'num',
      value: (e) => e.metrics.utilizationPct,
      cell: (e) => esc(e.metrics.utilizationPct === undefined ? '–' : `${fmt(e.metrics.utilizationPct, 3)}%`),
    },
    {
      label: 'Params',
      type: 'num',
      value: (e) => e.metrics.params,
      cell: (e) => esc(fmtInt(e.metrics.params)),
    },
    { label: 'MACs', type: 'num', value: (e) => e.metrics.macs, cell: (e) => esc(fmtInt(e.metrics.macs)) },
    { label: 'Reward', type: 'num', value: (e) => e.reward, cell: (e) => esc(fmt(e.reward)) },
    {
      label: 'Files',
      type: 'text',
      className: 'files',
      value: () => '',
      cell: (e) => {
        const l = links(e);
        const a = (href: string | undefined, text: string, title: string) =>
          href ? `<a href="${esc(href)}" title="${esc(title)}">${esc(text)}</a>` : '';
        return (
          [
            a(l.model, 'model', 'tfjs model.json (weights alongside)'),
            a(
              e.metrics.quantizedAccuracy === undefined
                ? undefined
                : l.model?.replace(/model\.json$/, 'int8.json'),
              'int8',
              'quantized weights: int8.json (scales, zero points) with int8.bin alongside',
            ),
            a(l.scaleSimCfg, 'cfg', 'SCALE-Sim architecture config (.cfg)'),
            a(l.topologyCsv, 'csv', 'SCALE-Sim topology CSV'),
            a(l.peArrayConfig, 'cfg', 'PE-array configuration, documented (pe-array.json)'),
            a(l.layerBreakdown, 'layers', 'per-layer latency and energy (layers.json)'),
          ]
            .filter(Boolean)
            .join(' ') || '<span class="muted">–</span>'
        );
      },
    },
  ];
  // Rows start in reward order, best first; ties by cid so the page is deterministic.
  const rows = [...front].sort(
    (a, b) =>
      (b.reward ?? -Infinity) - (a.reward ?? -Infinity) || (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0),
  );
  const rewardCol = columns.findIndex((c) => c.label === 'Reward');
  const head = columns
    .map((c, i) => {
      const sortable = c.label !== 'Files';
      const cls = [c.type === 'num' ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ');
      return `<th scope="col"${cls ? ` class="${cls}"` : ''}${c.title ? ` title="${esc(c.title)}"` : ''}${
        sortable
          ? ` data-type="${c.type}" tabindex="0" aria-sort="${i === rewardCol ? 'descending' : 'none'}"`
          : ''
      }>${esc(c.label)}</th>`;
    })
    .join('');
  // One tbody per candidate: its metrics row, then a full-width row describing the design.
  const body = rows
    .map(
      (e, i) =>
        `<tbody id="row-${esc(e.cid)}" data-cid="${esc(e.cid)}" data-i="${i}"><tr>${columns
          .map((c) => {
            const v = c.value(e);
            const cls = [c.type === 'num' ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ');
            return `<td${cls ? ` class="${cls}"` : ''} data-v="${esc(v ?? '')}">${c.cell(e)}</td>`;
          })
          .join(
            '',
          )}</tr><tr class="design"><td colspan="${columns.length}"><span class="tag">network</span> ${esc(
          describeNetwork(e.candidate.network),
        )} <span class="tag">accelerator</span> ${esc(describeAccelerator(e.candidate.accelerator))} <span class="tag">training</span> ${esc(
          describeHyperparameters(e.candidate.hyperparameters),
        )}</td></tr></tbody>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table id="front-table" class="front-table"><thead><tr>${head}</tr></thead>\n${body}\n</table></div>`;
}
