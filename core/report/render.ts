// renderReport: one self-contained HTML page (inline SVG, CSS and script; no network) for a search.
import { createHash } from 'node:crypto';
import { isTrained } from '../search/outcome.js';
import { lineChartSvg, type ScatterPoint, scatterSvg } from './charts.js';
import { dashboardSections } from './dashboard.js';
import { describeAccelerator, describeNetwork } from './describe.js';
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
  relUrl,
} from './format.js';
import { REPORT_CSS, REPORT_SCRIPT } from './page-assets.js';
import { frontTable } from './table.js';
import type { CandidateLinks, ReportEvaluation, ReportInput, ReportResults } from './types.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Nothing may load: no fetches, fonts, images or frames; only this page's own style and script. */
const CSP = [
  "default-src 'none'",
  `style-src ${sha256(REPORT_CSS)}`,
  `script-src ${sha256(REPORT_SCRIPT)}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Fields of results.json shown in their own places; anything else lands under "More provenance". */
const KNOWN_RESULT_FIELDS = new Set([
  'searchId',
  'status',
  'stopReason',
  'specHash',
  'seed',
  'strategy',
  'iterations',
  'candidatesEvaluated',
  'distinctCandidates',
  'trained',
  'cached',
  'failed',
  'infeasible',
  'objectives',
  'paretoFront',
  'best',
  'hypervolume',
  'versions',
  'backend',
  'autohas',
]);

interface AutohasResults {
  supernet: {
    step: number;
    steps: number;
    trainExamples: number;
    evalExamples: number;
    valAccuracy?: number | null;
  } | null;
  hpMode: string | null;
  /** How the top-k were trained: from scratch, or fine-tuned from the supernet's weights. */
  final?: string;
  topK: {
    rank: number;
    cid: string;
    probability: number;
    timesUniform?: number;
    hp: Record<string, number>;
  }[];
  defaultHp?: { cid: string; of: string; hp: Record<string, number> };
  /** Plain-words cautions: untrustworthy supernet rewards, or defaults that did better. */
  warnings?: string[];
  /** The search's output: the pick or the default-hp twin, whichever validates better. */
  output?: { cid: string; source: string; valAccuracy: number; testAccuracy: number };
}

/** AutoHAS: the supernet's compute and the top-k it handed to retraining, with their outcome. */
function autohasSection(a: AutohasResults, byCid: ReadonlyMap<string, ReportEvaluation>): string {
  const s = a.supernet;
  const lead = s
    ? `The weight-sharing supernet trained ${fmtInt(s.step)} of ${fmtInt(s.steps)} steps (${fmtInt(s.trainExamples)} forward+backward and ${fmtInt(s.evalExamples)} forward-only example passes, hp mode ${esc(a.hpMode ?? '–')}). Its controller's most probable candidates were then ${a.final === 'finetune' ? "fine-tuned from the supernet's weights" : 'retrained from scratch'} and scored like any other. A probability near 1× uniform means the controller learned little: give the supernet more steps.${typeof s.valAccuracy === 'number' ? ` In its last chunk the sampled sub-networks scored ${fmt(s.valAccuracy, 3)} on validation batches with the shared weights. Far below a trained child's, the controller's rewards are unreliable, and one trial step tends to favour the largest learning rate: compare the top-k's hyper-parameters with your defaults.` : ''}`
    : 'The supernet did not start.';
  const rows = a.topK
    .map((t) => {
      const e = byCid.get(t.cid);
      const hp = Object.entries(t.hp)
        .map(([k, v]) => `${esc(k)} ${fmt(v, 3)}`)
        .join(' · ');
      return `<tr><td>${t.rank}</td><td><code>${esc(t.cid)}</code></td><td>${fmt(t.probability, 3)}${t.timesUniform === undefined ? '' : ` (${fmt(t.timesUniform, 3)}× uniform)`}</td><td>${hp}</td><td>${esc(e?.status ?? 'not evaluated')}</td><td>${fmt(e?.metrics.accuracy)}</td></tr>`;
    })
    .join('');
  const d = a.defaultHp;
  const base = d ? byCid.get(d.cid) : undefined;
  const baseRow = d
    ? `<tr class="baseline"><td>default hp</td><td><code>${esc(d.cid)}</code></td><td>architecture of <code>${esc(d.of)}</code></td><td>${Object.entries(
        d.hp,
      )
        .map(([k, v]) => `${esc(k)} ${fmt(v, 3)}`)
        .join(
          ' · ',
        )}</td><td>${esc(base?.status ?? 'not evaluated')}</td><td>${fmt(base?.metrics.accuracy)}</td></tr>`
    : '';
  const warnings = (a.warnings ?? []).map((w) => `<p class="warning" role="alert">${esc(w)}</p>`).join('');
  const o = a.output;
  const output = o
    ? `<p>The search's output is <code>${esc(o.cid)}</code>, ${o.source === 'defaultHp' ? 'the default-hyper-parameter model' : "AutoHAS's pick"}: the better of the two by validation accuracy (${fmt(o.valAccuracy, 3)}; test ${fmt(o.testAccuracy, 3)}).</p>`
    : '';
  return `<section id="autohas"><h2>One-shot supernet (AutoHAS)</h2><p class="lead">${lead}</p>${warnings}${output}<div class="table-wrap"><table class="autohas"><thead><tr><th>Rank</th><th>Candidate</th><th>Controller probability</th><th>Hyper-parameters</th><th>Retrained</th><th>Accuracy</th></tr></thead><tbody>${rows}${baseRow}</tbody></table></div></section>`;
}

