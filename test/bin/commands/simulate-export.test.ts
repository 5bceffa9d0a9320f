// The SCALE-Sim files a report exports, run through `cosearch simulate`, against the latency the
// search recorded for the candidate: the array part comes back from scalesim.cfg + topology.csv,
// latency.json adds the vector part, and the results.json entry itself reproduces the total.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { command } from '../../../bin/commands/simulate.js';
import type { LatencySplit } from '../../../core/accelerator/scalesim-io.js';
import type { Evaluation } from '../../../core/engine/evaluation.js';
import { keys } from '../../../core/engine/keys.js';
import { configFiles, writeReport } from '../../../core/engine/report.js';
import { acceleratorRecord } from '../../../core/engine/simulate.js';
import type { SearchSpec } from '../../../core/spec/schema.js';
import { FileStore } from '../../../core/store/file-store.js';
import { getJson } from '../../../core/store/json.js';
import { writeSyntheticSearch } from '../../core/report/synthetic-search.js';

let dir: string;
let store: FileStore;
const ID = 'export-1';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-sim-export-'));
  store = new FileStore(dir);
  await writeSyntheticSearch(store, ID, { iterations: 1, batch: 6 });
  await writeReport(store, ID);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function simulate(argv: string[]) {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    expect(await command.run([...argv, '--json'])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(out) as { totals: { totalCycles: number; arrayCycles: number; vectorCycles: number } };
}

describe('exported SCALE-Sim files against the recorded latency', () => {
  it('scalesim.cfg + topology.csv give the array part, latency.json both parts of the recorded cycles', async () => {
    const { paretoFront } = await getJson<{ paretoFront: Evaluation[] }>(store, keys.results(ID));
    const spec = await getJson<SearchSpec>(store, keys.spec(ID));
    expect(paretoFront.length).toBeGreaterThan(0);
    for (const e of paretoFront) {
      // What the engine records for this candidate (the SimulateAccelerator step).
      const recorded = acceleratorRecord(e.cid, e.candidate, { shape: [8, 8, 1], numClasses: 10 }, spec);
      const cycles = recorded.metrics?.latencyCycles as number;
      expect(e.metrics.latencyCycles).toBe(cycles);
      const files = configFiles(ID, e.cid);
      const sim = await simulate(['--config', join(dir, files.cfg), '--topology', join(dir, files.topology)]);
      const split = await getJson<LatencySplit>(store, files.latency);
      expect(split.latencyCycles).toBe(cycles);
      expect(sim.totals.totalCycles).toBe(split.scaleSimCycles);
      expect(split.scaleSimCycles + split.vectorCycles).toBe(cycles);
      expect(split.vectorLayers.reduce((s, l) => s + l.cycles, 0)).toBe(split.vectorCycles);
      // The mobile-cnn children have batch-norms and pooling: the files alone fall short of the total.
      expect(split.vectorCycles).toBeGreaterThan(0);
    }
  });

  it('a results.json entry given to --network reproduces the recorded total and its parts', async () => {
    const { paretoFront } = await getJson<{ paretoFront: Evaluation[] }>(store, keys.results(ID));
    const e = paretoFront[0] as Evaluation;
    const entry = join(dir, 'entry.json');
    await writeFile(entry, JSON.stringify(e));
    const r = await simulate(['--network', entry, '--shape', '8,8,1', '--classes', '10', '--fast']);
    expect(r.totals.totalCycles).toBe(e.metrics.latencyCycles);
    const split = await getJson<LatencySplit>(store, configFiles(ID, e.cid).latency);
    expect([r.totals.arrayCycles, r.totals.vectorCycles]).toEqual([split.scaleSimCycles, split.vectorCycles]);
  });
});
