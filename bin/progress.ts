// Progress on a terminal: one live line on a TTY, plain lines per iteration otherwise.
import type { Progress, ProgressEvent } from '../local/session.js';

const fmtTime = (s: number | null) =>
  s === null
    ? '?'
    : s >= 3600
      ? `${(s / 3600).toFixed(1)} h`
      : s >= 60
        ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s`
        : `${s.toFixed(0)}s`;

export function progressLine(p: Progress): string {
  const s = p.supernet;
  // Until the loop's first iteration ends, an AutoHAS search reports its supernet.
  if (s && p.iteration === 0) {
    const reward = s.lastReward === null ? '-' : s.lastReward.toFixed(4);
    const acc = s.valAccuracy == null ? '-' : s.valAccuracy.toFixed(3);
    return `supernet step ${s.step}/${s.steps} | controller reward ${reward} | supernet val acc ${acc} | ${s.trainExamples + s.evalExamples} example passes | ${fmtTime(p.elapsedSeconds)} elapsed`;
  }
  const best = p.bestReward === null ? '-' : p.bestReward.toFixed(4);
  return `iter ${p.iteration}/${p.iterations} | children ${p.childrenDone} (trained ${p.trained}, infeasible ${p.infeasible}, failed ${p.failed}, cached ${p.cached}) | best reward ${best} | Pareto ${p.paretoSize} | ${fmtTime(p.elapsedSeconds)} elapsed, ETA ${fmtTime(p.etaSeconds)}`;
}

export function progressPrinter(out: NodeJS.WriteStream = process.stdout) {
  const tty = out.isTTY === true;
  let lastPrinted = -1;
  return (p: Progress, event: ProgressEvent) => {
    if (tty) {
      out.write(`\r\x1b[2K${progressLine(p).slice(0, (out.columns ?? 160) - 1)}`);
      if (event === 'done') out.write('\n');
    } else if (
      event === 'supernet' ||
      event === 'iteration' ||
      (event === 'done' && p.iteration !== lastPrinted)
    ) {
      lastPrinted = p.iteration;
      out.write(`${progressLine(p)}\n`);
    }
  };
}
