// Children trained in parallel on worker threads: tfjs's cpu backend is synchronous, so
// in-process training would serialize the Map and freeze the progress display. AutoHAS's
// supernet chunks run here too, for the same reason.
import { Worker } from 'node:worker_threads';
import { ChildTimeoutError } from './hang.js';

export type TrainJob =
  | { storeUri: string; step?: 'trainChild'; input: { searchId: string; iteration: number; cid: string } }
  | { storeUri: string; step: 'supernetChunk'; input: { searchId: string } };

interface Pending {
  job: TrainJob;
  timeoutSeconds?: number;
  /** What the timeout is, for the error. */
  limit?: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

const WORKER_URL = new URL('./train-worker-boot.mjs', import.meta.url);

export class TrainPool {
  private idle: Worker[] = [];
  private all: Worker[] = [];
  private queue: Pending[] = [];
  private closed = false;
  /** The most workers alive at once: the pool's memory is about this many tfjs instances. */
  peakWorkers = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be ≥ 1, got ${size}`);
  }

  /**
   * Run one job; past timeoutSeconds (counted from when a worker takes it) its worker is
   * terminated and the job fails as hung.
   */
  run(job: TrainJob, timeoutSeconds?: number, limit?: string): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('train pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        job,
        resolve,
        reject,
        ...(timeoutSeconds ? { timeoutSeconds } : {}),
        ...(limit ? { limit } : {}),
      });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (!w && this.all.length < this.size) {
        w = new Worker(WORKER_URL);
        w.unref();
        this.all.push(w);
        this.peakWorkers = Math.max(this.peakWorkers, this.all.length);
      }
      if (!w) return;
      this.dispatch(w, this.queue.shift()!);
    }
  }

  private dispatch(w: Worker, p: Pending): void {
    let hung = false;
    const timer = p.timeoutSeconds
      ? setTimeout(() => {
          hung = true;
          void w.terminate();
        }, p.timeoutSeconds * 1000)
      : undefined;
    const done = () => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (m: { ok: true; value: unknown } | { ok: false; error: string; name: string }) => {
      done();
      this.idle.push(w);
      if (m.ok) p.resolve(m.value);
      else {
        const e = new Error(m.error);
        e.name = m.name;
        p.reject(e);
      }
      this.pump();
    };
    // A crashed worker fails only its own child; a fresh worker takes its place.
    const onError = (e: Error) => {
      done();
      this.retire(w);
      p.reject(e);
      this.pump();
    };
    const onExit = (code: number) => {
      done();
      this.retire(w);
      p.reject(
        hung
          ? new ChildTimeoutError(p.timeoutSeconds!, p.limit)
          : new Error(`training worker exited with code ${code}`),
      );
      this.pump();
    };
    w.on('message', onMessage);
    w.once('error', onError);
    w.once('exit', onExit);
    w.postMessage(p.job);
  }

  private retire(w: Worker): void {
    this.all = this.all.filter((x) => x !== w);
    this.idle = this.idle.filter((x) => x !== w);
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = this.all;
    this.all = [];
    this.idle = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
