// The report's dashboard views over every trial: a sortable table, the reward history, an explorer
// of any two objectives, parallel coordinates over the decisions, decision importance, learning
// curves, per-layer simulation of the front, and the controller's entropy. Inline SVG only; the
// page script (page-assets.ts) reads data-* attributes, so it stays free of data.
import { type Cell, paramColumns, type TrialRow, trialRows } from '../export/trials.js';
import { isTrained } from '../search/outcome.js';
import { gridAndFrame, lineChartSvg } from './charts.js';
import {
  chooseUnit,
  type DisplayUnit,
  ENERGY_UNITS,
  esc,
  fmt,
  fmtInt,
  fmtPct,
  LATENCY_UNITS,
  tickLabels,
} from './format.js';
import { decisionImportance } from './importance.js';
import { makeScale, viridis } from './scale.js';
import type { ReportEvaluation, ReportInput, ReportLayer } from './types.js';

const n1 = (v: number) => String(Math.round(v * 10) / 10);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Trials with a reward, one per candidate (its first evaluation): what the design views compare. */
function distinctScored(rows: readonly TrialRow[]): (TrialRow & { reward: number })[] {
  const seen = new Set<string>();
  const out: (TrialRow & { reward: number })[] = [];
  for (const r of rows)
    if (isNum(r.reward) && !seen.has(r.cid)) {
      seen.add(r.cid);
      out.push(r as TrialRow & { reward: number });
    }
  return out;
}

// ---------- all trials ----------

