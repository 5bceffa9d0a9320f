// Plain-text tables for the terminal: a header, aligned columns, numbers on the right.

export type TextCell = string | number | null | undefined;

/** Columns padded to their widest cell; a column whose cells are all numbers (or blank) aligns right. */
export function textTable(header: readonly string[], rows: readonly (readonly TextCell[])[]): string {
  const text = rows.map((r) =>
    header.map((_, i) => (r[i] === null || r[i] === undefined ? '-' : String(r[i]))),
  );
  const numeric = header.map((_, i) =>
    rows.every(
      (r) =>
        r[i] === null ||
        r[i] === undefined ||
        typeof r[i] === 'number' ||
        /^[-+]?[\d.,]+%?$/.test(String(r[i])),
    ),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...text.map(line)].join('\n')}\n`;
}

/** A number rounded for people: `digits` significant figures, no exponent for ordinary sizes. */
export function round(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}