const scored = (e: ReportEvaluation) =>
  isTrained(e.status) && typeof e.metrics.accuracy === 'number' && typeof e.metrics.latencyMs === 'number';

/** Default links: the kept model, and SCALE-Sim files for systolic accelerators. */
/** Which model the report's Accuracy is: results.json's accuracySource (absent in older results). */
function accuracyNote(source: unknown): string {
  const both = ' The <b>fp32 acc.</b> and <b>int8 acc.</b> columns give both side by side.';
  if (source === 'quantized')
    return ` <b>Accuracy</b> is the post-training quantized model's (int8 activations, per-channel weights at the accelerator's bit width): what the accelerator computes, and what the reward and the front use.${both}`;
  if (source === 'fp32')
    return ` <b>Accuracy</b> is the fp32 model's (the spec's objectives.accuracy.source).${both}`;
  return '';
}

export function defaultLinks(e: ReportEvaluation): CandidateLinks {
  const out: CandidateLinks = {};
  if (e.modelPrefix) out.model = relUrl('models', e.cid, 'model.json');
  if (e.candidate.accelerator?.template === 'systolic') {
    out.scaleSimCfg = relUrl('configs', e.cid, 'scalesim.cfg');
    out.topologyCsv = relUrl('configs', e.cid, 'topology.csv');
  } else if (e.candidate.accelerator?.template === 'pe-array') {
    out.peArrayConfig = relUrl('configs', e.cid, 'pe-array.json');
    out.layerBreakdown = relUrl('configs', e.cid, 'layers.json');
  }
  return out;
}

function tipFor(e: ReportEvaluation, front: boolean): string {
  const m = e.metrics;
  const lu = chooseUnit([m.latencyMs ?? 0], LATENCY_UNITS);
  const eu = chooseUnit([m.energyMJ ?? 0], ENERGY_UNITS);
  const au = chooseUnit([m.areaMM2 ?? 0], AREA_UNITS);
  return [
    `${e.cid}${front ? ' (Pareto front)' : ''} · iteration ${e.iteration}`,
    `accuracy ${fmtPct(m.accuracy)} · latency ${fmt((m.latencyMs ?? Number.NaN) * lu.factor)} ${lu.label}`,
    `energy ${fmt((m.energyMJ ?? Number.NaN) * eu.factor)} ${eu.label} · area ${fmt((m.areaMM2 ?? Number.NaN) * au.factor)} ${au.label}`,
    `reward ${fmt(e.reward)}`,
    describeNetwork(e.candidate.network),
    describeAccelerator(e.candidate.accelerator),
  ].join('\n');
}

function withUnit(v: number | undefined, units: readonly DisplayUnit[]): string {
  if (v === undefined) return '–';
  const u = chooseUnit([v], units);
  return `${fmt(v * u.factor)} ${u.label}`;
}

function card(k: string, v: string, d = '', cls = ''): string {
  return `<div class="card"><div class="k">${esc(k)}</div><div class="v${cls ? ` ${cls}` : ''}">${esc(v)}</div>${d ? `<div class="d">${esc(d)}</div>` : ''}</div>`;
}

function kv(rows: readonly [string, unknown][]): string {
  return `<dl class="kv">${rows
    .filter(([, v]) => v !== undefined)
    .map(
      ([k, v]) =>
        `<dt>${esc(k)}</dt><dd>${v !== null && typeof v === 'object' ? `<code>${esc(JSON.stringify(v))}</code>` : esc(v ?? '–')}</dd>`,
    )
    .join('')}</dl>`;
}

const cidLink = (cid: unknown, onFront: ReadonlySet<string>) =>
  typeof cid === 'string'
    ? onFront.has(cid)
      ? `<a href="#row-${esc(cid)}"><code>${esc(cid)}</code></a>`
      : `<code>${esc(cid)}</code>`
    : '<span class="muted">–</span>';

