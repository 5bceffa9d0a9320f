// Progress on a terminal: one live line on a TTY, plain lines per iteration otherwise. The bar and
// the ETA come first, so a narrow terminal cuts the details off the end, not them.
import type { Progress, ProgressEvent } from '../local/session.js';

export const fmtTime = (s: number | null) =>
  s === null
    ? '?'
    : s >= 3600
      ? `${(s / 3600).toFixed(1)} h`
      : s >= 60
        ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
        : `${s.toFixed(0)}s`;

const BAR_WIDTH = 20;

/** A fixed-width bar: `[######--------------]  30%`. */
export function progressBar(fraction: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * BAR_WIDTH);
  return `[${'#'.repeat(full)}${'-'.repeat(BAR_WIDTH - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

export function progressLine(p: Progress): string {
  const s = p.supernet;
  // Until the loop's first iteration ends, an AutoHAS search reports its supernet.
  if (s && p.iteration === 0) {
    const reward = s.lastReward === null ? '-' : s.lastReward.toFixed(4);
    const acc = s.valAccuracy == null ? '-' : s.valAccuracy.toFixed(3);
    return `${progressBar(s.steps > 0 ? s.step / s.steps : 0)} supernet step ${s.step}/${s.steps} | controller reward ${reward} | supernet val acc ${acc} | ${s.trainExamples + s.evalExamples} example passes | ${fmtTime(p.elapsedSeconds)} elapsed`;
  }
  const best = p.bestReward === null ? '-' : p.bestReward.toFixed(4);
  const eta = p.fraction >= 1 ? 'done' : `ETA ${fmtTime(p.etaSeconds)}`;
  const head = `${progressBar(p.fraction)} ${eta} | iter ${p.iteration}/${p.iterations}`;
  if (p.phase) return `${head} | ${p.phase}... | ${fmtTime(p.elapsedSeconds)} elapsed`;
  return `${head} | children ${p.childrenDone} (trained ${p.trained}, infeasible ${p.infeasible}, failed ${p.failed}, cached ${p.cached}) | best reward ${best} | Pareto ${p.paretoSize} | ${fmtTime(p.elapsedSeconds)} elapsed`;
}

export function progressPrinter(out: NodeJS.WriteStream = process.stdout) {
  const tty = out.isTTY === true;
  let lastPrinted = -1;
  return (p: Progress, event: ProgressEvent) => {
    if (tty) {
      out.write(`\r\x1b[2K${progressLine(p).slice(0, (out.columns ?? 160) - 1)}`);
      if (event === 'done') out.write('\n');
    } else if (event === 'phase') out.write(`${p.phase}...\n`);
    else if (
      event === 'supernet' ||
      event === 'iteration' ||
      (event === 'done' && p.iteration !== lastPrinted)
    ) {
      lastPrinted = p.iteration;
      out.write(`${progressLine(p)}\n`);
    }
  };
}
