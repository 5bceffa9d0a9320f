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
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 8px 0 24px; }
`;

export const REPORT_SCRIPT = `
(() => {
  'use strict';
  const table = document.getElementById('front-table');
  if (table) {
    const heads = Array.from(table.querySelectorAll('th[data-type]'));
    const sortBy = (th) => {
      const col = th.cellIndex;
      const num = th.getAttribute('data-type') === 'num';
      const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      // Each candidate is a tbody (metrics row + design row); the key sits in its first row.
      const key = (group) => group.rows[0].cells[col].getAttribute('data-v');
      const rows = Array.from(table.tBodies);
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
      for (const r of rows) table.appendChild(r);
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
  }
  // Hovering a mark highlights its table row and the other way round.
  const linked = Array.from(document.querySelectorAll('[data-cid]'));
  const highlight = (cid, on) => {
    for (const el of linked) if (el.getAttribute('data-cid') === cid) el.classList.toggle('hl', on);
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
