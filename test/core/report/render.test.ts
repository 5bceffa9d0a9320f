// renderReport on hand-made and synthetic inputs: escaping, marks, table rows, links, CSP.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../core/engine/keys.js';
import { loadEvaluations } from '../../../core/engine/results.js';
import { renderReport } from '../../../core/report/index.js';
import type { ReportEvaluation, ReportInput, ReportResults } from '../../../core/report/types.js';
import { FileStore } from '../../../core/store/file-store.js';
import { getJson } from '../../../core/store/json.js';
import { writeSyntheticSearch } from './synthetic-search.js';

/** One <section id="..."> of the page. */
const section = (html: string, id: string) =>
  html.slice(html.indexOf(`<section id="${id}">`)).split('</section>')[0]!;

const EVIL = `"><img src=x onerror=alert(1)><script>alert('x')</script>&`;

function ev(cid: string, over: Partial<ReportEvaluation> = {}, metrics: ReportEvaluation['metrics'] = {}) {
  const e: ReportEvaluation = {
    cid,
    iteration: 1,
    candidate: {
      network: {
        template: 'mobile-cnn',
        stemFilters: 8,
        stages: [{ block: 'conv', kernel: 3, filters: 8, layers: 1, squeezeExcite: false, stride: 2 }],
      },
      accelerator: {
        template: 'systolic',
        rows: 8,
        cols: 8,
        dataflow: 'os',
        ifmapSramKB: 16,
        filterSramKB: 16,
        ofmapSramKB: 16,
        clockMHz: 1000,
      },
      hyperparameters: { learningRate: 0.01, weightDecay: 0, optimizer: 'adam', batchSize: 32 },
    },
    status: 'ok',
    metrics: { accuracy: 0.9, valAccuracy: 0.89, latencyMs: 0.01, energyMJ: 0.002, areaMM2: 0.5, ...metrics },
    reward: 0.8,
    modelPrefix: `searches/s-1/models/${cid}/`,
    ...over,
  };
  return e;
}

const PE_ARRAY = {
  template: 'pe-array',
  pesX: 2,
  pesY: 2,
  simdUnits: 16,
  computeLanes: 4,
  localMemoryMB: 0.5,
  registerFileKB: 16,
  ioBandwidthGBps: 16,
  clockMHz: 800,
} as const;

function results(front: ReportEvaluation[], over: Partial<ReportResults> = {}): ReportResults {
  return {
    searchId: 's-1',
    status: 'succeeded',
    specHash: 'abc123',
    seed: 7,
    strategy: 'random',
    iterations: 2,
    candidatesEvaluated: 5,
    paretoFront: front,
    best: { reward: front[0] ? { cid: front[0].cid } : null },
    hypervolume: {
      perIteration: [
        { iteration: 1, hypervolume: 0.1, bestReward: 0.5 },
        { iteration: 2, hypervolume: 0.2, bestReward: 0.8 },
      ],
    },
    versions: { cosearch: '0.1.0', node: '22.0.0' },
    backend: 'cpu+js',
    ...over,
  };
}

const count = (html: string, re: RegExp) => [...html.matchAll(re)].length;
const frontMarkCids = (html: string) =>
  [...html.matchAll(/<circle class="mark front" data-cid="([^"]*)"/g)].map((m) => m[1]);
