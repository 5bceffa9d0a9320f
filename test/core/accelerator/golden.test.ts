import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareCase, type GoldenCase, loadGoldens, reportRows } from './golden.js';

const DIR = new URL('../../fixtures/scalesim/', import.meta.url).pathname;
const files = ['goldens-small.json', 'goldens-mid.json'].filter((f) => existsSync(DIR + f));

describe('exact tier against SCALE-Sim v2 output', () => {
  for (const f of files) {
    const cases = loadGoldens(DIR + f);
    for (const c of cases) {
      it(`${f}: ${c.id} matches every report field`, () => {
        expect(compareCase(c)).toEqual([]);
      });
    }
  }

  it('covers each dataflow, CALC and USER, and a USER case that stalls', () => {
    const cases = loadGoldens(`${DIR}goldens-small.json`);
    for (const df of ['os', 'ws', 'is']) expect(cases.some((c) => c.id.includes(`_${df}_`))).toBe(true);
    const stalled = cases.filter(
      (c) =>
        c.cfg.includes('USER') &&
        reportRows(c.reports.COMPUTE_REPORT).some((r) => (r['Stall Cycles'] ?? 0) > 0),
    );
    expect(stalled.length).toBeGreaterThan(0);
  });

  it('the comparison catches a changed number', () => {
    const c = loadGoldens(`${DIR}goldens-small.json`)[0] as GoldenCase;
    const broken = {
      ...c,
      reports: {
        ...c.reports,
        COMPUTE_REPORT: c.reports.COMPUTE_REPORT.replace(/\n0, (\d+),/, (_m, n) => `\n0, ${Number(n) + 1},`),
      },
    };
    expect(compareCase(broken).map((d) => d[0])).toContain(`${c.id}/0:one_fold/Total Cycles`);
  });
});
