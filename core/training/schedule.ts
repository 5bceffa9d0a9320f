// Learning-rate schedules as pure functions of the step: a resumed child gets exactly the rate an
// unchunked one would (no scheduler state to checkpoint).
import type { ChildRecipe } from '../spec/plan.js';

/**
 * The rate at 0-based `step` of `totalSteps`. Warm-up: linear from base/W to base over the first
 * W = round(warmupFraction × totalSteps) steps (as PyTorch's LinearLR from 1/W). Then:
 * - constant: base;
 * - cosine: base × ½(1 + cos(π·t/T)), t and T counted after warm-up (CosineAnnealingLR to 0);
 * - step: base × gamma^(milestones passed), each milestone a fraction of T (MultiStepLR).
 */
export function learningRateAt(
  base: number,
  step: number,
  totalSteps: number,
  r: Pick<ChildRecipe, 'schedule' | 'warmupFraction' | 'milestones' | 'gamma'>,
): number {
  const warmup = Math.min(Math.round(r.warmupFraction * totalSteps), Math.max(0, totalSteps - 1));
  if (step < warmup) return (base * (step + 1)) / warmup;
  const T = Math.max(1, totalSteps - warmup);
  const t = step - warmup;
  switch (r.schedule) {
    case 'constant':
      return base;
    case 'cosine':
      return base * 0.5 * (1 + Math.cos((Math.PI * t) / T));
    case 'step': {
      let lr = base;
      for (const m of r.milestones) if (t >= Math.round(m * T)) lr *= r.gamma;
      return lr;
    }
  }
}
