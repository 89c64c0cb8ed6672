// The pure-JS backend. Every loop mirrors native/core/reward/kernel.cpp in the same order
// (including the 16-lane summation of the dense reward, and exp() via det-exp), so the two agree bit for bit.
import { detExp } from './det-exp';
import { EstimatorCode, KernelResult, SchemeCode, Status } from './codes';

const SIGMA_EPS = 1e-12;
const GRPO_EPS = 1e-6;
const RHO_GRID = 1024; // given pass rates are rounded to multiples of 1/RHO_GRID (as in kernel.cpp)

export interface KernelArgs {
  passed: Uint8Array;
  rows: Uint32Array;
  tests: Uint32Array;
  trajectory: Uint32Array | null;
  rho: Float64Array | null;
  /** Prior weight per (group, test), multiplied into the scheme's (kernel.hpp Batch::test_weight). */
  testWeight: Float64Array | null;
  params: Float64Array; // scheme, estimator, alpha, beta, gamma, delta
  reward: Float64Array;
  dense: Float64Array;
  outcome: Float64Array;
  advantage: Float64Array;
  weight: Float64Array;
  rhoOut: Float64Array;
}

// Scratch reused across calls (the kernel is synchronous, so one set per thread suffices).
let counts = new Uint32Array(64);
let ones = new Uint32Array(64);
let levelOfCount = new Uint32Array(64);
let levelMult = new Float64Array(64);
let levelValue = new Float64Array(64);
let levelCount = new Uint32Array(64);
let levelWeight = new Float64Array(64);
let trajOutcome = new Float64Array(64);
let nturn = new Uint32Array(64);
let lastRow = new Uint32Array(64);
let givenCounts = new Uint32Array(64);
let trajCopy = new Uint32Array(64);

function grow(n: number): void {
  if (counts.length >= n) return;
  const m = Math.max(n, counts.length * 2);
  counts = new Uint32Array(m); ones = new Uint32Array(m); levelOfCount = new Uint32Array(m + 1);
  levelMult = new Float64Array(m + 1); levelValue = new Float64Array(m + 1); levelCount = new Uint32Array(m + 1);
  levelWeight = new Float64Array(m + 1); trajOutcome = new Float64Array(m); nturn = new Uint32Array(m);
  lastRow = new Uint32Array(m); givenCounts = new Uint32Array(m); trajCopy = new Uint32Array(m);
}

// Sixteen accumulators (lanes j mod 16) combined exactly as dot01 in kernel.cpp.
function dot01(p: Uint8Array, off: number, w: Float64Array, woff: number, m: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  let a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
  let j = 0;
  for (; m - j >= 16; j += 16) {
    const o = off + j, v = woff + j;
    a0 += p[o] * w[v]; a1 += p[o + 1] * w[v + 1]; a2 += p[o + 2] * w[v + 2]; a3 += p[o + 3] * w[v + 3];
    a4 += p[o + 4] * w[v + 4]; a5 += p[o + 5] * w[v + 5]; a6 += p[o + 6] * w[v + 6]; a7 += p[o + 7] * w[v + 7];
    a8 += p[o + 8] * w[v + 8]; a9 += p[o + 9] * w[v + 9]; a10 += p[o + 10] * w[v + 10]; a11 += p[o + 11] * w[v + 11];
    a12 += p[o + 12] * w[v + 12]; a13 += p[o + 13] * w[v + 13]; a14 += p[o + 14] * w[v + 14]; a15 += p[o + 15] * w[v + 15];
  }
  const c0 = (a0 + a8) + (a4 + a12), c1 = (a1 + a9) + (a5 + a13);
  const c2 = (a2 + a10) + (a6 + a14), c3 = (a3 + a11) + (a7 + a15);
  let s = (c0 + c2) + (c1 + c3);
  for (; j < m; ++j) s += p[off + j] * w[woff + j];
  return s;
}

/** Levels k / denom from integer counts in 0..denom: ascending, multiplicities, count -> level. */
function levelsFromCounts(c: Uint32Array, denom: number, M: number): number {
  if (levelOfCount.length < denom + 1) {
    levelOfCount = new Uint32Array(denom + 1);
    levelCount = new Uint32Array(denom + 1);
    levelValue = new Float64Array(denom + 1);
    levelMult = new Float64Array(denom + 1);
    levelWeight = new Float64Array(denom + 1);
  }
  levelOfCount.fill(0, 0, denom + 1);
  for (let j = 0; j < M; ++j) levelOfCount[c[j]]++;
  let n = 0;
  for (let k = 0; k <= denom; ++k) {
    const mult = levelOfCount[k];
    if (mult === 0) continue;
    levelOfCount[k] = n;
    levelCount[n] = k;
    levelValue[n] = k / denom;
    levelMult[n] = mult;
    n++;
  }
  return n;
}

