// writeReport against a file store holding a finalized (synthetic) search.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceleratorConfigSchema,
  type PeArrayBreakdown,
  type PeArrayConfigFile,
  simulateNetwork,
} from '../../../core/accelerator/index.js';
import { parseScaleSimCfg, parseTopologyCsv } from '../../../core/accelerator/scalesim-io.js';
import type { Evaluation } from '../../../core/engine/evaluation.js';
import { keys } from '../../../core/engine/keys.js';
import { configFiles, writeReport } from '../../../core/engine/report.js';
import { summarizeNetwork } from '../../../core/network/summary.js';
import type { SystolicConfig } from '../../../core/space/types.js';
import { FileStore } from '../../../core/store/file-store.js';
import { getJson, listAll } from '../../../core/store/json.js';
import { writeSyntheticSearch } from './synthetic-search.js';

let dir: string;
let store: FileStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-write-report-'));
  store = new FileStore(dir);
  await writeSyntheticSearch(store, 'wr-1', { iterations: 2, batch: 6 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const text = async (key: string) => new TextDecoder().decode(await store.get(key));

describe('writeReport', () => {
  it('writes report.html and a SCALE-Sim cfg + topology CSV per systolic front member', async () => {
    const out = await writeReport(store, 'wr-1');
    expect(out.reportKey).toBe(keys.report('wr-1'));
    const html = await text(keys.report('wr-1'));
    const { paretoFront } = await getJson<{ paretoFront: Evaluation[] }>(store, keys.results('wr-1'));
    expect(paretoFront.length).toBeGreaterThan(0);
    const configs = (await listAll(store, `${keys.root('wr-1')}configs/`)).sort();
    expect(configs).toEqual(out.configKeys.slice().sort());
    expect(configs).toHaveLength(3 * paretoFront.length); // scalesim.cfg, topology.csv, latency.json
    for (const e of paretoFront) {
      const acc = e.candidate.accelerator as SystolicConfig;
      const cfg = parseScaleSimCfg(await text(`searches/wr-1/configs/${e.cid}/scalesim.cfg`));
      expect(cfg.config).toMatchObject({ rows: acc.rows, cols: acc.cols, dataflow: acc.dataflow });
      // The topology is the network the accelerator was simulated on: same MAC count.
      const layers = parseTopologyCsv(await text(`searches/wr-1/configs/${e.cid}/topology.csv`));
      expect(layers.length).toBeGreaterThan(0);
      const summary = summarizeNetwork(e.candidate.network, [8, 8, 1], 10);
      expect(simulateNetwork(summary, acc).latencyMs).toBe(e.metrics.latencyMs);
      expect(html).toContain(`href="configs/${e.cid}/scalesim.cfg"`);
      expect(html).toContain(`href="configs/${e.cid}/topology.csv"`);
      expect(html).toContain(`href="models/${e.cid}/model.json"`);
    }
  });

  it('is idempotent: a second run writes identical bytes', async () => {
    const first = await text(keys.report('wr-1'));
    await writeReport(store, 'wr-1');
    expect(await text(keys.report('wr-1'))).toBe(first);
  });

  it('writes a documented pe-array.json and layers.json per pe-array front member (no SCALE-Sim files), and links them', async () => {
    await writeSyntheticSearch(store, 'pe-1', {
      iterations: 1,
      batch: 5,
      spec: { space: { accelerator: { template: 'pe-array' } } },
    });
    const out = await writeReport(store, 'pe-1');
    const { paretoFront } = await getJson<{ paretoFront: Evaluation[] }>(store, keys.results('pe-1'));
    expect(paretoFront.length).toBeGreaterThan(0);
    const configs = (await listAll(store, `${keys.root('pe-1')}configs/`)).sort();
    expect(configs).toEqual(out.configKeys.slice().sort());
    expect(configs).toHaveLength(2 * paretoFront.length);
    const html = await text(keys.report('pe-1'));
    for (const e of paretoFront) {
      const files = configFiles('pe-1', e.cid);
      const cfg = JSON.parse(await text(files.peArray)) as PeArrayConfigFile;
      // The configuration round-trips: what `cosearch simulate --accelerator` takes.
      expect(AcceleratorConfigSchema.parse(cfg.accelerator)).toEqual(e.candidate.accelerator);
      expect(Object.keys(cfg.fields).sort()).toEqual(
        Object.keys(e.candidate.accelerator as object)
          .filter((k) => k !== 'template')
          .concat('weightBits')
          .filter((k, i, a) => a.indexOf(k) === i)
          .sort(),
      );
      expect(cfg.derived.areaMM2).toBe(e.metrics.areaMM2);
      const b = JSON.parse(await text(files.layers)) as PeArrayBreakdown;
      expect(b.totals.latencyMs).toBe(e.metrics.latencyMs);
      expect(b.layers.reduce((s, l) => s + l.cycles, 0)).toBe(b.totals.latencyCycles);
      const parts = b.totals.energyPJ;
      expect((parts.mac + parts.vector + parts.localMemory + parts.dram) * 1e-9).toBeCloseTo(
        e.metrics.energyMJ as number,
        12,
      );
      expect(html).toContain(`href="configs/${e.cid}/pe-array.json"`);
      expect(html).toContain(`href="configs/${e.cid}/layers.json"`);
    }
    expect(html).toContain('PE array');
    expect(html).toContain('model.json');
    expect(html).not.toContain('scalesim.cfg');
  });

  it('fails clearly when results.json is missing', async () => {
    await expect(writeReport(store, 'no-such-search')).rejects.toThrow(/results\.json/);
  });
});
