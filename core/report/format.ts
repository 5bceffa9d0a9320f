// Escaping and number formatting for the report. Everything interpolated into HTML goes through esc().

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Text or attribute value, safe inside elements and quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]!);
}

/** A relative URL made of path segments, each percent-encoded (then HTML-escaped by the caller). */
export function relUrl(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Significant-figure formatting; exponent form only for very small or very large values. */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (!isNum(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) {
    const [mant, exp] = v.toExponential(Math.max(0, digits - 2)).split('e');
    return `${Number(mant)}e${Number(exp)}`;
  }
  // toPrecision then Number drops trailing zeros ("0.1200" -> "0.12").
  return String(Number(v.toPrecision(digits)));
}

/** Labels for evenly spaced ticks, with just enough decimals to tell neighbours apart. */
export function tickLabels(ticks: readonly number[], scale = 1): string[] {
  const vs = ticks.map((t) => t * scale);
  const step = vs.length > 1 ? Math.abs(vs[1]! - vs[0]!) : 0;
  const max = Math.max(0, ...vs.map(Math.abs));
  if (!(step > 0) || max >= 1e6 || max < 1e-3) return vs.map((v) => fmt(v, 3));
  const decimals = Math.min(10, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  return vs.map((v) => v.toFixed(decimals));
}

export function fmtPct(v: number | null | undefined, digits = 1): string {
  return isNum(v) ? `${(v * 100).toFixed(digits)}%` : '–';
}

/** Whole numbers with thin-space-free comma grouping, independent of the host locale. */
export function fmtInt(v: number | null | undefined): string {
  if (!isNum(v)) return '–';
  return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export interface DisplayUnit {
  label: string;
  /** Multiply a base-unit value by this to get the displayed value. */
  factor: number;
}

/**
 * The largest unit in which the median of `values` is at least 1 (falls back to the last one),
 * so tiny latencies read as "443 ns" instead of "4.43e-4 ms".
 */
export function chooseUnit(values: readonly number[], units: readonly DisplayUnit[]): DisplayUnit {
  const xs = values.filter((v) => isNum(v) && v > 0).sort((a, b) => a - b);
  if (xs.length === 0) return units[0]!;
  const median = xs[Math.floor(xs.length / 2)]!;
  return units.find((u) => median * u.factor >= 1) ?? units[units.length - 1]!;
}

export const LATENCY_UNITS: readonly DisplayUnit[] = [
  { label: 's', factor: 1e-3 },
  { label: 'ms', factor: 1 },
  { label: 'µs', factor: 1e3 },
  { label: 'ns', factor: 1e6 },
];

export const ENERGY_UNITS: readonly DisplayUnit[] = [
  { label: 'J', factor: 1e-3 },
  { label: 'mJ', factor: 1 },
  { label: 'µJ', factor: 1e3 },
  { label: 'nJ', factor: 1e6 },
  { label: 'pJ', factor: 1e9 },
];

// Accelerator areas read best in mm² even below 1 (0.45 mm², not 455000 µm²).
export const AREA_UNITS: readonly DisplayUnit[] = [{ label: 'mm²', factor: 1 }];
