// Properties from reward-math.md §A.4, on random inputs, for both backends.
import { describe, expect, it } from 'vitest';
import { computeRewards } from '../../lib';
import { BACKENDS, single } from './backends';
import { randomGroup, rng } from './random';

function near(a: number, b: number, tol = 1e-12): void {
  expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(a), Math.abs(b)));
}

describe.each(BACKENDS)('properties (%s)', (backend) => {
  it('duplicated rows get equal advantages, under every scheme and estimator', () => {
    const rand = rng(1);
    for (let k = 0; k < 300; ++k) {
      const { P } = randomGroup(rand, false);
      const dupAt = Math.floor(rand() * P.length);
      const withDup = [...P, [...P[dupAt]]];
      for (const scheme of ['verpo', 'verpo-difficulty', 'pass-rate', 'binary'] as const)
        for (const advantage of ['verpo', 'grpo', 'dr-grpo', 'rloo'] as const) {
          const o = computeRewards(single(withDup), { backend, scheme, advantage });
          expect(o.advantage[dupAt]).toBe(o.advantage[withDup.length - 1]);
        }
    }
  });

  it('a column passed by every row, or by none, drops out of A_turn (it still shapes sigma and N)', () => {
    const rand = rng(2);
    for (let k = 0; k < 300; ++k) {
      const { P } = randomGroup(rand, false);
      const M = P[0].length;
      const constant = rand() < 0.5 ? 1 : 0;
      const widened = P.map((row) => [...row, constant]);
      const o = computeRewards(single(widened), { backend });
      const outcomeMean = Array.from(o.outcome).reduce((s, x) => s + x, 0) / P.length;
      for (let r = 0; r < P.length; ++r) {
        const aTurn = o.advantage[r] - (o.outcome[r] - outcomeMean);
        // A_turn = sum_j w'_j (p_rj - rho_j), over the original columns only.
        let expected = 0;
        for (let j = 0; j < M; ++j) expected += o.weight[j] * (P[r][j] - o.rho[j]);
        near(aTurn, expected, 1e-12);
      }
    }
  });

  it('copying every column k times leaves R_turn unchanged when delta = 0', () => {
    const rand = rng(3);
    for (let n = 0; n < 200; ++n) {
      const { P } = randomGroup(rand, false);
      const k = 2 + Math.floor(rand() * 3);
      const copied = P.map((row) => Array.from({ length: k }, () => row).flat());
      const a = computeRewards(single(P), { backend, delta: 0 });
      const b = computeRewards(single(copied), { backend, delta: 0 });
      for (let r = 0; r < P.length; ++r) near(a.dense[r], b.dense[r], 1e-12);
    }
  });

  it('single-turn with F_norm = 1: the fused advantage is the centred (outcome + beta * dense)', () => {
    const rand = rng(4);
    for (let n = 0; n < 200; ++n) {
      const { P } = randomGroup(rand, false);
      const beta = rand() * 2;
      const o = computeRewards(single(P), { backend, beta });
      const mean = Array.from(o.reward).reduce((s, x) => s + x, 0) / P.length;
      for (let r = 0; r < P.length; ++r) near(o.advantage[r], o.reward[r] - mean, 1e-12);
    }
  });

  it('weights stay in their ranges: w in [e^-alpha, 1], w\' in (0, 1]', () => {
    const rand = rng(6);
    for (let n = 0; n < 200; ++n) {
      const { P } = randomGroup(rand, false);
      const alpha = 0.5 + rand() * 3;
      const v = computeRewards(single(P), { backend, alpha });
      const d = computeRewards(single(P), { backend, alpha, scheme: 'verpo-difficulty' });
      for (let j = 0; j < P[0].length; ++j) {
        expect(v.weight[j]).toBeGreaterThan(0);
        expect(v.weight[j]).toBeLessThanOrEqual(1);
        expect(d.weight[j]).toBeGreaterThanOrEqual(Math.exp(-alpha) * (1 - 1e-15));
        expect(d.weight[j]).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe.each(BACKENDS)('groups without signal (%s)', (backend) => {
  it('get exactly zero advantages, whatever the group size, scheme and estimator', () => {
    const groups = [
      Array.from({ length: 10 }, () => [1, 1, 1, 1, 1]), // all pass, the paper's group size
      Array.from({ length: 10 }, () => [0, 0, 0]),       // all fail
      Array.from({ length: 7 }, () => [1, 0, 1, 1]),     // identical partial rows
    ];
    for (const P of groups)
      for (const scheme of ['verpo', 'verpo-difficulty', 'pass-rate', 'binary'] as const)
        for (const advantage of ['verpo', 'grpo', 'dr-grpo', 'rloo'] as const) {
          const o = computeRewards(single(P), { backend, scheme, advantage });
          for (const a of o.advantage) expect(Object.is(a, 0), `${scheme}/${advantage}: ${a}`).toBe(true);
        }
  });
});

describe.each(BACKENDS)('given pass rates (%s)', (backend) => {
  it('are rounded to multiples of 1/1024, so wide groups stay cheap', () => {
    const M = 200_000;
    const rho = new Float64Array(M).map((_, j) => j / M);
    const passed = new Uint8Array(M).map((_, j) => j % 2);
    const o = computeRewards({ passed, rows: new Uint32Array([1]), tests: new Uint32Array([M]), rho }, { backend });
    expect(o.rho[1]).toBe(0); // 1/200000 rounds to 0
    expect(o.rho[M - 1]).toBe(1); // rounds up to 1024/1024
    expect(new Set(o.rho).size).toBeLessThanOrEqual(1025);
    expect(o.weight.every((w) => w > 0 && w <= 1)).toBe(true);
  });
});
