import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../bin/cli.js';
import { command } from '../../../bin/commands/simulate.js';
import { simulateNetwork } from '../../../core/accelerator/index.js';
import { toScaleSimCfg } from '../../../core/accelerator/scalesim-io.js';
import { DEFAULT_ARCH, DEFAULT_HYPERPARAMETERS } from '../../../core/network/defaults.js';
import { summarizeNetwork } from '../../../core/network/summary.js';
import { PE_ARRAY, SYSTOLIC, tinyNetwork } from '../../core/accelerator/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cosearch-sim-'));
const cfg = join(dir, 'a.cfg');
const topo = join(dir, 't.csv');
const gemm = join(dir, 'g.csv');
writeFileSync(cfg, toScaleSimCfg({ ...SYSTOLIC, rows: 8, cols: 8, dataflow: 'ws' }));
writeFileSync(
  topo,
  'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc1, 12, 12, 3, 3, 5, 13, 1,\nDPx, 10, 10, 3, 3, 2, 1, 1,\n',
);
writeFileSync(gemm, 'Layer, M, N, K,\ng1, 20, 12, 40,\n');

async function run(argv: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  try {
    expect(await command.run(argv)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('cosearch simulate', () => {
  it('--json has exactly the documented shape (exact tier)', async () => {
    const r = JSON.parse(await run(['--config', cfg, '--topology', topo, '--json']));
    expect(Object.keys(r)).toEqual(['layers', 'totals']);
    expect(r.layers.map((l: { name: string }) => l.name)).toEqual(['c1', 'DPxChannel_0', 'DPxChannel_1']);
    expect(Object.keys(r.layers[0])).toEqual([
      'name',
      'totalCycles',
      'stallCycles',
      'overallUtilPct',
      'mappingEfficiencyPct',
      'computeUtilPct',
      'sram',
      'dram',
      'energyPJ',
    ]);
    expect(Object.keys(r.layers[0].sram)).toEqual(['ifmapReads', 'filterReads', 'ofmapWrites']);
    expect(Object.keys(r.totals)).toEqual([
      'totalCycles',
      'arrayCycles',
      'vectorCycles',
      'stallCycles',
      'energyPJ',
      'areaMM2',
    ]);
    // A topology is array work only: SCALE-Sim's part is the whole.
    expect([r.totals.arrayCycles, r.totals.vectorCycles]).toEqual([r.totals.totalCycles, 0]);
    // 12x12 3x3 C=5 N=13 on 8x8 WS: K=45 → 6 row folds, N=13 → 2 col folds, L = 100+16+8−2.
    expect(r.layers[0].totalCycles).toBe(12 * 122 - 1);
    expect(r.layers[0].dram.ofmapWrites).toBeGreaterThanOrEqual(6 * 100 * 13);
    expect(r.totals.totalCycles).toBe(
      r.layers.reduce((s: number, l: { totalCycles: number }) => s + l.totalCycles, 0),
    );
  });

  it('--fast gives the same cycles in CALC mode; --gemm reads M, N, K rows', async () => {
    const exact = JSON.parse(await run(['--config', cfg, '--topology', topo, '--json']));
    const fast = JSON.parse(await run(['--config', cfg, '--topology', topo, '--json', '--fast']));
    expect(fast.layers.map((l: { totalCycles: number }) => l.totalCycles)).toEqual(
      exact.layers.map((l: { totalCycles: number }) => l.totalCycles),
    );
    const g = JSON.parse(await run(['--config', cfg, '--topology', gemm, '--gemm', '--json']));
    expect(g.layers[0].sram.filterReads).toBe(40 * 12);
  });

  it('prints a table', async () => {
    const t = await run(['--config', cfg, '--topology', topo]);
    expect(t).toMatch(/^layer\s+cycles\s+stalls/);
    expect(t).toMatch(/\nTOTAL\s+\d+/);
    expect(t).toMatch(/area [\d.]+ mm²/);
  });

  it('takes our accelerator and network as inline JSON or files', async () => {
    const netFile = join(dir, 'net.json');
    writeFileSync(netFile, JSON.stringify(tinyNetwork()));
    const r = JSON.parse(
      await run(['--accelerator', JSON.stringify(SYSTOLIC), '--network', netFile, '--json']),
    );
    expect(r.layers).toHaveLength(tinyNetwork().layers.length);
    expect(r.layers[1].mappingEfficiencyPct).toBeNull();
    const p = JSON.parse(
      await run(['--accelerator', JSON.stringify(PE_ARRAY), '--network', netFile, '--json', '--fast']),
    );
    expect(p.totals.areaMM2).toBeGreaterThan(0);
  });

  it('--network takes the architecture JSON of `cosearch train --arch` and results.json', async () => {
    const arch = JSON.stringify(DEFAULT_ARCH);
    const acc = JSON.stringify(SYSTOLIC);
    const bare = JSON.parse(await run(['--accelerator', acc, '--network', arch, '--json']));
    const summary = summarizeNetwork(DEFAULT_ARCH, [8, 8, 1], 10);
    const m = simulateNetwork(summary, SYSTOLIC, 'exact');
    expect(bare.totals.totalCycles).toBe(m.latencyCycles);
    expect(bare.totals.arrayCycles + bare.totals.vectorCycles).toBe(m.latencyCycles);
    expect(bare.totals.vectorCycles).toBeGreaterThan(0);
    // A candidate carries its accelerator; --shape/--classes lay it out on another input.
    const cand = JSON.stringify({
      network: DEFAULT_ARCH,
      accelerator: SYSTOLIC,
      hyperparameters: DEFAULT_HYPERPARAMETERS,
    });
    const wide = JSON.parse(
      await run(['--network', cand, '--shape', '28,28,1', '--classes', '10', '--json']),
    );
    const m28 = simulateNetwork(summarizeNetwork(DEFAULT_ARCH, [28, 28, 1], 10), SYSTOLIC, 'exact');
    expect(wide.totals.totalCycles).toBe(m28.latencyCycles);
    const entry = JSON.stringify({ cid: 'x', candidate: JSON.parse(cand) });
    expect(JSON.parse(await run(['--network', entry, '--json'])).totals.totalCycles).toBe(m.latencyCycles);
    await expect(command.run(['--network', arch])).rejects.toThrow(/give --accelerator/);
    await expect(command.run(['--network', cand, '--shape', '8,8'])).rejects.toThrow(/--shape/);
    await expect(command.run(['--network', cand, '--classes', 'ten'])).rejects.toThrow(/--classes/);
    await expect(
      command.run(['--network', JSON.stringify({ ...DEFAULT_ARCH, stemFilters: 0 }), '--accelerator', acc]),
    ).rejects.toThrow(/\$\.stemFilters/);
  });

  it('bad input is a UsageError naming file, line and field', async () => {
    const badCfg = join(dir, 'bad.cfg');
    writeFileSync(badCfg, toScaleSimCfg(SYSTOLIC).replace('Dataflow : os', 'Dataflow : xs'));
    await expect(command.run(['--config', badCfg, '--topology', topo])).rejects.toThrow(
      new RegExp(`${badCfg}:\\d+ \\(Dataflow\\): unknown dataflow "xs"`),
    );
    const badCsv = join(dir, 'bad.csv');
    writeFileSync(badCsv, 'h\nc, 4, 4, 5, 3, 1, 1, 1,\n');
    await expect(command.run(['--config', cfg, '--topology', badCsv])).rejects.toThrow(
      /bad\.csv:2 .*filter height 5/,
    );
    await expect(command.run(['--config', cfg])).rejects.toBeInstanceOf(UsageError);
    await expect(
      command.run(['--accelerator', '{"template":"systolic","rows":-1}', '--network', '{}']),
    ).rejects.toThrow(/\$\.rows/);
  });

  it('exits 2 on bad input from the real binary', async () => {
    const bin = join(import.meta.dirname, '../../../bin/cosearch.ts');
    const err = await promisify(execFile)('npx', [
      'tsx',
      bin,
      'simulate',
      '--config',
      join(dir, 'none.cfg'),
      '--topology',
      topo,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(/cannot read config .*none\.cfg/);
  }, 30_000);

  it('exits 2, naming the key or line, on inputs past the simulator limits (they used to hang or run out of memory)', async () => {
    const bin = join(import.meta.dirname, '../../../bin/cosearch.ts');
    const huge = join(dir, 'huge.cfg');
    writeFileSync(
      huge,
      toScaleSimCfg(SYSTOLIC).replace(/ArrayHeight:\s+\d+/, 'ArrayHeight: 100000000000000000000'),
    );
    const heap = join(dir, 'heap.csv');
    writeFileSync(
      heap,
      'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nx, 60000, 60000, 1, 1, 60000, 1, 1,\n',
    );
    const probes: Array<[string[], RegExp]> = [
      [['--config', huge, '--topology', topo], /huge\.cfg:5 \(ArrayHeight\): .*4096/],
      [['--config', cfg, '--topology', heap], /heap\.csv:2 \(IFMAP Height\): .*over the simulator's limit/],
    ];
    for (const [argv, message] of probes) {
      const err = await promisify(execFile)('npx', ['tsx', bin, 'simulate', ...argv]).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect((err as { code: number }).code).toBe(2);
      expect((err as { stderr: string }).stderr).toMatch(message);
      expect((err as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);
});
