// Axis scales and tick choice for the inline SVG charts.

export interface Scale {
  (v: number): number;
  ticks: number[];
  log: boolean;
}

/** "Nice" round tick values (1, 2, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++)
    out.push(Number((i * step).toPrecision(12)));
  return out;
}

/** Log ticks: powers of ten, with 2 and 5 between them when the range spans few decades. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const mults = Math.log10(hi / lo) <= 3 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let k = a; k <= b; k++)
    for (const m of mults) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  return out;
}

/** Whether values spread over more than a decade (and are all positive), so a log axis reads better. */
export function wantsLog(values: readonly number[]): boolean {
  if (values.length < 2 || values.some((v) => !(v > 0))) return false;
  return Math.max(...values) / Math.min(...values) > 10;
}

/**
 * Maps the data domain (padded a little) onto [r0, r1]. Degenerate domains (one value) are widened
 * so the single point sits in the middle.
 */
export function makeScale(
  values: readonly number[],
  r0: number,
  r1: number,
  log = wantsLog(values),
  tickCount = 5,
): Scale {
  let lo = values.length ? Math.min(...values) : 0;
  let hi = values.length ? Math.max(...values) : 1;
  let scale: Scale;
  if (log) {
    let l0 = Math.log10(lo);
    let l1 = Math.log10(hi);
    const pad = (l1 - l0) * 0.06 || 0.25;
    l0 -= pad;
    l1 += pad;
    const f = (v: number) => r0 + ((Math.log10(v) - l0) / (l1 - l0)) * (r1 - r0);
    scale = Object.assign(f, { ticks: [] as number[], log: true });
    scale.ticks = logTicks(10 ** l0, 10 ** l1);
    if (scale.ticks.length < 2) scale.ticks = niceTicks(10 ** l0, 10 ** l1, 4).filter((t) => t > 0);
    return scale;
  }
  if (hi === lo) {
    const w = Math.abs(lo) * 0.1 || 1;
    lo -= w;
    hi += w;
  } else {
    const pad = (hi - lo) * 0.06;
    lo -= pad;
    hi += pad;
  }
  const f = (v: number) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0);
  scale = Object.assign(f, { ticks: niceTicks(lo, hi, tickCount), log: false });
  return scale;
}

// Viridis, sampled: perceptually uniform and readable for colour-blind people.
const VIRIDIS = ['#440154', '#46327e', '#365c8d', '#277f8e', '#1fa187', '#4ac16d', '#a0da39', '#fde725'];

/** Colour for t in [0, 1] (clamped), interpolated between viridis samples. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const u = x - i;
  const a = hexRgb(VIRIDIS[i]!);
  const b = hexRgb(VIRIDIS[i + 1]!);
  const mix = a.map((c, k) => Math.round(c + (b[k]! - c) * u));
  return `#${mix.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

export const VIRIDIS_STOPS: readonly string[] = VIRIDIS;

function hexRgb(hex: string): number[] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
}
