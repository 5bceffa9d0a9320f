// Inline SVG charts: the accuracy/latency Pareto scatter and the per-iteration line charts.
import { AREA_UNITS, chooseUnit, ENERGY_UNITS, esc, fmt, LATENCY_UNITS, tickLabels } from './format.js';
import { makeScale, VIRIDIS_STOPS, viridis, wantsLog } from './scale.js';

export interface ScatterPoint {
  cid: string;
  accuracy: number;
  latencyMs: number;
  energyMJ?: number;
  areaMM2?: number;
  front: boolean;
  /** Tooltip text (plain; escaped here). */
  tip: string;
}

const n = (v: number) => String(Math.round(v * 10) / 10);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Accuracy (y) against latency (x); colour = energy, radius ∝ √area; front marks carry class `front`. */
export function scatterSvg(points: readonly ScatterPoint[]): string {
  const W = 900;
  const H = 470;
  const L = 72;
  const R = 680;
  const T = 18;
  const B = 410;
  if (points.length === 0)
    return `<svg id="pareto-scatter" class="chart" viewBox="0 0 ${W} 120" role="img" aria-label="no scored candidates"><text x="${W / 2}" y="60" text-anchor="middle" class="empty">No candidate was scored, so there is nothing to plot.</text></svg>`;

  const lat = points.map((p) => p.latencyMs);
  const latUnit = chooseUnit(lat, LATENCY_UNITS);
  const x = makeScale(lat, L, R, undefined, 7);
  const y = makeScale(
    points.map((p) => p.accuracy),
    B,
    T,
    false,
    8,
  );
  const energies = points.flatMap((p) => (isNum(p.energyMJ) ? [p.energyMJ] : []));
  const eUnit = chooseUnit(energies, ENERGY_UNITS);
  const eLog = wantsLog(energies);
  const eT = (v: number) => (eLog ? Math.log10(v) : v);
  const eLo = energies.length ? Math.min(...energies.map(eT)) : 0;
  const eHi = energies.length ? Math.max(...energies.map(eT)) : 1;
  const colour = (v: number | undefined) =>
    isNum(v) ? viridis(eHi > eLo ? (eT(v) - eLo) / (eHi - eLo) : 0.5) : '#9ca3af';
  const areas = points.flatMap((p) => (isNum(p.areaMM2) ? [p.areaMM2] : []));
  const aUnit = chooseUnit(areas, AREA_UNITS);
  const aMax = areas.length ? Math.max(...areas) : 1;
  const aMin = areas.length ? Math.min(...areas) : 0;
  // Radius from 5 to 14 px over the observed area range (square-root scale), so small differences show.
  const radius = (a: number | undefined) =>
    !isNum(a) ? 6 : aMax > aMin ? 5 + 9 * Math.sqrt((a - aMin) / (aMax - aMin)) : 9;

  const out: string[] = [];
  out.push(
    `<svg id="pareto-scatter" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="pareto-title">`,
    `<title id="pareto-title">Test accuracy against latency of every scored candidate; Pareto-front members are outlined</title>`,
    `<defs><linearGradient id="energy-grad" x1="0" y1="1" x2="0" y2="0">${VIRIDIS_STOPS.map(
      (c, i) => `<stop offset="${(i / (VIRIDIS_STOPS.length - 1)).toFixed(3)}" stop-color="${c}"/>`,
    ).join(
      '',
    )}</linearGradient><clipPath id="plot-clip"><rect x="${L}" y="${T}" width="${R - L}" height="${B - T}"/></clipPath></defs>`,
  );
  // Grid and axes.
  out.push('<g class="grid">');
  for (const t of x.ticks) out.push(`<line x1="${n(x(t))}" y1="${T}" x2="${n(x(t))}" y2="${B}"/>`);
  for (const t of y.ticks) out.push(`<line x1="${L}" y1="${n(y(t))}" x2="${R}" y2="${n(y(t))}"/>`);
  out.push('</g><g class="axis">');
  out.push(`<rect class="frame" x="${L}" y="${T}" width="${R - L}" height="${B - T}"/>`);
  for (const t of x.ticks)
    out.push(
      `<text x="${n(x(t))}" y="${B + 18}" text-anchor="middle">${esc(fmt(t * latUnit.factor, 3))}</text>`,
    );
  const yLabels = tickLabels(y.ticks, 100);
  for (const [i, t] of y.ticks.entries())
    out.push(`<text x="${L - 8}" y="${n(y(t) + 4)}" text-anchor="end">${esc(yLabels[i])}</text>`);
  out.push(
    `<text class="label" x="${(L + R) / 2}" y="${B + 44}" text-anchor="middle">Latency per inference (${esc(latUnit.label)}${x.log ? ', log scale' : ''}) →</text>`,
    `<text class="label" transform="translate(${L - 50} ${(T + B) / 2}) rotate(-90)" text-anchor="middle">Test accuracy (%) →</text>`,
    '</g>',
  );

  // 2-D staircase (best accuracy reachable at each latency) over every plotted point.
  const stairs: ScatterPoint[] = [];
  for (const p of [...points].sort((a, b) => a.latencyMs - b.latencyMs || b.accuracy - a.accuracy))
    if (p.accuracy > (stairs.at(-1)?.accuracy ?? -Infinity)) stairs.push(p);
  if (stairs.length > 1) {
    let d = `M${n(x(stairs[0]!.latencyMs))} ${n(y(stairs[0]!.accuracy))}`;
    for (const p of stairs.slice(1)) d += ` H${n(x(p.latencyMs))} V${n(y(p.accuracy))}`;
    d += ` H${R}`;
    out.push(`<path class="stairs" clip-path="url(#plot-clip)" d="${d}"/>`);
  }

  // Marks: the rest first (dim), then the front, big before small so none hides another.
  const ordered = [...points].sort(
    (a, b) =>
      Number(a.front) - Number(b.front) ||
      (b.areaMM2 ?? 0) - (a.areaMM2 ?? 0) ||
      (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0),
  );
  // Hundreds of faint marks pile up into a solid cloud: fade them further so the front stands out.
  const dense = points.filter((p) => !p.front).length > 200;
  out.push(`<g class="marks${dense ? ' dense' : ''}">`);
  for (const p of ordered)
    out.push(
      `<circle class="mark ${p.front ? 'front' : 'other'}" data-cid="${esc(p.cid)}" cx="${n(x(p.latencyMs))}" cy="${n(y(p.accuracy))}" r="${n(radius(p.areaMM2))}" fill="${colour(p.energyMJ)}"><title>${esc(p.tip)}</title></circle>`,
    );
  out.push('</g>');

  // Legend: colour bar (energy), circle sizes (area), mark kinds.
  const lx = 720;
  out.push('<g class="legend">');
  out.push(
    `<text class="label" x="${lx}" y="${T + 12}">Energy (${esc(eUnit.label)}${eLog ? ', log' : ''})</text>`,
  );
  const barTop = T + 24;
  const barH = 120;
  out.push(
    `<rect x="${lx}" y="${barTop}" width="14" height="${barH}" fill="url(#energy-grad)" class="bar"/>`,
  );
  if (energies.length) {
    const inv = (t: number) => (eLog ? 10 ** t : t);
    const stops: [number, number][] =
      eHi > eLo
        ? [
            [0, eLo],
            [0.5, (eLo + eHi) / 2],
            [1, eHi],
          ]
        : [[0.5, eLo]];
    for (const [f, v] of stops)
      out.push(
        `<text x="${lx + 20}" y="${n(barTop + barH - f * barH + 4)}">${esc(fmt(inv(v) * eUnit.factor, 3))}</text>`,
      );
  }
  const sizeTop = barTop + barH + 36;
  out.push(`<text class="label" x="${lx}" y="${sizeTop}">Area (${esc(aUnit.label)})</text>`);
  if (areas.length) {
    const samples = [...new Set([aMin, (aMin + aMax) / 2, aMax])];
    let cy = sizeTop + 22;
    for (const a of samples) {
      const r = radius(a);
      out.push(
        `<circle class="size-key" cx="${lx + 14}" cy="${n(cy)}" r="${n(r)}"/><text x="${lx + 36}" y="${n(cy + 4)}">${esc(fmt(a * aUnit.factor, 3))}</text>`,
      );
      cy += 2 * r + 10;
    }
  }
  const keyTop = H - 60;
  out.push(
    `<circle class="key-front" cx="${lx + 7}" cy="${keyTop}" r="6"/><text x="${lx + 20}" y="${keyTop + 4}">Pareto front</text>`,
    `<circle class="key-other" cx="${lx + 7}" cy="${keyTop + 20}" r="6"/><text x="${lx + 20}" y="${keyTop + 24}">other candidates</text>`,
    `<line class="stairs" x1="${lx}" y1="${keyTop + 40}" x2="${lx + 14}" y2="${keyTop + 40}"/><text x="${lx + 20}" y="${keyTop + 44}">acc./latency trade-off</text>`,
    '</g></svg>',
  );
  return out.join('');
}