const rowCids = (html: string) =>
  [...html.matchAll(/<tbody id="row-[^"]*" data-cid="([^"]*)"/g)].map((m) => m[1]);

describe('renderReport', () => {
  const a = ev('aaaa', { reward: 0.5 }, { latencyMs: 0.002, accuracy: 0.8 });
  const b = ev('bbbb', { reward: 0.9 }, { latencyMs: 0.02, accuracy: 0.95 });
  const c = ev('cccc', { reward: 0.7, candidate: { ...ev('x').candidate, accelerator: PE_ARRAY } });
  const other = ev('dddd', { reward: 0.1 }, { accuracy: 0.5 });
  const failed = ev('eeee', { status: 'failed', reward: null }, { accuracy: undefined });

  it('draws one outlined mark per front member and dim marks for the other scored candidates', () => {
    const html = renderReport({
      results: results([a, b, c]),
      spec: { name: 'x' },
      // Front members also appear among the evaluations; a failed one has nothing to plot.
      evaluations: [a, b, c, other, other, failed],
    });
    expect(frontMarkCids(html).sort()).toEqual(['aaaa', 'bbbb', 'cccc']);
    expect(count(html, /class="mark other"/g)).toBe(1);
    expect(html).toContain('class="mark other" data-cid="dddd"');
    expect(section(html, 'pareto')).not.toContain('data-cid="eeee"');
    // The table of all trials lists every evaluation, the failed one too.
    expect(count(section(html, 'trials'), /<tr data-cid=/g)).toBe(6);
    expect(section(html, 'trials')).toContain('<tr data-cid="eeee"');
  });

  it('lists one table row group per front member, best reward first', () => {
    const html = renderReport({ results: results([a, b, c]), spec: {} });
    expect(rowCids(html)).toEqual(['bbbb', 'cccc', 'aaaa']);
    // Every sortable header has a type; the reward column starts marked as the current order.
    expect(html).toMatch(/<th scope="col" class="num"[^>]*aria-sort="descending"[^>]*>Reward<\/th>/);
    expect(count(section(html, 'front'), /<th [^>]*data-type="(num|text)"/g)).toBe(13);
  });

  it('shows fp32 and int8 accuracy side by side, says which one the search scored, and links int8.json', () => {
    const q = ev(
      'qqqq',
      {},
      { fp32Accuracy: 0.93, quantizedAccuracy: 0.912, weightBits: 4, accuracy: 0.912 },
    );
    const html = renderReport({ results: results([q], { accuracySource: 'quantized' }), spec: {} });
    const row = html.slice(html.indexOf('<tbody id="row-qqqq"')).split('</tbody>')[0]!;
    expect(html).toMatch(/>fp32 acc\.<\/th>/);
    expect(html).toMatch(/>int8 acc\.<\/th>/);
    expect(row).toContain('data-v="0.93"');
    expect(row).toContain('91.2% (w4)');
    expect(row).toContain('href="models/qqqq/int8.json"');
    expect(html).toContain('<b>Accuracy</b> is the post-training quantized model');
    const fp32 = renderReport({ results: results([ev('ffff')], { accuracySource: 'fp32' }), spec: {} });
    expect(fp32).toContain('<b>Accuracy</b> is the fp32 model');
    // No quantized score (older results): no int8 link.
    expect(fp32).not.toContain('int8.json');
  });

  it('links the model, and SCALE-Sim files only for systolic accelerators', () => {
    const noModel = ev('ffff', { modelPrefix: undefined });
    const html = renderReport({ results: results([a, c, noModel]), spec: {} });
    const row = (cid: string) => html.slice(html.indexOf(`<tbody id="row-${cid}"`)).split('</tbody>')[0]!;
    expect(row('aaaa')).toContain('href="models/aaaa/model.json"');
    expect(row('aaaa')).toContain('href="configs/aaaa/scalesim.cfg"');
    expect(row('aaaa')).toContain('href="configs/aaaa/topology.csv"');
    expect(row('cccc')).toContain('href="models/cccc/model.json"');
    expect(row('cccc')).not.toContain('scalesim.cfg');
    expect(row('cccc')).toContain('PE array 2×2');
    expect(row('ffff')).not.toContain('model.json');
  });

  it('uses explicit links when given (e.g. a .cfg without topology)', () => {
    const html = renderReport({
      results: results([a, b]),
      spec: {},
      links: { aaaa: { scaleSimCfg: 'configs/aaaa/scalesim.cfg' } },
    });
    expect(count(html, /href="configs\/aaaa\/scalesim.cfg"/g)).toBe(1);
    expect(html).not.toContain('topology.csv');
    expect(html).not.toContain('model.json');
  });

  it('escapes every user-controlled string', () => {
    const input: ReportInput = {
      results: results([ev(EVIL, { reason: EVIL })], {
        searchId: EVIL,
        strategy: EVIL,
        specHash: EVIL,
        status: EVIL,
        stopReason: EVIL,
        failed: [{ cid: EVIL, reason: EVIL }],
        versions: { [EVIL]: EVIL },
        backend: EVIL,
        cost: { note: EVIL },
        [EVIL]: EVIL,
      }),
      spec: { name: EVIL, nested: { [EVIL]: [EVIL] } },
      dataset: { uri: EVIL, shape: [8, 8, 1], numClasses: 10 },
      evaluations: [ev(`${EVIL}2`, {}, { accuracy: 0.1 })],
    };
    const html = renderReport(input);
    expect(html).not.toContain('<img');
    expect(html).not.toContain("alert('x')");
    expect(html).not.toMatch(/onerror=alert\(1\)>/);
    // The one script element is the page's own.
    expect(count(html, /<script/g)).toBe(1);
    expect(html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;');
    // Quotes cannot close an attribute: no raw `"` follows the escaped payload's start.
    expect(html).toContain('data-cid="&quot;&gt;&lt;img');
  });

  it('locks the page down: CSP allows only its own style and script, and nothing loads', () => {
    const html = renderReport({
      results: results([a, b]),
      spec: { dataset: { uri: 'https://example.com/x' } },
    });
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
      .exec(html)?.[1]
      ?.replaceAll('&#39;', "'");
    expect(csp).toContain("default-src 'none'");
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = (t: string) => `sha256-${createHash('sha256').update(t).digest('base64')}`;
    expect(csp).toContain(`script-src '${hash(script)}'`);
    expect(csp).toContain(`style-src '${hash(style)}'`);
    expect(html).not.toMatch(/\ssrc=|<link|<iframe|@import|url\(http/);
    expect(html).not.toMatch(/\sstyle="/);
  });

  it('renders an empty front and a single iteration without breaking', () => {
    const html = renderReport({
      results: results([], {
        best: { reward: null },
        hypervolume: { perIteration: [{ iteration: 1, hypervolume: 0, bestReward: null }] },
      }),
      spec: {},
    });
    expect(html).toContain('No candidate was scored');
    expect(html).toContain('The Pareto front is empty');
    expect(frontMarkCids(html)).toEqual([]);
    expect(html).toContain('id="hv-chart"');
  });

  it('shows the spec, the provenance and extra results fields', () => {
    const html = renderReport({
      results: results([a], { cost: { estimatedUSD: 0.12, actualUSD: 0.1 } }),
      spec: { name: 'my-search', strategy: { seed: 7 } },
      dataset: { uri: 'builtin:digits', shape: [8, 8, 1], numClasses: 10 },
    });
    expect(html).toContain('<title>my-search · cosearch report</title>');
    expect(html).toContain('&quot;name&quot;: &quot;my-search&quot;');
    for (const s of [
      'abc123',
      'cpu+js',
      'version: node',
      '22.0.0',
      '8 × 8 × 1',
      'builtin:digits',
      'estimatedUSD',
    ])
      expect(html).toContain(s);
  });
});

describe('renderReport on a finalized synthetic search', () => {
  let dir: string;
  let input: ReportInput;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosearch-report-'));
    const store = new FileStore(dir);
    await writeSyntheticSearch(store, 'syn', { iterations: 3, batch: 8, failEvery: 7 });
    const r = await getJson<ReportResults>(store, keys.results('syn'));
    input = {
      results: r,
      spec: await getJson(store, keys.spec('syn')),
      evaluations: await loadEvaluations(store, 'syn', 3),
    };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('has one front mark and one row per front member, and a mark for every other scored candidate', () => {
    const html = renderReport(input);
    const front = input.results.paretoFront.map((e) => e.cid).sort();
    expect(front.length).toBeGreaterThan(2);
    expect(frontMarkCids(html).sort()).toEqual(front);
    expect(rowCids(html).sort()).toEqual(front);
    const scoredOthers = new Set(
      input.evaluations!.filter((e) => e.status === 'ok' && !front.includes(e.cid)).map((e) => e.cid),
    );
    expect(count(html, /class="mark other"/g)).toBe(scoredOthers.size);
    expect(html).toContain('Failed candidates (3)');
  });

  it('is deterministic', () => {
    expect(renderReport(input)).toBe(renderReport(input));
  });
});
