// The report's only CSS and script. Both are constants (no data inside), so the page's
// Content-Security-Policy can allow exactly them by hash and nothing else.

export const REPORT_CSS = `
:root { --ink: #1f2430; --muted: #6b7280; --line: #e5e7eb; --bg: #f5f6f8; --card: #fff; --accent: #4338ca; --hl: #fef3c7; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: #1e1b4b; color: #eef2ff; padding: 28px 32px 24px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header .sub { color: #c7d2fe; font-size: 14px; }
header code { color: #e0e7ff; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 24px 48px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin: 0 0 20px; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
h2 { font-size: 18px; margin: 0 0 4px; }
p.lead { color: var(--muted); margin: 0 0 14px; font-size: 14px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 0 0 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.card .v { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .d { color: var(--muted); font-size: 12px; }
.status-succeeded { color: #047857; } .status-stopped { color: #b45309; } .status-failed { color: #b91c1c; }
svg.chart { width: 100%; height: auto; display: block; font-size: 12px; }
svg .grid line { stroke: #eef0f3; }
svg .frame { fill: none; stroke: #cbd5e1; }
svg .axis text, svg .legend text { fill: #4b5563; }
svg .label { fill: var(--ink) !important; font-weight: 600; }
svg .empty { fill: var(--muted); font-size: 14px; }
svg .mark { cursor: pointer; transition: opacity .15s; }
svg .mark.front { stroke: #111827; stroke-width: 1.6; fill-opacity: .95; }
svg .mark.other { stroke: none; fill-opacity: .28; }
svg .dense .mark.other { fill-opacity: .13; }
svg .mark.hl { stroke: #dc2626; stroke-width: 3; fill-opacity: 1; }
svg .stairs { fill: none; stroke: #94a3b8; stroke-width: 1.4; stroke-dasharray: 5 4; }
svg .size-key { fill: #e5e7eb; stroke: #6b7280; }
svg .key-front { fill: #4ac16d; stroke: #111827; stroke-width: 1.6; }
svg .key-other { fill: #4ac16d; fill-opacity: .28; }
svg .bar { stroke: #cbd5e1; }
svg .line { fill: none; stroke: var(--accent); stroke-width: 2; }
svg .dot { fill: #fff; stroke: var(--accent); stroke-width: 2; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 20px; }
.pair h3 { font-size: 14px; margin: 0 0 6px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 7px 6px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #f8fafc; font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
th[data-type] { cursor: pointer; user-select: none; }
th[data-type]:hover { background: #eef2ff; }
th[data-type]::after { content: " ↕"; color: #cbd5e1; }
th[aria-sort="ascending"]::after { content: " ▲"; color: var(--accent); }
th[aria-sort="descending"]::after { content: " ▼"; color: var(--accent); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.design td { border-bottom: 1px solid var(--line); padding: 0 8px 8px; font-size: 12px; color: #374151; }
.front-table tbody tr:first-child td { border-bottom: none; }
.tag { display: inline-block; font-size: 10.5px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 2px 0 10px; }
.tag:first-child { margin-left: 0; }
td.files { white-space: nowrap; }
td.files a { margin-right: 6px; }
td.cand { white-space: nowrap; }
table.failures td:first-child, table.failures th:first-child { width: 1%; white-space: nowrap; padding-right: 28px; }
.front-table tbody:nth-of-type(even) { background: #fafbfc; }
.front-table tbody.hl, .front-table tbody.flash { background: var(--hl); }
a { color: var(--accent); }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 9px; background: #e0e7ff; color: var(--accent); font-weight: 600; }
.badge.muted { background: #f3f4f6; color: var(--muted); }
.muted { color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; font-size: 14px; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
pre.json { background: #0f172a; color: #e2e8f0; padding: 16px; border-radius: 8px; overflow: auto; max-height: 560px; font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 0; }
details > summary { cursor: pointer; font-weight: 600; margin: 0 0 10px; }
.table-wrap.tall { max-height: 520px; overflow: auto; }
table.trials td, table.trials th { padding: 5px 6px; white-space: nowrap; }
table.trials tr.hl td, table.layer-table tr.hl td { background: var(--hl); }
.badge.front-badge { background: #dcfce7; color: #166534; }
.st { font-size: 12px; } .st-failed { color: #b91c1c; } .st-infeasible { color: #b45309; } .st-cutShort { color: #b45309; }
.controls { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 0 0 8px; font-size: 14px; }
.controls select { font: inherit; padding: 2px 6px; }
svg.chart.wide { width: auto; max-width: none; }
/* Wider than the card with many decisions: scroll sideways instead of being cut off. */
.scroll-x { overflow-x: auto; }
svg .bands rect { fill: #f1f5f9; }
svg .best-line { fill: none; stroke: #dc2626; stroke-width: 1.6; }
svg .trial-dot { fill: var(--accent); fill-opacity: .55; }
svg .trial-dot.front { fill: #16a34a; fill-opacity: .95; stroke: #111827; stroke-width: 1.2; }
svg .pt { fill: var(--accent); fill-opacity: .45; cursor: pointer; }
svg .pt.front { fill: #16a34a; fill-opacity: .95; stroke: #111827; stroke-width: 1.4; }
svg .ex-ticks line { stroke: #eef0f3; }
svg .pc { fill: none; stroke-width: 1.3; stroke-opacity: .55; }
svg .pc.front { stroke-width: 2.2; stroke-opacity: .9; }
svg .pc:hover, svg .pc.hl { stroke: #dc2626 !important; stroke-width: 3; stroke-opacity: 1; }
svg .pc-axes line { stroke: #475569; stroke-width: 1; }
svg .pc-axes text { fill: #334155; font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .pc-axes .pc-name { font-weight: 600; font-size: 11.5px; }
svg .pc-axes .pc-group { fill: var(--muted); font-size: 10px; }
svg .imp-bar { fill: var(--accent); fill-opacity: .8; }
svg .muted-text { fill: var(--muted); font-size: 11.5px; }
svg .curve { fill: none; stroke: #94a3b8; stroke-width: 1.1; stroke-opacity: .55; }
svg .curve.front { stroke: var(--accent); stroke-width: 2; stroke-opacity: .9; }
svg .curve:hover, svg .curve.hl { stroke: #dc2626; stroke-width: 3; stroke-opacity: 1; }
svg .trial-dot.hl, svg .pt.hl { fill: #dc2626; fill-opacity: 1; }
details.layers { margin: 0 0 10px; }
.half { max-width: 640px; }
details.layers > summary { font-weight: 500; }
svg.share { vertical-align: middle; }
svg .share-bg { fill: #eef2ff; } svg .share-fg { fill: var(--accent); }
td.bar-cell { white-space: nowrap; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 8px 0 24px; }
`;