/** Weights per level; rho_l - rho_k is taken as (count_l - count_k) / denom (the gap form). */
function levelWeights(n: number, M: number, denom: number, alpha: number, delta: number, densityOn: boolean): void {
  if (!densityOn) {
    for (let l = 0; l < n; ++l) levelWeight[l] = detExp(-alpha * levelValue[l]);
    return;
  }
  let sum = 0;
  for (let l = 0; l < n; ++l) sum += levelMult[l] * levelValue[l];
  const mean = sum / M;
  let v = 0;
  for (let l = 0; l < n; ++l) {
    const d = levelValue[l] - mean;
    v += levelMult[l] * (d * d);
  }
  const sigma = Math.sqrt(v / M) / 2.0;
  const twoS2 = 2.0 * sigma * sigma;
  for (let l = 0; l < n; ++l) {
    let density = M;
    if (sigma > SIGMA_EPS) {
      density = 0;
      for (let k = 0; k < n; ++k) {
        const d = Math.abs(levelCount[l] - levelCount[k]) / denom;
        density += levelMult[k] * detExp(-(d * d) / twoS2);
      }
    }
    levelWeight[l] = detExp(-alpha * levelValue[l]) / (density + delta);
  }
}

// Set by centredMean: whether the values it summed were all equal.
let flat = false;

/** Mean of values[off .. off + n), as kernel.cpp's centred_mean (same order); sets `flat`. */
function centredMean(values: Float64Array, off: number, n: number): number {
  let sum = 0;
  flat = true;
  for (let i = 0; i < n; ++i) {
    sum += values[off + i];
    if (values[off + i] !== values[off]) flat = false;
  }
  return sum / n;
}

/**
 * Computes groups [begin, end). Shapes and parameters were validated by the caller (validate.ts);
 * cells, rho values and trajectory ids are checked here, as they are read.
 */
