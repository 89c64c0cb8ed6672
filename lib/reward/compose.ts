// Extra reward terms composed onto a group's base rewards (issue 14): reward = w_base * base + sum of
// lambda_k * term_k. Advantages follow the estimator: under `verpo` each term adds lambda_k * (term_k - its
// group mean) to the base advantage (scaled by w_base), as the dense term does; under `grpo`, `dr-grpo` and
// `rloo` the estimator runs on the composed reward, with the kernels' formulas (kernel.cpp).
import type { Estimator } from './types';

/** Kernel.cpp's kGrpoEps: (r - mean) / (std + 1e-6), as verl. */
const GRPO_EPS = 1e-6;

export interface RewardTerm {
  /** One value per row of the group. */
  values: ArrayLike<number>;
  /** lambda >= 0. */
  weight: number;
}

/** Centred values; exactly 0 everywhere when they are all equal (the kernels' rule: no signal, no noise). */
function centred(values: ArrayLike<number>): number[] {
  const n = values.length;
  let sum = 0, flat = true;
  for (let i = 0; i < n; i++) {
    sum += values[i];
    if (values[i] !== values[0]) flat = false;
  }
  const mean = sum / n;
  return Array.from({ length: n }, (_, i) => (flat ? 0 : values[i] - mean));
}

/** A group's rewards and advantages with the terms composed in. */
export function composeGroup(reward: ArrayLike<number>, advantage: ArrayLike<number>, terms: RewardTerm[], estimator: Estimator,
  baseWeight = 1): { reward: number[]; advantage: number[] } {
  const R = reward.length;
  const composed = Array.from({ length: R }, (_, r) => terms.reduce((s, t) => s + t.weight * t.values[r], baseWeight * reward[r]));
  if (estimator === 'verpo') {
    const adv = Array.from({ length: R }, (_, r) => baseWeight * advantage[r]);
    for (const t of terms) {
      if (t.weight === 0) continue;
      centred(t.values).forEach((c, r) => { adv[r] += t.weight * c; });
    }
    return { reward: composed, advantage: adv };
  }
  const c = centred(composed);
  const flat = c.every((x) => x === 0);
  if (R < 2 || flat) return { reward: composed, advantage: composed.map(() => 0) };
  if (estimator === 'dr-grpo') return { reward: composed, advantage: c };
  if (estimator === 'rloo') {
    const sum = composed.reduce((a, b) => a + b, 0);
    return { reward: composed, advantage: composed.map((x) => (x * R - sum) / (R - 1)) };
  }
  const ss = c.reduce((a, x) => a + x * x, 0);
  const scale = Math.sqrt(ss / (R - 1)) + GRPO_EPS;
  return { reward: composed, advantage: c.map((x) => x / scale) };
}
