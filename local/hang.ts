// A hung child fails alone, as a Lambda timeout would in the cloud; the search goes on.
import type { LocalHandler } from './runner.js';

/** Extra time past training.maxSeconds before a child counts as hung (tfjs start-up, evaluation). */
export const HANG_GRACE_SECONDS = 120;

export class ChildTimeoutError extends Error {
  constructor(seconds: number, limit = 'training.maxSeconds plus a grace period') {
    super(`child did not finish within ${seconds} s (${limit}): treated as hung`);
    this.name = 'States.Timeout';
  }
}

export function withHangGuard(h: LocalHandler, seconds: number): LocalHandler {
  return boundedBy(h, seconds, () => new ChildTimeoutError(seconds));
}

/** `h`, failing with `timedOut()` if it has not settled within `seconds` (it keeps running). */
export function boundedBy(h: LocalHandler, seconds: number, timedOut: () => Error): LocalHandler {
  return (input) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(timedOut()), seconds * 1000);
      h(input).then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
}