export function computeJs(a: KernelArgs, begin: number, end: number): KernelResult {
  const { passed, rows, tests, trajectory, rho: rhoIn, testWeight, params } = a;
  const scheme = params[0] as SchemeCode, estimator = params[1] as EstimatorCode;
  const alpha = params[2], beta = params[3], gamma = params[4], delta = params[5];
  let cell0 = 0, row0 = 0, test0 = 0;
  for (let g = 0; g < begin; ++g) {
    cell0 += rows[g] * tests[g];
    row0 += rows[g];
    test0 += tests[g];
  }
  for (let g = begin; g < end; ++g) {
    const R = rows[g], M = tests[g];
    grow(Math.max(R, M) + 1);

    // Pass 1: column counts and the 0/1 check.
    counts.fill(0, 0, M);
    let any = 0;
    for (let r = 0; r < R; ++r) {
      const off = cell0 + r * M;
      for (let j = 0; j < M; ++j) {
        const v = passed[off + j];
        counts[j] += v;
        any |= v;
      }
    }
    if (any > 1) {
      let i = cell0;
      while (passed[i] <= 1) ++i;
      return [Status.BadCell, i, g];
    }

    // Per-test pass rates; given ones are rounded to the RHO_GRID grid, as in kernel.cpp.
    const rho = a.rhoOut, weight = a.weight;
    let levelSource = counts;
    let denom = R;
    if (rhoIn) {
      for (let j = 0; j < M; ++j) {
        const v = rhoIn[test0 + j];
        if (!(v >= 0 && v <= 1)) return [Status.BadRho, test0 + j, g];
        givenCounts[j] = Math.floor(v * RHO_GRID + 0.5);
        rho[test0 + j] = givenCounts[j] / RHO_GRID;
      }
      levelSource = givenCounts;
      denom = RHO_GRID;
    } else {
      for (let j = 0; j < M; ++j) rho[test0 + j] = counts[j] / R;
    }
    switch (scheme) {
      case SchemeCode.Binary:
        weight.fill(NaN, test0, test0 + M);
        break;
      case SchemeCode.PassRate:
        for (let j = 0; j < M; ++j) weight[test0 + j] = 1.0 / M;
        break;
      case SchemeCode.VerpoDifficulty:
      case SchemeCode.Verpo: {
        const n = levelsFromCounts(levelSource, denom, M);
        levelWeights(n, M, denom, alpha, delta, scheme === SchemeCode.Verpo);
        for (let j = 0; j < M; ++j) weight[test0 + j] = levelWeight[levelOfCount[levelSource[j]]];
        break;
      }
    }
    // A prior weight per test multiplies the scheme's (binary gives no per-test credit to weigh).
    const prior = testWeight !== null && scheme !== SchemeCode.Binary;
    if (prior) {
      for (let j = 0; j < M; ++j) {
        const v = testWeight[test0 + j];
        if (!(Number.isFinite(v) && v >= 0)) return [Status.BadTestWeight, test0 + j, g];
        weight[test0 + j] *= v;
      }
    }

    // Pass 2: tests passed and the dense reward per row.
    const dense = a.dense;
    for (let r = 0; r < R; ++r) {
      const off = cell0 + r * M;
      let o = 0;
      for (let j = 0; j < M; ++j) o += passed[off + j];
      ones[r] = o;
      if (scheme === SchemeCode.Binary) dense[row0 + r] = o === M ? 1.0 : 0.0;
      else if (scheme === SchemeCode.PassRate && !prior) dense[row0 + r] = o / M;
      else dense[row0 + r] = dot01(passed, off, weight, test0, M);
    }

    // Outcome per trajectory.
    const outcome = a.outcome;
    let N = R;
    if (!trajectory) {
      for (let r = 0; r < R; ++r) trajCopy[r] = r;
      for (let r = 0; r < R; ++r) trajOutcome[r] = ones[r] === M ? gamma : 0.0;
    } else {
      for (let r = 0; r < R; ++r) trajCopy[r] = trajectory[row0 + r];
      N = 0;
      for (let r = 0; r < R; ++r) {
        const t = trajCopy[r];
        if (t >= R) return [Status.BadTrajectory, row0 + r, g];
        if (t + 1 > N) N = t + 1;
      }
      nturn.fill(0, 0, N);
      lastRow.fill(0, 0, N);
      for (let r = 0; r < R; ++r) {
        nturn[trajCopy[r]]++;
        lastRow[trajCopy[r]] = r;
      }
      for (let t = 0; t < N; ++t) {
        if (nturn[t] === 0) return [Status.BadTrajectory, row0, g];
        let decay = 1.0;
        for (let k = 0; k < nturn[t]; ++k) decay *= gamma;
        trajOutcome[t] = ones[lastRow[t]] === M ? decay : 0.0;
      }
    }
    for (let r = 0; r < R; ++r) outcome[row0 + r] = trajOutcome[trajCopy[r]];

    // Scalar reward per row.
    const reward = a.reward;
    for (let r = 0; r < R; ++r) {
      if (scheme === SchemeCode.Binary) reward[row0 + r] = outcome[row0 + r];
      else if (scheme === SchemeCode.PassRate) reward[row0 + r] = dense[row0 + r];
      else reward[row0 + r] = outcome[row0 + r] + beta * dense[row0 + r];
    }

    // Advantages, centred within the group (exactly 0 where the centred values are all equal).
    const adv = a.advantage;
    if (estimator === EstimatorCode.Verpo) {
      const mt = centredMean(trajOutcome, 0, N), trajFlat = flat;
      const md = centredMean(dense, row0, R), denseFlat = flat;
      for (let r = 0; r < R; ++r) {
        const aTraj = trajFlat ? 0.0 : trajOutcome[trajCopy[r]] - mt;
        adv[row0 + r] = aTraj + beta * (denseFlat ? 0.0 : dense[row0 + r] - md);
      }
    } else if (estimator === EstimatorCode.Grpo || estimator === EstimatorCode.DrGrpo) {
      const mean = centredMean(reward, row0, R), rewardFlat = flat;
      let scale = 1.0;
      if (estimator === EstimatorCode.Grpo && R > 1 && !rewardFlat) {
        let ss = 0;
        for (let r = 0; r < R; ++r) ss += (reward[row0 + r] - mean) * (reward[row0 + r] - mean);
        scale = Math.sqrt(ss / (R - 1)) + GRPO_EPS;
      }
      for (let r = 0; r < R; ++r) adv[row0 + r] = R > 1 && !rewardFlat ? (reward[row0 + r] - mean) / scale : 0.0;
    } else {
      centredMean(reward, row0, R);
      const rewardFlat = flat;
      let sum = 0;
      for (let r = 0; r < R; ++r) sum += reward[row0 + r];
      for (let r = 0; r < R; ++r) adv[row0 + r] = R > 1 && !rewardFlat ? (reward[row0 + r] * R - sum) / (R - 1) : 0.0;
    }

    cell0 += R * M;
    row0 += R;
    test0 += M;
  }
  return null;
}
