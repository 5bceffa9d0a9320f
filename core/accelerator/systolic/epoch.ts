// CALC-mode DRAM reads (README §6): the tumbling window of P = 50·⌊Z/100⌋ distinct addresses, as
// counts. The exact tier feeds it whole runs of reads it has already classified (new to the epoch or
// not), so it never looks at one address at a time unless an epoch ends inside a run.
import type { AccessWindow } from './result.js';

export class Epochs {
  readonly perSet: number;
  /** Distinct addresses in an epoch (P). */
  readonly size: number;
  /** Distinct addresses of the current epoch so far. */
  count = 0;
  misses = 0;
  /** Demand row of the first valid request, and of the request that completed the last epoch. */
  firstRow = -1;
  lastEndRow = -1;
  ended = 0;

  constructor(kB: number) {
    this.perSet = Math.floor((kB * 1024) / 100);
    this.size = 50 * this.perSet;
  }

  /** Room left in the current epoch. */
  get room(): number {
    return this.size - this.count;
  }

  /** `n` misses that do not complete the epoch (n < room). */
  add(n: number): void {
    this.count += n;
    this.misses += n;
  }

  /** The miss that completes the epoch, at demand row `row`; the next epoch starts empty. */
  end(row: number): void {
    this.misses += this.room;
    this.count = 0;
    this.ended++;
    this.lastEndRow = row;
  }

  /**
   * DRAM start and stop cycles (README §6): the prefetches, at 10 words/cycle and one cycle of DRAM
   * latency, as SCALE-Sim stamps them; `cycleOf` maps demand rows to cycles (stalls included).
   */
  window(cycleOf: (row: number) => number): AccessWindow {
    if (this.ended === 0) {
      const sets = Math.ceil(this.misses / this.perSet);
      return { start: -Math.ceil((sets * this.perSet) / 10), stop: -1 };
    }
    return { start: cycleOf(this.firstRow) - Math.ceil(this.size / 10), stop: cycleOf(this.lastEndRow) + 1 };
  }
}