export function renderReport(input: ReportInput): string {
  const r: ReportResults = input.results;
  const front = r.paretoFront ?? [];
  const frontCids = new Set(front.map((e) => e.cid));
  const spec = (input.spec ?? {}) as { name?: unknown; description?: unknown };
  const name = typeof spec.name === 'string' && spec.name ? spec.name : r.searchId;
  const links = (e: ReportEvaluation) => (input.links ? (input.links[e.cid] ?? {}) : defaultLinks(e));

  // Scatter: front members, plus every other scored candidate (first evaluation of each cid).
  const seen = new Set<string>(frontCids);
  const others: ReportEvaluation[] = [];
  for (const e of input.evaluations ?? []) {
    if (seen.has(e.cid) || !scored(e)) continue;
    seen.add(e.cid);
    others.push(e);
  }
  const point = (e: ReportEvaluation, isFront: boolean): ScatterPoint => ({
    cid: e.cid,
    accuracy: e.metrics.accuracy as number,
    latencyMs: e.metrics.latencyMs as number,
    ...(e.metrics.energyMJ !== undefined ? { energyMJ: e.metrics.energyMJ } : {}),
    ...(e.metrics.areaMM2 !== undefined ? { areaMM2: e.metrics.areaMM2 } : {}),
    front: isFront,
    tip: tipFor(e, isFront),
  });
  const plotted = [...front.filter(scored).map((e) => point(e, true)), ...others.map((e) => point(e, false))];
  const unplotted = front.filter((e) => !scored(e)).length;

  const perIt = r.hypervolume?.perIteration ?? [];
  const lastHv = perIt.at(-1)?.hypervolume;
  const bestCid = typeof r.best?.reward?.cid === 'string' ? r.best.reward.cid : undefined;
  const bestEval = front.find((e) => e.cid === bestCid) ?? input.evaluations?.find((e) => e.cid === bestCid);
  const bestReward =
    (r.best?.reward as { reward?: number | null } | null | undefined)?.reward ?? bestEval?.reward;
  const failed = r.failed ?? [];

  const cards = [
    card(
      'Status',
      r.status,
      r.stopReason ? `stopped: ${r.stopReason}` : `${r.iterations} iterations`,
      `status-${r.status.replace(/[^a-z]/gi, '')}`,
    ),
    card(
      'Pareto front',
      String(front.length),
      `of ${r.distinctCandidates ?? r.candidatesEvaluated} distinct candidates`,
    ),
    card(
      'Evaluated',
      String(r.candidatesEvaluated),
      [
        r.trained !== undefined ? `${r.trained} trained` : '',
        r.cached ? `${r.cached} cached` : '',
        failed.length ? `${failed.length} failed` : '',
        r.infeasible ? `${r.infeasible} infeasible` : '',
      ]
        .filter(Boolean)
        .join(' · '),
    ),
    card('Best reward', fmt(bestReward ?? null), bestCid ? `candidate ${bestCid}` : ''),
    card('Hypervolume', fmt(lastHv ?? null), 'after the last iteration'),
  ].join('');

  const objectiveNames = (r.objectives ?? ['accuracy', 'latencyMs', 'energyMJ', 'areaMM2']).filter(
    (o) => typeof o === 'string',
  );
  const byCid = new Map<string, ReportEvaluation>();
  for (const e of [...front, ...(input.evaluations ?? [])]) if (!byCid.has(e.cid)) byCid.set(e.cid, e);
  const bestRow = (label: string, cid: unknown, value: (e: ReportEvaluation) => string): [string, string] => {
    const e = typeof cid === 'string' ? byCid.get(cid) : undefined;
    return [label, `${cidLink(cid, frontCids)}${e ? ` <span class="muted">${esc(value(e))}</span>` : ''}`];
  };
  const objectiveRow = (o: string): [string, string] => {
    const m = (e: ReportEvaluation) => e.metrics[o as keyof ReportEvaluation['metrics']];
    switch (o) {
      case 'accuracy':
        return bestRow('highest accuracy', r.best?.[o], (e) => fmtPct(m(e)));
      case 'latencyMs':
        return bestRow('lowest latency', r.best?.[o], (e) => withUnit(m(e), LATENCY_UNITS));
      case 'energyMJ':
        return bestRow('lowest energy', r.best?.[o], (e) => withUnit(m(e), ENERGY_UNITS));
      case 'areaMM2':
        return bestRow('smallest area', r.best?.[o], (e) => withUnit(m(e), AREA_UNITS));
      default:
        return bestRow(o, r.best?.[o], (e) => fmt(m(e)));
    }
  };
  const bestRows: [string, string][] = [
    bestRow('highest reward', bestCid, (e) => fmt(e.reward)),
    ...objectiveNames.map(objectiveRow),
  ];

  const versions = Object.entries(r.versions ?? {}).map(([k, v]): [string, unknown] => [
    `version: ${k}`,
    v ?? '–',
  ]);
  const dataset = input.dataset;
  const provenance: [string, unknown][] = [
    ['search id', r.searchId],
    ['spec name', typeof spec.name === 'string' ? spec.name : undefined],
    ['spec hash', r.specHash],
    ['seed', r.seed],
    ['strategy', r.strategy],
    ['backend', r.backend ?? '–'],
    ['iterations', r.iterations],
    ['status', r.stopReason ? `${r.status} (${r.stopReason})` : r.status],
    ...versions,
    ...(dataset
      ? ([
          ['dataset', dataset.uri],
          ['input shape', dataset.shape ? dataset.shape.join(' × ') : undefined],
          ['classes', dataset.numClasses],
          [
            'split sizes',
            dataset.sizes
              ? Object.entries(dataset.sizes)
                  .map(([k, v]) => `${k} ${fmtInt(v)}`)
                  .join(' · ')
              : undefined,
          ],
        ] as [string, unknown][])
      : []),
  ];
  const extra = Object.entries(r).filter(([k, v]) => !KNOWN_RESULT_FIELDS.has(k) && v !== undefined);

  const failedHtml = failed.length
    ? `<section id="failures"><h2>Failed candidates (${failed.length})</h2><p class="lead">A failure says nothing about the design, so these got no reward.</p><div class="table-wrap"><table class="failures"><thead><tr><th>Candidate</th><th>Reason</th></tr></thead><tbody>${failed
        .map((f) => `<tr><td><code>${esc(f.cid)}</code></td><td>${esc(f.reason ?? '–')}</td></tr>`)
        .join('')}</tbody></table></div></section>`
    : '';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${esc(`${name} · cosearch report`)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${esc(name)}</h1>
<div class="sub">cosearch report · search <code>${esc(r.searchId)}</code> · ${esc(r.strategy)} · seed ${esc(r.seed)} · spec <code>${esc(r.specHash)}</code></div>
</header>
<main>
<div class="cards">${cards}</div>
<section id="pareto">
<h2>Pareto front: accuracy against latency</h2>
<p class="lead">One outlined mark per front member (non-dominated on accuracy, latency, energy and area); faint marks are the other scored candidates. Colour is energy per inference, size is accelerator area. Hover a mark for details; click it to find its row below.${unplotted ? ` ${unplotted} front member(s) lack accuracy or latency and are not drawn.` : ''}</p>
${scatterSvg(plotted)}
</section>
<section id="progress">
<h2>Progress per iteration</h2>
<p class="lead">Hypervolume of the front found so far (reference point fixed before the search) and the best reward so far.</p>
<div class="pair">
<div><h3>Hypervolume</h3>${lineChartSvg(
    'hv-chart',
    'Hypervolume per iteration',
    'Hypervolume',
    perIt.map((p) => ({ x: p.iteration, y: p.hypervolume })),
  )}</div>
<div><h3>Best reward</h3>${lineChartSvg(
    'reward-chart',
    'Best reward per iteration',
    'Best reward',
    perIt.map((p) => ({ x: p.iteration, y: p.bestReward })),
  )}</div>
</div>
</section>
<section id="front">
<h2>Front members (${front.length})</h2>
<p class="lead">Click a column header to sort. Links are relative to this report: the trained tfjs model, and for systolic accelerators a SCALE-Sim config and topology CSV. They reproduce the array (GEMM) part of the simulated latency; <code>latency.json</code> beside them gives both parts: those array cycles, and the vector-unit cycles (batch-norm, activations, pooling, residual adds) that SCALE-Sim does not model.${accuracyNote(r.accuracySource)}</p>
${frontTable(front, links, bestCid)}
</section>
${dashboardSections(input, frontCids, bestCid)}
${r.autohas ? autohasSection(r.autohas as AutohasResults, byCid) : ''}
${failedHtml}
<section id="best">
<h2>Best per objective</h2>
<dl class="kv">${bestRows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>
</section>
<section id="provenance">
<h2>Provenance</h2>
${kv(provenance)}
${extra.length ? `<details><summary>More provenance</summary>${kv(extra)}</details>` : ''}
</section>
<section id="spec">
<details open><summary>Search spec</summary>
<pre class="json">${esc(JSON.stringify(input.spec ?? null, null, 2))}</pre>
</details>
</section>
</main>
<footer>Generated by cosearch from results.json. Self-contained: no network requests.</footer>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