export const REPORT_SCRIPT = `
(() => {
  'use strict';
  // Sortable tables: the front's rows are tbodies (metrics row + design row), the trials' are rows.
  const sortable = (table, groupsOf, append) => {
    const heads = Array.from(table.querySelectorAll('th[data-type]'));
    const sortBy = (th) => {
      const col = th.cellIndex;
      const num = th.getAttribute('data-type') === 'num';
      const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      const key = (group) => (group.rows ? group.rows[0] : group).cells[col].getAttribute('data-v');
      const rows = groupsOf();
      rows.sort((a, b) => {
        const va = key(a);
        const vb = key(b);
        let c;
        if (num) {
          const x = Number.parseFloat(va);
          const y = Number.parseFloat(vb);
          // Missing values sink to the bottom in either direction.
          if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) - Number.isNaN(y);
          c = x - y;
        } else c = va.localeCompare(vb);
        return c * dir || Number(a.dataset.i) - Number(b.dataset.i);
      });
      for (const r of rows) append(r);
      for (const h of heads) h.setAttribute('aria-sort', 'none');
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
    };
    for (const th of heads) {
      th.addEventListener('click', () => sortBy(th));
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sortBy(th);
        }
      });
    }
  };
  const table = document.getElementById('front-table');
  if (table) sortable(table, () => Array.from(table.tBodies), (r) => table.appendChild(r));
  const trials = document.getElementById('trials-table');
  if (trials) {
    const body = trials.tBodies[0];
    sortable(trials, () => Array.from(body.rows), (r) => body.appendChild(r));
  }
  // The objective explorer: points carry their 0..1 position on every axis; show the chosen two.
  const ex = document.getElementById('explorer-chart');
  const sx = document.getElementById('explore-x');
  const sy = document.getElementById('explore-y');
  if (ex && sx && sy) {
    const box = (k) => Number(ex.getAttribute('data-' + k));
    const [L, R, T, B] = [box('l'), box('r'), box('t'), box('b')];
    const draw = () => {
      for (const c of ex.querySelectorAll('circle.pt')) {
        const px = c.getAttribute('data-' + sx.value);
        const py = c.getAttribute('data-' + sy.value);
        if (px === null || py === null) {
          c.setAttribute('display', 'none');
          continue;
        }
        c.removeAttribute('display');
        c.setAttribute('cx', (L + Number(px) * (R - L)).toFixed(1));
        c.setAttribute('cy', (B - Number(py) * (B - T)).toFixed(1));
      }
      for (const g of ex.querySelectorAll('[data-axis]')) {
        const chosen = g.getAttribute('data-axis') === 'x' ? sx.value : sy.value;
        if (g.getAttribute('data-m') === chosen) g.removeAttribute('display');
        else g.setAttribute('display', 'none');
      }
    };
    sx.addEventListener('change', draw);
    sy.addEventListener('change', draw);
    draw();
  }
  // Hovering a mark highlights its table row and the other way round.
  const linked = Array.from(document.querySelectorAll('[data-cid]'));
  const byCid = new Map();
  for (const el of linked) {
    const cid = el.getAttribute('data-cid');
    if (!byCid.has(cid)) byCid.set(cid, []);
    byCid.get(cid).push(el);
  }
  const highlight = (cid, on) => {
    for (const el of byCid.get(cid) || []) el.classList.toggle('hl', on);
  };
  for (const el of linked) {
    el.addEventListener('mouseenter', () => highlight(el.getAttribute('data-cid'), true));
    el.addEventListener('mouseleave', () => highlight(el.getAttribute('data-cid'), false));
  }
  for (const mark of document.querySelectorAll('#pareto-scatter .mark.front')) {
    mark.addEventListener('click', () => {
      const row = document.getElementById('row-' + mark.getAttribute('data-cid'));
      if (!row) return;
      row.scrollIntoView({ block: 'center', behavior: 'smooth' });
      row.classList.add('flash');
      setTimeout(() => row.classList.remove('flash'), 1500);
    });
  }
})();
`;