export interface LinePoint {
  x: number;
  y: number | null;
}

/** A small line chart over iterations; null values break the line. */
export function lineChartSvg(
  id: string,
  title: string,
  yLabel: string,
  points: readonly LinePoint[],
): string {
  const W = 440;
  const H = 230;
  const L = 62;
  const R = W - 16;
  const T = 14;
  const B = H - 44;
  const ys = points.flatMap((p) => (isNum(p.y) ? [p.y] : []));
  const xs = points.map((p) => p.x);
  if (ys.length === 0)
    return `<svg id="${esc(id)}" class="chart small" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}: no data"><text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="empty">No data yet</text></svg>`;
  const x = makeScale(xs.length === 1 ? [xs[0]! - 1, xs[0]! + 1] : xs, L, R, false);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  // Every iteration gets a label while they fit; beyond that, round ticks.
  x.ticks =
    x1 - x0 <= 12
      ? Array.from({ length: x1 - x0 + 1 }, (_, i) => x0 + i)
      : x.ticks.filter((t) => Number.isInteger(t) && t >= x0 && t <= x1);
  const y = makeScale(ys, B, T, false);
  const out: string[] = [
    `<svg id="${esc(id)}" class="chart small" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">`,
    ...gridAndFrame(y.ticks, y, { L, R, T, B }),
  ];
  for (const t of x.ticks)
    out.push(`<text x="${n(x(t))}" y="${B + 17}" text-anchor="middle">${esc(fmt(t))}</text>`);
  const yLabels = tickLabels(y.ticks);
  for (const [i, t] of y.ticks.entries())
    out.push(`<text x="${L - 7}" y="${n(y(t) + 4)}" text-anchor="end">${esc(yLabels[i])}</text>`);
  out.push(
    `<text class="label" x="${(L + R) / 2}" y="${B + 37}" text-anchor="middle">Iteration</text>`,
    `<text class="label" transform="translate(${L - 48} ${(T + B) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    '</g>',
  );
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!isNum(p.y)) {
      pen = false;
      continue;
    }
    d += `${pen ? ' L' : ' M'}${n(x(p.x))} ${n(y(p.y))}`;
    pen = true;
  }
  out.push(`<path class="line" d="${d.trim()}"/>`);
  for (const p of points)
    if (isNum(p.y))
      out.push(
        `<circle class="dot" cx="${n(x(p.x))}" cy="${n(y(p.y))}" r="3.5"><title>${esc(`iteration ${p.x}: ${fmt(p.y, 6)}`)}</title></circle>`,
      );
  out.push('</svg>');
  return out.join('');
}

/** A line chart's horizontal grid at the y ticks and its frame, opening the axis group. */
export function gridAndFrame(
  ticks: readonly number[],
  y: (t: number) => number,
  box: { L: number; R: number; T: number; B: number },
): string[] {
  const { L, R, T, B } = box;
  return [
    '<g class="grid">',
    ...ticks.map((t) => `<line x1="${L}" y1="${n(y(t))}" x2="${R}" y2="${n(y(t))}"/>`),
    '</g><g class="axis">',
    `<rect class="frame" x="${L}" y="${T}" width="${R - L}" height="${B - T}"/>`,
  ];
}
