import { describe, expect, it } from 'vitest';
import {
  chooseUnit,
  esc,
  fmt,
  fmtInt,
  fmtPct,
  LATENCY_UNITS,
  relUrl,
  tickLabels,
} from '../../../core/report/format.js';
import { logTicks, makeScale, niceTicks, viridis, wantsLog } from '../../../core/report/scale.js';

describe('format', () => {
  it('escapes the five HTML specials and the backtick', () => {
    expect(esc(`<a href="x" title='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
    expect(esc(undefined)).toBe('');
    expect(esc(3)).toBe('3');
  });

  it('percent-encodes URL segments', () => {
    expect(relUrl('models', 'a b/../c', 'model.json')).toBe('models/a%20b%2F..%2Fc/model.json');
  });

  it('formats numbers compactly', () => {
    expect(fmt(0.12)).toBe('0.12');
    expect(fmt(1234.5678)).toBe('1235');
    expect(fmt(0.0001)).toBe('1e-4');
    expect(fmt(0.000123456)).toBe('1.23e-4');
    expect(fmt(2.5e7)).toBe('2.5e7');
    expect(fmt(0)).toBe('0');
    expect(fmt(null)).toBe('–');
    expect(fmt(Number.NaN)).toBe('–');
    expect(fmtPct(0.9876)).toBe('98.8%');
    expect(fmtInt(1234567)).toBe('1,234,567');
  });

  it('picks the unit in which the median reads at least 1', () => {
    expect(chooseUnit([0.0004, 0.002, 0.001], LATENCY_UNITS).label).toBe('µs');
    expect(chooseUnit([2, 30], LATENCY_UNITS).label).toBe('ms');
    expect(chooseUnit([], LATENCY_UNITS).label).toBe('s');
  });
});

describe('scale', () => {
  it('nice ticks are round and cover the range', () => {
    expect(niceTicks(0.12, 0.18, 5)).toEqual([0.12, 0.14, 0.16, 0.18]);
    expect(niceTicks(0.101, 0.149, 5)).toEqual([0.11, 0.12, 0.13, 0.14]);
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it('log ticks: 1-2-5 over few decades, powers of ten over many', () => {
    expect(logTicks(0.3, 30)).toEqual([0.5, 1, 2, 5, 10, 20]);
    expect(logTicks(1, 1e6)).toEqual([1, 10, 100, 1000, 10000, 100000, 1000000]);
  });

  it('uses a log axis only for positive values spread over more than a decade', () => {
    expect(wantsLog([1, 5])).toBe(false);
    expect(wantsLog([1, 50])).toBe(true);
    expect(wantsLog([0, 50])).toBe(false);
  });

  it('maps the padded domain into the range and centres a single value', () => {
    const s = makeScale([10, 20], 0, 100);
    expect(s(10)).toBeGreaterThan(0);
    expect(s(20)).toBeLessThan(100);
    expect(s(15)).toBeCloseTo(50, 9);
    expect(makeScale([5], 0, 100)(5)).toBeCloseTo(50, 9);
    const l = makeScale([1, 100], 0, 100);
    expect(l.log).toBe(true);
    expect(l(10)).toBeCloseTo(50, 9);
  });

  it('viridis runs from dark purple to yellow and clamps', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(2)).toBe('#fde725');
    expect(viridis(Number.NaN)).toBe('#440154');
  });
});

describe('tick labels', () => {
  it('carry just enough decimals to tell neighbours apart', () => {
    expect(tickLabels([1.146, 1.148, 1.15, 1.152])).toEqual(['1.146', '1.148', '1.150', '1.152']);
    expect(tickLabels([0.8, 0.9, 1], 100)).toEqual(['80', '90', '100']);
    expect(tickLabels([0.96, 0.965, 0.97])).toEqual(['0.960', '0.965', '0.970']);
    expect(tickLabels([5])).toEqual(['5']);
  });
});
