// Native against JS, and both against an independent naive reference, over thousands of random
// ragged batches. Native and JS must agree bit for bit (same operation order, det-exp for exp);
// against the reference, |a - b| <= tol * max(1, |a|, |b|).
import { describe, expect, it } from 'vitest';
import { computeRewards, computeRewardsAsync } from '../../lib';
import type { Estimator, RewardOptions, Scheme } from '../../lib';
import { BACKENDS, hasNative } from './backends';
import { randomGroup, rng, toBatch } from './random';
import { referenceGroup } from './reference';
import { detExp } from '../../lib/reward/det-exp';

const SCHEMES: Scheme[] = ['verpo', 'verpo-difficulty', 'pass-rate', 'binary'];
const ESTIMATORS: Estimator[] = ['verpo', 'grpo', 'dr-grpo', 'rloo'];
const OUTPUTS = ['reward', 'dense', 'outcome', 'advantage', 'weight', 'rho'] as const;

function agree(a: Float64Array, b: Float64Array | number[], what: string, tol = 1e-12): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; ++i) {
    const x = a[i], y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      expect(Number.isNaN(x) && Number.isNaN(y), `${what}[${i}]: ${x} vs ${y}`).toBe(true);
      continue;
    }
    const scale = Math.max(1, Math.abs(x), Math.abs(y));
    if (!Object.is(x, y) && !(Math.abs(x - y) <= tol * scale)) expect.fail(`${what}[${i}]: ${x} vs ${y}`);
  }
}

function randomOptions(rand: () => number): RewardOptions {
  return {
    scheme: SCHEMES[Math.floor(rand() * SCHEMES.length)],
    advantage: ESTIMATORS[Math.floor(rand() * ESTIMATORS.length)],
    alpha: 0.1 + rand() * 5,
    beta: rand() < 0.2 ? 0 : rand() * 2,
    gamma: rand() < 0.5 ? 1 : 0.5 + rand() * 0.5,
    delta: rand() < 0.3 ? 0 : 1e-6,
  };
}

describe('differential: native vs JS', () => {
  it.runIf(hasNative)('agree bit for bit on 3,000 random ragged batches', () => {
    const rand = rng(12345);
    for (let k = 0; k < 3000; ++k) {
      const multi = rand() < 0.3;
      const groups = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => randomGroup(rand, multi));
      const batch = toBatch(groups);
      const opts = randomOptions(rand);
      const n = computeRewards(batch, { ...opts, backend: 'native' });
      const j = computeRewards(batch, { ...opts, backend: 'js' });
      for (const key of OUTPUTS) agree(n[key], j[key], `batch ${k} ${JSON.stringify(opts)} ${key}`, 0);
    }
  });

  it.runIf(hasNative)('agree with a given rho (tracker path), including ties and wide groups', () => {
    const rand = rng(777);
    for (let k = 0; k < 500; ++k) {
      const groups = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => randomGroup(rand, false));
      const batch = toBatch(groups);
      const total = groups.reduce((s, g) => s + g.P[0].length, 0);
      const rho = new Float64Array(total).map(() => (rand() < 0.3 ? Math.round(rand() * 4) / 4 : rand()));
      const opts = randomOptions(rand);
      const n = computeRewards({ ...batch, rho }, { ...opts, backend: 'native' });
      const j = computeRewards({ ...batch, rho }, { ...opts, backend: 'js' });
      for (const key of OUTPUTS) agree(n[key], j[key], `batch ${k} ${key}`, 0);
    }
  });
});

