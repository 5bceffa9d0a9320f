// How decided a controller is: the mean over its decisions of the entropy of each decision's
// softmax, divided by log(choices) so 1 is uniform and 0 is one choice certain.
import { probabilities } from '../search/policy.js';

export function meanNormalizedEntropy(logits: readonly (readonly number[])[]): number | null {
  const probs = probabilities(logits);
  const terms: number[] = [];
  for (const p of probs) {
    if (p.length < 2) continue;
    const h = -p.reduce((s, q) => s + (q > 0 ? q * Math.log(q) : 0), 0);
    terms.push(h / Math.log(p.length));
  }
  return terms.length ? terms.reduce((a, b) => a + b, 0) / terms.length : null;
}