/** Every evaluation, sortable (the page script sorts `table.sortable` by data-v). */
export function trialsTable(rows: readonly TrialRow[], bestCid: string | undefined): string {
  if (rows.length === 0) return '<p class="empty">No candidate was evaluated.</p>';
  const lu = chooseUnit(
    rows.flatMap((r) => (isNum(r.metrics.latencyMs) ? [r.metrics.latencyMs] : [])),
    LATENCY_UNITS,
  );
  const eu = chooseUnit(
    rows.flatMap((r) => (isNum(r.metrics.energyMJ) ? [r.metrics.energyMJ] : [])),
    ENERGY_UNITS,
  );
  const params = paramColumns(rows);
  const short = (p: string) => p.replace(/^(network|accelerator|hyperparameters)\./, '');
  const cols: {
    label: string;
    title?: string;
    num: boolean;
    v: (r: TrialRow) => Cell | null | undefined;
    show?: (r: TrialRow) => string;
  }[] = [
    { label: '#', title: 'trial number, in the order the search made them', num: true, v: (r) => r.number },
    {
      label: 'Candidate',
      num: false,
      v: (r) => r.cid,
      show: (r) =>
        `<code>${esc(r.cid)}</code>${r.cid === bestCid ? ' <span class="badge">best</span>' : ''}${r.onFront ? ' <span class="badge front-badge" title="on the Pareto front">front</span>' : ''}${r.cached ? ' <span class="badge muted">cached</span>' : ''}`,
    },
    { label: 'Iter.', num: true, v: (r) => r.iteration },
    {
      label: 'Status',
      num: false,
      v: (r) => r.status,
      show: (r) =>
        `<span class="st st-${esc(r.status)}"${r.reason ? ` title="${esc(r.reason)}"` : ''}>${esc(r.status)}</span>`,
    },
    { label: 'Reward', num: true, v: (r) => r.reward, show: (r) => esc(fmt(r.reward)) },
    {
      label: 'Accuracy',
      num: true,
      v: (r) => r.metrics.accuracy,
      show: (r) => esc(fmtPct(r.metrics.accuracy)),
    },
    {
      label: `Latency (${lu.label})`,
      num: true,
      v: (r) => r.metrics.latencyMs,
      show: (r) => esc(fmt(isNum(r.metrics.latencyMs) ? r.metrics.latencyMs * lu.factor : undefined)),
    },
    {
      label: `Energy (${eu.label})`,
      num: true,
      v: (r) => r.metrics.energyMJ,
      show: (r) => esc(fmt(isNum(r.metrics.energyMJ) ? r.metrics.energyMJ * eu.factor : undefined)),
    },
    { label: 'Area (mm²)', num: true, v: (r) => r.metrics.areaMM2, show: (r) => esc(fmt(r.metrics.areaMM2)) },
    { label: 'Params', num: true, v: (r) => r.metrics.params, show: (r) => esc(fmtInt(r.metrics.params)) },
    ...params.map((p) => ({
      label: short(p),
      title: p,
      num: rows.every((r) => r.params[p] === undefined || typeof r.params[p] === 'number'),
      v: (r: TrialRow) => r.params[p],
    })),
  ];
  const head = cols
    .map(
      (c, i) =>
        `<th scope="col"${c.num ? ' class="num"' : ''}${c.title ? ` title="${esc(c.title)}"` : ''} data-type="${c.num ? 'num' : 'text'}" tabindex="0" aria-sort="${i === 0 ? 'ascending' : 'none'}">${esc(c.label)}</th>`,
    )
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr data-cid="${esc(r.cid)}" data-i="${r.number}">${cols
          .map((c) => {
            const v = c.v(r);
            return `<td${c.num ? ' class="num"' : ''} data-v="${esc(v ?? '')}">${c.show ? c.show(r) : esc(v ?? '–')}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap tall"><table id="trials-table" class="sortable trials"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

// ---------- reward history ----------

/** Each trial's reward in trial order, with the best so far as a step line. */
export function rewardHistorySvg(rows: readonly TrialRow[]): string {
  const W = 900;
  const H = 300;
  const L = 64;
  const R = W - 20;
  const T = 14;
  const B = H - 44;
  const pts = rows.filter((r) => isNum(r.reward));
  if (pts.length === 0)
    return `<svg id="reward-history" class="chart" viewBox="0 0 ${W} 80" role="img" aria-label="no rewards"><text x="${W / 2}" y="40" text-anchor="middle" class="empty">No trial has a reward yet.</text></svg>`;
  const x = makeScale(
    rows.map((r) => r.number),
    L,
    R,
    false,
    8,
  );
  const y = makeScale(
    pts.map((r) => r.reward as number),
    B,
    T,
    false,
    6,
  );
  const out = [
    `<svg id="reward-history" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Reward of each trial in the order they were made">`,
    ...gridAndFrame(y.ticks, y, { L, R, T, B }),
  ];
  for (const t of x.ticks.filter((t) => Number.isInteger(t) && t >= 0))
    out.push(`<text x="${n1(x(t))}" y="${B + 17}" text-anchor="middle">${esc(fmt(t))}</text>`);
  const yl = tickLabels(y.ticks);
  for (const [i, t] of y.ticks.entries())
    out.push(`<text x="${L - 7}" y="${n1(y(t) + 4)}" text-anchor="end">${esc(yl[i])}</text>`);
  out.push(
    `<text class="label" x="${(L + R) / 2}" y="${B + 37}" text-anchor="middle">Trial (in the order the search made them; iterations alternate shading)</text>`,
    `<text class="label" transform="translate(${L - 48} ${(T + B) / 2}) rotate(-90)" text-anchor="middle">Reward</text>`,
    '</g>',
  );
  // Iteration bands, so the batches read as batches.
  const byIter = new Map<number, number[]>();
  for (const r of rows) byIter.set(r.iteration, [...(byIter.get(r.iteration) ?? []), r.number]);
  out.push('<g class="bands">');
  for (const [it, nums] of byIter)
    if (it % 2 === 0)
      out.push(
        `<rect x="${n1(x(Math.min(...nums) - 0.5))}" y="${T}" width="${n1(x(Math.max(...nums) + 0.5) - x(Math.min(...nums) - 0.5))}" height="${B - T}"/>`,
      );
  out.push('</g>');
  let best = -Infinity;
  let d = '';
  for (const r of pts) {
    const v = r.reward as number;
    if (v > best) {
      d += d ? ` H${n1(x(r.number))} V${n1(y(v))}` : `M${n1(x(r.number))} ${n1(y(v))}`;
      best = v;
    }
  }
  d += ` H${n1(x(pts.at(-1)!.number))}`;
  out.push(`<path class="best-line" d="${d}"/>`, '<g class="marks">');
  for (const r of pts)
    out.push(
      `<circle class="trial-dot${r.onFront ? ' front' : ''}" data-cid="${esc(r.cid)}" cx="${n1(x(r.number))}" cy="${n1(y(r.reward as number))}" r="${r.onFront ? 4.5 : 3.5}"><title>${esc(`trial ${r.number} · ${r.cid} · iteration ${r.iteration}\nreward ${fmt(r.reward)} (${r.status})`)}</title></circle>`,
    );
  out.push('</g></svg>');
  return out.join('');
}

// ---------- any two objectives ----------

interface Axis {
  key: string;
  label: string;
  value: (r: TrialRow) => number | undefined;
  unit?: readonly DisplayUnit[];
  /** Shown as a percentage. */
  pct?: boolean;
}

const AXES: readonly Axis[] = [
  { key: 'accuracy', label: 'Test accuracy (%)', value: (r) => r.metrics.accuracy, pct: true },
  { key: 'valaccuracy', label: 'Validation accuracy (%)', value: (r) => r.metrics.valAccuracy, pct: true },
  { key: 'latency', label: 'Latency', value: (r) => r.metrics.latencyMs, unit: LATENCY_UNITS },
  { key: 'energy', label: 'Energy per inference', value: (r) => r.metrics.energyMJ, unit: ENERGY_UNITS },
  { key: 'area', label: 'Area (mm²)', value: (r) => r.metrics.areaMM2 },
  { key: 'reward', label: 'Reward', value: (r) => (isNum(r.reward) ? r.reward : undefined) },
  { key: 'params', label: 'Parameters', value: (r) => r.metrics.params },
  { key: 'macs', label: 'MACs', value: (r) => r.metrics.macs },
  { key: 'util', label: 'Array utilization (%)', value: (r) => r.metrics.utilizationPct },
];

/**
 * A scatter of any two objectives, chosen with two selects. Every point carries its position
 * (0..1) on every axis as data-*, and every axis its ticks; the page script only moves points and
 * shows the chosen ticks. The page opens on latency against accuracy.
 */
export function explorerSection(rows: readonly TrialRow[]): string {
  const pts = distinctScored(rows).filter((r) => r.status !== 'failed');
  const W = 900;
  const H = 470;
  const L = 80;
  const R = W - 30;
  const T = 16;
  const B = H - 60;
  const axes = AXES.filter((a) => pts.some((r) => isNum(a.value(r))));
  if (pts.length === 0 || axes.length < 2)
    return '<p class="empty">Fewer than two measured objectives: nothing to compare.</p>';
  const pos = new Map<string, Map<string, number>>();
  const xTicks: string[] = [];
  const yTicks: string[] = [];
  const labels = new Map<string, string>();
  for (const a of axes) {
    const vals = pts.flatMap((r) => (isNum(a.value(r)) ? [a.value(r) as number] : []));
    const s = makeScale(vals, 0, 1);
    const unit = a.unit ? chooseUnit(vals, a.unit) : undefined;
    labels.set(a.key, `${a.label}${unit ? ` (${unit.label})` : ''}${s.log ? ', log scale' : ''}`);
    const m = new Map<string, number>();
    for (const r of pts) {
      const v = a.value(r);
      if (isNum(v)) m.set(r.cid, s(v));
    }
    pos.set(a.key, m);
    const ticks = s.ticks.filter((t) => s(t) >= -1e-9 && s(t) <= 1 + 1e-9);
    const text = tickLabels(ticks, a.pct ? 100 : (unit?.factor ?? 1));
    const xs = ticks.map(
      (t, i) =>
        `<line x1="${n1(L + s(t) * (R - L))}" y1="${T}" x2="${n1(L + s(t) * (R - L))}" y2="${B}"/><text x="${n1(L + s(t) * (R - L))}" y="${B + 18}" text-anchor="middle">${esc(s.log ? fmt(t * (unit?.factor ?? 1), 3) : text[i])}</text>`,
    );
    const ys = ticks.map(
      (t, i) =>
        `<line x1="${L}" y1="${n1(B - s(t) * (B - T))}" x2="${R}" y2="${n1(B - s(t) * (B - T))}"/><text x="${L - 8}" y="${n1(B - s(t) * (B - T) + 4)}" text-anchor="end">${esc(s.log ? fmt(t * (unit?.factor ?? 1), 3) : text[i])}</text>`,
    );
    xTicks.push(
      `<g class="ex-ticks" data-axis="x" data-m="${a.key}"${a.key === 'latency' ? '' : ' display="none"'}>${xs.join('')}<text class="label" x="${(L + R) / 2}" y="${B + 44}" text-anchor="middle">${esc(labels.get(a.key))} →</text></g>`,
    );
    yTicks.push(
      `<g class="ex-ticks" data-axis="y" data-m="${a.key}"${a.key === 'accuracy' ? '' : ' display="none"'}>${ys.join('')}<text class="label" transform="translate(${L - 62} ${(T + B) / 2}) rotate(-90)" text-anchor="middle">${esc(labels.get(a.key))} →</text></g>`,
    );
  }
  const select = (id: string, chosen: string, what: string) =>
    `<label>${what} <select id="${id}">${axes.map((a) => `<option value="${a.key}"${a.key === chosen ? ' selected' : ''}>${esc(a.label)}</option>`).join('')}</select></label>`;
  const marks = pts
    .map((r) => {
      const data = axes
        .map((a) => {
          const p = pos.get(a.key)!.get(r.cid);
          return p === undefined ? '' : ` data-${a.key}="${p.toFixed(4)}"`;
        })
        .join('');
      const px = pos.get('latency')?.get(r.cid);
      const py = pos.get('accuracy')?.get(r.cid);
      const at =
        px !== undefined && py !== undefined
          ? ` cx="${n1(L + px * (R - L))}" cy="${n1(B - py * (B - T))}"`
          : ' display="none"';
      return `<circle class="pt${r.onFront ? ' front' : ''}" data-cid="${esc(r.cid)}"${data}${at} r="${r.onFront ? 6 : 4.5}"><title>${esc(`${r.cid}${r.onFront ? ' (Pareto front)' : ''} · trial ${r.number}\naccuracy ${fmtPct(r.metrics.accuracy)} · reward ${fmt(r.reward)}`)}</title></circle>`;
    })
    .join('');
  return `<div class="controls">${select('explore-x', 'latency', 'x axis')} ${select('explore-y', 'accuracy', 'y axis')} <span class="muted">Outlined: Pareto front. ${pts.length} candidates.</span></div>
<svg id="explorer-chart" class="chart" viewBox="0 0 ${W} ${H}" data-l="${L}" data-r="${R}" data-t="${T}" data-b="${B}" role="img" aria-label="Two chosen objectives of every scored candidate"><rect class="frame" x="${L}" y="${T}" width="${R - L}" height="${B - T}"/><g class="grid axis">${xTicks.join('')}${yTicks.join('')}</g><g class="marks">${marks}</g></svg>`;
}

// ---------- parallel coordinates ----------

/** One line per scored candidate across every decision that varied, ending at its reward. */
export function parallelCoordinatesSvg(rows: readonly TrialRow[]): string {
  const pts = distinctScored(rows);
  const names = paramColumns(pts).filter((p) => new Set(pts.map((r) => String(r.params[p] ?? '–'))).size > 1);
  if (pts.length < 2 || names.length === 0)
    return '<p class="empty">Fewer than two scored candidates, or no decision varied.</p>';
  const gap = 78;
  const L = 30;
  // Axis names are written slanted above the axes, so long ones never run into their neighbours.
  const T = 118;
  const B = 400;
  const W = L + gap * names.length + 150;
  const H = 420;
  const rewards = pts.map((r) => r.reward);
  const rLo = Math.min(...rewards);
  const rHi = Math.max(...rewards);
  const ry = makeScale(rewards, B, T, false, 5);
  const levels = names.map((p) => {
    const vals = [...new Set(pts.map((r) => r.params[p] ?? '–'))];
    const numeric = vals.every((v) => typeof v === 'number');
    vals.sort((a, b) => (numeric ? (a as number) - (b as number) : String(a) < String(b) ? -1 : 1));
    const at = new Map(
      vals.map((v, i) => [
        String(v),
        vals.length === 1 ? (T + B) / 2 : B - (i * (B - T)) / (vals.length - 1),
      ]),
    );
    return { p, vals, at };
  });
  const xAt = (i: number) => L + i * gap;
  const out = [
    `<svg id="parallel-coords" class="chart wide" viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="Parallel coordinates: each candidate's decisions and reward">`,
  ];
  // Worst first, so the best lines are drawn on top.
  for (const r of [...pts].sort((a, b) => a.reward - b.reward)) {
    const d = levels
      .map((l, i) => `${i ? 'L' : 'M'}${n1(xAt(i))} ${n1(l.at.get(String(r.params[l.p] ?? '–'))!)}`)
      .join(' ');
    const colour = viridis(rHi > rLo ? (r.reward - rLo) / (rHi - rLo) : 0.5);
    out.push(
      `<path class="pc${r.onFront ? ' front' : ''}" data-cid="${esc(r.cid)}" stroke="${colour}" d="${d} L${n1(xAt(names.length))} ${n1(ry(r.reward))}"><title>${esc(`${r.cid} · reward ${fmt(r.reward)}`)}</title></path>`,
    );
  }
  out.push('<g class="pc-axes">');
  for (const [i, l] of levels.entries()) {
    const short = l.p.replace(/^(network|accelerator|hyperparameters)\./, '');
    out.push(
      `<line x1="${xAt(i)}" y1="${T}" x2="${xAt(i)}" y2="${B}"/><text class="pc-name" transform="translate(${xAt(i)} ${T - 10}) rotate(-32)"><title>${esc(l.p)}</title><tspan class="pc-group">${esc(l.p.split('.')[0]!.slice(0, 3))} </tspan>${esc(short)}</text>`,
    );
    for (const v of l.vals)
      out.push(
        `<text x="${xAt(i) + 4}" y="${n1(l.at.get(String(v))! + 4)}">${esc(typeof v === 'number' ? fmt(v, 3) : v)}</text>`,
      );
  }
  const ri = names.length;
  out.push(
    `<line x1="${xAt(ri)}" y1="${T}" x2="${xAt(ri)}" y2="${B}"/><text class="pc-name" transform="translate(${xAt(ri)} ${T - 10}) rotate(-32)">reward</text>`,
  );
  for (const t of ry.ticks)
    out.push(`<text x="${xAt(ri) + 4}" y="${n1(ry(t) + 4)}">${esc(fmt(t, 3))}</text>`);
  out.push('</g></svg>');
  return `<div class="table-wrap">${out.join('')}</div>`;
}

// ---------- importance ----------

/** ε² per decision (importance.ts), as horizontal bars, most important first. */
export function importanceSection(rows: readonly TrialRow[]): string {
  const pts = distinctScored(rows).filter((r) => isTrained(r.status));
  const imp = decisionImportance(pts).slice(0, 16);
  if (imp.length === 0)
    return '<p class="empty">Too few trained candidates, or too little spread in reward, to estimate importance.</p>';
  const W = 900;
  const row = 24;
  const L = 260;
  const R = W - 70;
  const H = imp.length * row + 30;
  const max = Math.max(...imp.map((i) => i.importance), 0.01);
  const out = [
    `<svg id="importance-chart" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Decision importance">`,
  ];
  for (const [k, i] of imp.entries()) {
    const y = 8 + k * row;
    const w = ((R - L) * i.importance) / max;
    out.push(
      `<text x="${L - 8}" y="${y + 15}" text-anchor="end">${esc(i.name)}</text><rect class="imp-bar" x="${L}" y="${y + 3}" width="${n1(Math.max(1, w))}" height="${row - 8}"><title>${esc(`${i.name}: ε² = ${fmt(i.importance, 3)} over ${i.values} values`)}</title></rect><text x="${n1(L + w + 6)}" y="${y + 15}">${esc(fmt(i.importance, 2))}</text>`,
    );
  }
  out.push(
    `<text class="muted-text" x="${L}" y="${H - 4}">share of the reward's variance explained by the decision alone (ε², ${pts.length} candidates)</text></svg>`,
  );
  return out.join('');
}

// ---------- learning curves ----------

/** Every trained trial's loss curve; the front's drawn on top and bolder. */
export function learningCurvesSvg(
  curves: Readonly<Record<string, readonly (readonly [number, number])[]>>,
  frontCids: ReadonlySet<string>,
): string {
  const entries = Object.entries(curves).filter(([, c]) => c.length > 0);
  const W = 900;
  const H = 320;
  const L = 64;
  const R = W - 20;
  const T = 14;
  const B = H - 44;
  if (entries.length === 0)
    return `<svg id="learning-curves" class="chart" viewBox="0 0 ${W} 80" role="img" aria-label="no loss curves"><text x="${W / 2}" y="40" text-anchor="middle" class="empty">No loss curve was recorded (searches before the trainer kept them).</text></svg>`;
  const steps = entries.flatMap(([, c]) => c.map(([s]) => s));
  const losses = entries.flatMap(([, c]) => c.map(([, l]) => l)).filter(isNum);
  const x = makeScale([0, ...steps], L, R, false, 8);
  const y = makeScale(losses, B, T, wantsLogLoss(losses), 6);
  const out = [
    `<svg id="learning-curves" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Training loss of each trained candidate">`,
    ...gridAndFrame(y.ticks, y, { L, R, T, B }),
  ];
  for (const t of x.ticks)
    out.push(`<text x="${n1(x(t))}" y="${B + 17}" text-anchor="middle">${esc(fmt(t))}</text>`);
  for (const t of y.ticks)
    out.push(`<text x="${L - 7}" y="${n1(y(t) + 4)}" text-anchor="end">${esc(fmt(t, 3))}</text>`);
  out.push(
    `<text class="label" x="${(L + R) / 2}" y="${B + 37}" text-anchor="middle">Training step</text>`,
    `<text class="label" transform="translate(${L - 48} ${(T + B) / 2}) rotate(-90)" text-anchor="middle">Training loss${y.log ? ' (log)' : ''}</text>`,
    '</g><g class="curves">',
  );
  const ordered = [...entries].sort(
    ([a], [b]) => Number(frontCids.has(a)) - Number(frontCids.has(b)) || (a < b ? -1 : 1),
  );
  for (const [cid, c] of ordered) {
    const d = c
      .filter(([, l]) => isNum(l) && (!y.log || l > 0))
      .map(([s, l], i) => `${i ? 'L' : 'M'}${n1(x(s))} ${n1(y(l))}`)
      .join(' ');
    const last = c.at(-1)!;
    out.push(
      `<path class="curve${frontCids.has(cid) ? ' front' : ''}" data-cid="${esc(cid)}" d="${d}"><title>${esc(`${cid}${frontCids.has(cid) ? ' (Pareto front)' : ''}: loss ${fmt(c[0]![1], 3)} at step ${c[0]![0]} → ${fmt(last[1], 3)} at step ${last[0]}`)}</title></path>`,
    );
  }
  out.push('</g></svg>');
  return out.join('');
}

/** Losses that fall over more than a decade read better on a log axis. */
function wantsLogLoss(losses: readonly number[]): boolean {
  return losses.length > 1 && losses.every((l) => l > 0) && Math.max(...losses) / Math.min(...losses) > 10;
}

// ---------- per-layer simulation ----------

/** For each front member, where its simulated cycles and energy go, layer by layer. */
export function layerBreakdown(
  front: readonly ReportEvaluation[],
  layers: Readonly<Record<string, readonly ReportLayer[]>>,
): string {
  const members = front.filter((e) => (layers[e.cid]?.length ?? 0) > 0);
  if (members.length === 0) return '<p class="empty">No per-layer simulation was recorded for the front.</p>';
  return members
    .map((e, k) => {
      const ls = layers[e.cid]!;
      const cycles = ls.reduce((s, l) => s + l.cycles, 0);
      const energy = ls.reduce((s, l) => s + l.energyPJ, 0);
      const maxShare = Math.max(...ls.map((l) => l.cycles / (cycles || 1)), 0.01);
      const rows = ls
        .map((l) => {
          const share = l.cycles / (cycles || 1);
          return `<tr><td><code>${esc(l.name)}</code></td><td class="num">${esc(fmtInt(l.cycles))}</td><td class="bar-cell"><svg class="share" viewBox="0 0 200 12" width="200" height="12"><rect class="share-bg" x="0" y="1" width="200" height="10"/><rect class="share-fg" x="0" y="1" width="${n1((200 * share) / maxShare)}" height="10"/></svg> ${esc(fmtPct(share))}</td><td class="num">${esc(fmtInt(l.stallCycles))}</td><td class="num">${esc(l.utilizationPct === undefined ? '–' : `${fmt(l.utilizationPct, 3)}%`)}</td><td class="num">${esc(fmtPct(energy > 0 ? l.energyPJ / energy : undefined))}</td></tr>`;
        })
        .join('');
      return `<details class="layers" data-cid="${esc(e.cid)}"${k === 0 ? ' open' : ''}><summary><code>${esc(e.cid)}</code> · ${ls.length} layers · ${esc(fmtInt(cycles))} cycles · reward ${esc(fmt(e.reward))}</summary><div class="table-wrap"><table class="layer-table"><thead><tr><th>Layer</th><th class="num">Cycles</th><th>Share of cycles</th><th class="num">Stalls</th><th class="num">Util.</th><th class="num">Energy share</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
    })
    .join('\n');
}

// ---------- controller entropy ----------

/** Mean normalized entropy of the controller's decisions per iteration (1 = uniform, 0 = decided). */
export function entropyChart(points: readonly { iteration: number; entropy: number }[]): string {
  return lineChartSvg(
    'entropy-chart',
    "Controller's mean normalized entropy per iteration",
    'Entropy (1 = uniform)',
    points.map((p) => ({ x: p.iteration, y: p.entropy })),
  );
}

/** The trial rows of a report: every evaluation, numbered as the exports number them. */
export function reportTrials(
  evaluations: readonly ReportEvaluation[],
  frontCids: ReadonlySet<string>,
): TrialRow[] {
  return trialRows(evaluations, frontCids);
}

/** Every dashboard section, in page order, for renderReport. */
export function dashboardSections(
  input: ReportInput,
  frontCids: ReadonlySet<string>,
  bestCid: string | undefined,
): string {
  const evaluations = input.evaluations ?? input.results.paretoFront ?? [];
  const rows = reportTrials(evaluations, frontCids);
  const entropy = input.entropy ?? [];
  return `<section id="trials">
<h2>All trials (${rows.length})</h2>
<p class="lead">Every evaluation the search made, in order, with its outcome, metrics and each decision of its network, accelerator and hyper-parameters. Click a column header to sort; hover a row to find the candidate in the charts. <code>cosearch results ID --csv --all</code> and <code>cosearch export</code> give the same rows.</p>
${trialsTable(rows, bestCid)}
</section>
<section id="history">
<h2>Reward of every trial</h2>
<p class="lead">Each dot is one trial (larger: on the Pareto front); the line is the best reward so far. Shaded bands are alternate iterations.</p>
${rewardHistorySvg(rows)}
</section>
<section id="explorer">
<h2>Any two objectives</h2>
<p class="lead">Choose what to plot on each axis; every scored candidate is a dot.</p>
${explorerSection(rows)}
</section>
<section id="parallel">
<h2>Decisions of every scored candidate</h2>
<p class="lead">Parallel coordinates: one line per candidate through its value of each decision that varied, ending at its reward (colour: reward, yellow best). Decisions the search never varied are left out. Hover a line for its candidate.</p>
<div class="scroll-x">${parallelCoordinatesSvg(rows)}</div>
</section>
<section id="importance">
<h2>Which decisions matter</h2>
<p class="lead">For each decision, the share of the reward's variance that its values explain on their own: ε² = (SS<sub>between</sub> − (k−1)·MS<sub>within</sub>) / (SS<sub>total</sub> + MS<sub>within</sub>) over the trained candidates grouped by the decision's k values (the correlation ratio η² with its small-sample bias removed, clipped at 0). It sees each decision alone (no interactions, unlike fANOVA) and only the values the search sampled.</p>
${importanceSection(rows)}
</section>
<section id="learning">
<h2>Learning curves</h2>
<p class="lead">Training loss against step for every trained candidate (bold: the Pareto front); hover a curve for its candidate.</p>
${learningCurvesSvg(input.lossCurves ?? {}, frontCids)}
</section>
<section id="layers">
<h2>Per-layer simulation of the front</h2>
<p class="lead">Where each front member's simulated cycles and energy go, layer by layer, on its own accelerator.</p>
${layerBreakdown(input.results.paretoFront ?? [], input.layers ?? {})}
</section>
<section id="entropy">
<h2>Controller entropy</h2>
<p class="lead">${entropy.length ? "Mean over the controller's decisions of each decision's entropy divided by log(choices), after each iteration: 1 is uniform, 0 is decided. A fall means the controller is converging." : `This search's strategy (${esc(input.results.strategy)}) keeps no per-decision logits, so it has no entropy to show.`}</p>
${entropy.length ? `<div class="half">${entropyChart(entropy)}</div>` : ''}
</section>`;
}
