// Worked examples E1-E9 of reward-math.md §B (printed there to 4 decimals), on both backends.
import { describe, expect, it } from 'vitest';
import { computeRewards } from '../../lib';
import { BACKENDS, hasNative, nativeMissingReason, single } from './backends';

const E1 = [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]];
const E4 = [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 0], [1, 0, 0, 0, 0]];
const E5 = [[1, 1, 0, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 0], [1, 0, 0, 0, 0]];
const E6 = [[1, 1, 0, 0, 1], [1, 1, 0, 0, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0]];
const E7 = [
  [1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0, 0, 1, 0], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
  [1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
];
const E8 = [[1, 1, 0, 0], [1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 1]];

function close(actual: Float64Array | number[], expected: number[], tol = 5e-5): void {
  expect(actual.length).toBe(expected.length);
  Array.from(actual).forEach((a, i) => expect(Math.abs(a - expected[i]), `index ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(tol));
}

it('the native addon is built where CI runs', () => {
  if (process.env.CI) expect(hasNative, `native addon failed to load: ${nativeMissingReason}`).toBe(true);
  else expect(typeof hasNative).toBe('boolean');
});

describe.each(BACKENDS)('worked examples (%s)', (backend) => {
  it('E1: generic 4x5 with one full pass', () => {
    const o = computeRewards(single(E1), { backend });
    close(o.rho, [1, 0.75, 0.5, 0.25, 0.25]);
    close(o.weight, [0.1098, 0.1523, 0.2174, 0.2717, 0.2717]);
    close(o.dense, [0.4795, 0.2621, 1.0228, 0.1098]);
    close(o.outcome, [0, 0, 1, 0]);
    close(o.advantage, [-0.2391, -0.4565, 1.3043, -0.6088]);
    close(o.reward, [0.4795, 0.2621, 2.0228, 0.1098]);
    expect(o.backend).toBe(backend);
  });
  it('E1 baselines: binary GRPO, RLOO, pass-rate GRPO and Dr.GRPO', () => {
    close(computeRewards(single(E1), { backend, scheme: 'binary' }).advantage, [-0.5, -0.5, 1.5, -0.5]);
    close(computeRewards(single(E1), { backend, scheme: 'binary', advantage: 'rloo' }).advantage, [-1 / 3, -1 / 3, 1, -1 / 3]);
    close(computeRewards(single(E1), { backend, scheme: 'pass-rate' }).advantage, [0.1464, -0.4392, 1.3175, -1.0247]);
    close(computeRewards(single(E1), { backend, scheme: 'pass-rate', advantage: 'dr-grpo' }).advantage, [0.05, -0.15, 0.45, -0.35]);
  });
  it('E2: all fail gives zero advantages and w = 0.2', () => {
    const o = computeRewards(single([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]), { backend });
    close(o.weight, [0.2, 0.2, 0.2, 0.2, 0.2]);
    close(o.advantage, [0, 0, 0, 0], 0);
  });
  it('E3: all pass gives R_turn = .1353 each and zero advantages', () => {
    const P = [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]];
    const o = computeRewards(single(P), { backend });
    close(o.dense, [0.1353, 0.1353, 0.1353, 0.1353]);
    close(o.outcome, [1, 1, 1, 1]);
    close(o.advantage, [0, 0, 0, 0], 1e-15);
  });
  it('E4: a test nobody passes still shapes the density', () => {
    const o = computeRewards(single(E4), { backend });
    close(o.weight, [0.0976, 0.1272, 0.2076, 0.3458, 0.7213]);
    close(o.advantage, [0.0491, -0.1584, 0.3949, -0.2856]);
    close(computeRewards(single(E4), { backend, scheme: 'pass-rate' }).advantage, [0.3873, -0.3873, 1.1619, -1.1619]);
  });
  it('E5: duplicated rollouts get identical advantages', () => {
    const o = computeRewards(single(E5), { backend });
    close(o.advantage, [-0.0867, -0.0867, 0.4144, -0.241]);
    expect(o.advantage[0]).toBe(o.advantage[1]);
  });
  it('E6: sigma = 0 (every rho equal)', () => {
    const o = computeRewards(single(E6), { backend });
    close(o.weight, [0.0736, 0.0736, 0.0736, 0.0736, 0.0736]);
    close(o.advantage, [0.0368, -0.0368, 0.0368, -0.0368]);
    close(computeRewards(single(E6), { backend, scheme: 'pass-rate' }).advantage, [0.866, -0.866, 0.866, -0.866], 1e-3);
  });
  it('E7: cardinality bias: the frontier-solving rollout earns the most dense reward', () => {
    const o = computeRewards(single(E7), { backend });
    close(o.weight, [0.0218, 0.0218, 0.0218, 0.0218, 0.0218, 0.0296, 0.0537, 0.2067, 0.4063, 0.5508]);
    close(o.dense, [0.399, 0.1923, 0.5449, 0.399, 0.109, 0.399, 0.1923, 0.399]);
    close(o.advantage, [0.0697, -0.137, 0.2155, 0.0697, -0.2203, 0.0697, -0.137, 0.0697]);
    close(computeRewards(single(E7), { backend, scheme: 'verpo-difficulty' }).dense, [1.4415, 1.0736, 1.6293, 1.4415, 0.6767, 1.4415, 1.0736, 1.4415]);
  });
  it('E8: multi-turn, turns pooled, gamma = 0.9', () => {
    const o = computeRewards(single(E8, { trajectory: [0, 0, 1, 1, 1, 1, 2] }), { backend, gamma: 0.9 });
    close(o.rho, [1, 0.8571, 0.5714, 0.2857]);
    close(o.weight, [0.0852, 0.1062, 0.258, 0.5067]);
    close(o.dense, [0.1914, 0.9561, 0.0852, 0.1914, 0.4494, 0.4494, 0.9561]);
    close(o.outcome, [0.81, 0.81, 0, 0, 0, 0, 0.9]);
    close(o.advantage, [-0.037, 0.7277, -0.9532, -0.847, -0.589, -0.589, 0.8177]);
  });
  it('E9: copying two columns four times moves R_turn only slightly; copying all x3 (delta = 0) not at all', () => {
    const dup = E1.map((r) => [...r, r[3], r[4], r[3], r[4], r[3], r[4]]);
    close(computeRewards(single(dup), { backend }).dense, [0.4675, 0.297, 1.0644, 0.1199]);
    close(computeRewards(single(dup), { backend, scheme: 'pass-rate' }).dense, [0.2727, 0.1818, 1, 0.0909]);
    const all3 = E1.map((r) => [...r, ...r, ...r]);
    const a = computeRewards(single(all3), { backend, delta: 0 }).dense;
    const b = computeRewards(single(E1), { backend, delta: 0 }).dense;
    close(a, Array.from(b), 1e-12);
  });
});
