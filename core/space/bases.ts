import type { BasisRange } from '../spec/schema.js';

/** k categorical basis values spanning [min, max], log-spaced unless the range says linear. */
export function basisValues(r: BasisRange): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.bases; i++) {
    const t = i / (r.bases - 1);
    const v =
      r.scale === 'log'
        ? Math.exp(Math.log(r.min) + t * (Math.log(r.max) - Math.log(r.min)))
        : r.min + t * (r.max - r.min);
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

export function numericChoices(v: readonly number[] | BasisRange): number[] {
  return Array.isArray(v) ? [...v] : basisValues(v as BasisRange);
}