describe('prior test weights (batch.testWeight)', () => {
  it.runIf(hasNative)('native and JS agree bit for bit, with and without a given rho', () => {
    const rand = rng(4242);
    for (let k = 0; k < 800; ++k) {
      const groups = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => randomGroup(rand, rand() < 0.3));
      const batch = toBatch(groups);
      const total = groups.reduce((s, g) => s + g.P[0].length, 0);
      const testWeight = new Float64Array(total).map(() => (rand() < 0.2 ? 0 : rand() < 0.3 ? 1 : rand() * 3));
      const rho = rand() < 0.4 ? { rho: new Float64Array(total).map(() => rand()) } : {};
      const opts = randomOptions(rand);
      const n = computeRewards({ ...batch, ...rho, testWeight }, { ...opts, backend: 'native' });
      const j = computeRewards({ ...batch, ...rho, testWeight }, { ...opts, backend: 'js' });
      for (const key of OUTPUTS) agree(n[key], j[key], `batch ${k} ${key}`, 0);
    }
  });

  it.each(BACKENDS)('multiply the scheme\'s weights, and the dense reward follows them (%s)', (backend) => {
    const rand = rng(17);
    for (let k = 0; k < 300; ++k) {
      const g = randomGroup(rand, false);
      const M = g.P[0].length;
      const testWeight = Float64Array.from({ length: M }, () => rand() * 2);
      const opts = { ...randomOptions(rand), backend };
      const plain = computeRewards(toBatch([g]), opts);
      const weighted = computeRewards({ ...toBatch([g]), testWeight }, opts);
      if (opts.scheme === 'binary') {
        for (const key of OUTPUTS) agree(weighted[key], plain[key], `binary ignores it: ${key}`, 0);
        continue;
      }
      agree(weighted.weight, Array.from(plain.weight, (w, j) => w * testWeight[j]), `group ${k} weight`, 0);
      agree(weighted.rho, plain.rho, `group ${k} rho`, 0);
      const dense = g.P.map((row) => row.reduce((s, p, j) => s + p * weighted.weight[j], 0));
      agree(weighted.dense, dense, `group ${k} dense`, 1e-12);
    }
  });

  it.each(BACKENDS)('the async path (chunked over threads) gives the same numbers (%s)', async (backend) => {
    const rand = rng(99);
    const groups = Array.from({ length: 64 }, () => randomGroup(rand, false));
    const total = groups.reduce((s, g) => s + g.P[0].length, 0);
    const batch = { ...toBatch(groups), testWeight: new Float64Array(total).map(() => rand() * 2) };
    const sync = computeRewards(batch, { backend });
    const async = await computeRewardsAsync(batch, { backend });
    for (const key of OUTPUTS) agree(async[key], sync[key], `async ${key}`, 0);
  });

  it.each(BACKENDS)('a bad weight is a RangeError naming it (%s)', (backend) => {
    const batch = toBatch([{ P: [[1, 0], [0, 1]], traj: null }]);
    expect(() => computeRewards({ ...batch, testWeight: new Float64Array([1]) }, { backend })).toThrow('batch.testWeight has 1 entries: expected one per (group, test) (2)');
    expect(() => computeRewards({ ...batch, testWeight: new Float64Array([1, -0.5]) }, { backend })).toThrow('batch.testWeight[1] is -0.5: expected a weight in [0, 1000000]');
    expect(() => computeRewards({ ...batch, testWeight: new Float64Array([1, 1e308]) }, { backend })).toThrow('batch.testWeight[1] is 1e+308');
    expect(() => computeRewards({ ...batch, testWeight: new Float64Array([NaN, 1]) }, { backend })).toThrow('batch.testWeight[0] is NaN');
  });
});

describe('det-exp', () => {
  it('is within 2e-16 relative of Math.exp over the kernels\' domain, and exact at 0', () => {
    const rand = rng(5);
    expect(detExp(0)).toBe(1);
    expect(detExp(-800)).toBe(0);
    expect(Number.isNaN(detExp(NaN))).toBe(true);
    for (let i = 0; i < 100000; ++i) {
      const x = -Math.pow(rand(), 2) * (rand() < 0.5 ? 10 : 700);
      const a = detExp(x), b = Math.exp(x);
      if (Math.abs(a - b) > 4e-16 * b) expect.fail(`detExp(${x}) = ${a}, Math.exp = ${b}`);
    }
  });
});

describe.each(BACKENDS)('against the naive reference (%s)', (backend) => {
  it('matches reward-math.md §A.4 on 1,000 random groups', () => {
    const rand = rng(backend === 'js' ? 99 : 98);
    for (let k = 0; k < 1000; ++k) {
      const g = randomGroup(rand, rand() < 0.3);
      const opts = randomOptions(rand) as Required<Pick<RewardOptions, 'scheme' | 'advantage' | 'alpha' | 'beta' | 'gamma' | 'delta'>>;
      const o = computeRewards(toBatch([g]), { ...opts, backend });
      const ref = referenceGroup(g.P, g.traj, opts);
      // The reference sums in plain order and in a different shape, hence the looser bound.
      for (const key of OUTPUTS) agree(o[key], ref[key], `group ${k} ${JSON.stringify(opts)} ${key}`, 1e-9);
    }
  });
});
