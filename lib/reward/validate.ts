// Input checks with messages that name the field and what was expected (better-sqlite3 style:
// JS validates and explains; the kernels re-check cheaply and report codes that land here too).
import { ESTIMATORS, EstimatorCode, KernelResult, SCHEMES, SchemeCode, Status } from './codes';
import type { Estimator, RewardBatch, RewardOptions, Scheme } from './types';

/** The largest prior test weight: far past any sensible prior, and small enough that sums of weights times
 *  rewards stay finite (1e308 weights made every advantage -Infinity). */
export const MAX_TEST_WEIGHT = 1e6;

export interface Plan {
  passed: Uint8Array;
  rows: Uint32Array;
  tests: Uint32Array;
  trajectory: Uint32Array | null;
  rho: Float64Array | null;
  testWeight: Float64Array | null;
  params: Float64Array;
  scheme: Scheme;
  estimator: Estimator;
  rowsTotal: number;
  testsTotal: number;
  /** Cells before each group, and one past the end (groups + 1 entries). */
  cellOffsets: Float64Array;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return 'an Array';
  return typeof v;
}

function typed<T>(v: unknown, ctor: { new (...a: never[]): T; name: string }, field: string, optional: boolean): T | null {
  if (v === undefined && optional) return null;
  if (!(v instanceof ctor) || (ctor === (Uint8Array as unknown) && v instanceof Uint8ClampedArray))
    throw new TypeError(`${field} must be a ${ctor.name}${optional ? ' or undefined' : ''} (got ${kind(v)})`);
  return v;
}

function num(v: unknown, field: string, def: number, ok: (x: number) => boolean, expected: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number') throw new TypeError(`${field} must be a number ${expected} (got ${kind(v)})`);
  if (!ok(v)) throw new RangeError(`${field} is ${v}: expected ${expected}`);
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw new TypeError(`${field} is ${JSON.stringify(v)}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return v as T;
}

const SCHEME_CODE: Record<Scheme, SchemeCode> = {
  binary: SchemeCode.Binary, 'pass-rate': SchemeCode.PassRate, verpo: SchemeCode.Verpo, 'verpo-difficulty': SchemeCode.VerpoDifficulty,
};
const ESTIMATOR_CODE: Record<Estimator, EstimatorCode> = {
  verpo: EstimatorCode.Verpo, grpo: EstimatorCode.Grpo, 'dr-grpo': EstimatorCode.DrGrpo, rloo: EstimatorCode.Rloo,
};

/** Checks the options alone (also used by the CLI and server before any batch exists). */
export function checkOptions(options: RewardOptions | undefined): { params: Float64Array; scheme: Scheme; estimator: Estimator } {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw new TypeError(`options must be an object (got ${kind(options)})`);
  const o = options ?? {};
  const scheme = oneOf(o.scheme, 'options.scheme', SCHEMES, 'verpo');
  const alpha = num(o.alpha, 'options.alpha', 2, (x) => Number.isFinite(x) && x > 0, 'finite and > 0');
  const beta = num(o.beta, 'options.beta', 1, (x) => Number.isFinite(x) && x >= 0, 'finite and >= 0');
  const gamma = num(o.gamma, 'options.gamma', 1, (x) => x > 0 && x <= 1, 'in (0, 1]');
  const delta = num(o.delta, 'options.delta', 1e-6, (x) => Number.isFinite(x) && x >= 0, 'finite and >= 0');
  const defaultEstimator: Estimator = scheme === 'verpo' || scheme === 'verpo-difficulty' ? 'verpo' : 'grpo';
  const estimator = oneOf(o.advantage, 'options.advantage', ESTIMATORS, defaultEstimator);
  oneOf(o.backend, 'options.backend', ['auto', 'native', 'js'] as const, 'auto');
  const params = new Float64Array([SCHEME_CODE[scheme], ESTIMATOR_CODE[estimator], alpha, beta, gamma, delta]);
  return { params, scheme, estimator };
}

export function plan(batch: RewardBatch, options: RewardOptions | undefined): Plan {
  if (batch === null || typeof batch !== 'object') throw new TypeError(`batch must be an object (got ${kind(batch)})`);
  const { params, scheme, estimator } = checkOptions(options);
  const passed = typed(batch.passed, Uint8Array, 'batch.passed', false)!;
  const rows = typed(batch.rows, Uint32Array, 'batch.rows', false)!;
  const tests = typed(batch.tests, Uint32Array, 'batch.tests', false)!;
  const trajectory = typed(batch.trajectory, Uint32Array, 'batch.trajectory', true);
  const rho = typed(batch.rho, Float64Array, 'batch.rho', true);
  const testWeight = typed(batch.testWeight, Float64Array, 'batch.testWeight', true);
  if (rows.length !== tests.length)
    throw new RangeError(`batch.rows has ${rows.length} groups but batch.tests has ${tests.length}: expected one entry per group in each`);

  const groups = rows.length;
  const cellOffsets = new Float64Array(groups + 1);
  let cells = 0, rowsTotal = 0, testsTotal = 0;
  for (let g = 0; g < groups; ++g) {
    if (rows[g] === 0) throw new RangeError(`batch.rows[${g}] is 0: expected >= 1 row in every group (group ${g} is empty)`);
    if (tests[g] === 0) throw new RangeError(`batch.tests[${g}] is 0: expected >= 1 test in every group (group ${g} is empty)`);
    cellOffsets[g] = cells;
    cells += rows[g] * tests[g];
    rowsTotal += rows[g];
    testsTotal += tests[g];
  }
  cellOffsets[groups] = cells;
  if (cells !== passed.length)
    throw new RangeError(`batch.passed has ${passed.length} cells but sum(rows[g] * tests[g]) is ${cells}: expected them equal`);

  if (trajectory) {
    if (trajectory.length !== rowsTotal)
      throw new RangeError(`batch.trajectory has ${trajectory.length} entries: expected one per row (${rowsTotal})`);
    let row0 = 0, maxRows = 1;
    for (let g = 0; g < groups; ++g) maxRows = Math.max(maxRows, rows[g]);
    const seen = new Uint8Array(maxRows);
    for (let g = 0; g < groups; ++g) {
      const R = rows[g];
      let n = 0;
      seen.fill(0, 0, R);
      for (let r = 0; r < R; ++r) {
        const t = trajectory[row0 + r];
        if (t >= R)
          throw new RangeError(`batch.trajectory[${row0 + r}] is ${t} (group ${g}, row ${r}): expected a trajectory index < ${R}, the group's row count`);
        seen[t] = 1;
        if (t + 1 > n) n = t + 1;
      }
      for (let t = 0; t < n; ++t)
        if (!seen[t])
          throw new RangeError(`batch.trajectory: group ${g} uses trajectory ${n - 1} but trajectory ${t} has no rows: expected indices 0..${n - 1}, each used`);
      row0 += R;
    }
  }
  if (rho) {
    if (rho.length !== testsTotal)
      throw new RangeError(`batch.rho has ${rho.length} entries: expected one per (group, test) (${testsTotal})`);
    for (let i = 0; i < rho.length; ++i)
      if (!(rho[i] >= 0 && rho[i] <= 1)) throw new RangeError(`batch.rho[${i}] is ${rho[i]}: expected a pass rate in [0, 1]`);
  }
  if (testWeight) {
    if (testWeight.length !== testsTotal)
      throw new RangeError(`batch.testWeight has ${testWeight.length} entries: expected one per (group, test) (${testsTotal})`);
    for (let i = 0; i < testWeight.length; ++i)
      if (!(testWeight[i] >= 0 && testWeight[i] <= MAX_TEST_WEIGHT))
        throw new RangeError(`batch.testWeight[${i}] is ${testWeight[i]}: expected a weight in [0, ${MAX_TEST_WEIGHT}]`);
  }
  return { passed, rows, tests, trajectory, rho, testWeight, params, scheme, estimator, rowsTotal, testsTotal, cellOffsets };
}

/** Turns a kernel status into the error a user sees (the same for both backends). */
export function kernelError(p: Plan, r: KernelResult): Error | null {
  if (r === null) return null;
  const [status, index, group] = r;
  switch (status) {
    case Status.BadCell: {
      let g = 0;
      while (g + 1 < p.cellOffsets.length && p.cellOffsets[g + 1] <= index) ++g;
      const within = index - p.cellOffsets[g];
      const row = Math.floor(within / p.tests[g]), test = within % p.tests[g];
      return new RangeError(`batch.passed[${index}] is ${p.passed[index]} (group ${g}, row ${row}, test ${test}): expected 0 or 1`);
    }
    case Status.BadRho:
      return new RangeError(`batch.rho[${index}] is ${p.rho?.[index]}: expected a pass rate in [0, 1]`);
    case Status.BadTestWeight:
      return new RangeError(`batch.testWeight[${index}] is ${p.testWeight?.[index]}: expected a finite weight >= 0`);
    case Status.BadTrajectory:
      return new RangeError(`batch.trajectory: group ${group} has an invalid trajectory layout (at row ${index})`);
    case Status.EmptyGroup:
      return new RangeError(`group ${group} is empty: expected >= 1 row and >= 1 test`);
    case Status.BadParam:
      return new RangeError(`options: a parameter was rejected by the kernel (${['alpha', 'beta', 'gamma', 'delta', 'scheme', 'advantage'][index] ?? index})`);
    default:
      return new RangeError(`batch: lengths do not add up (kernel status ${status}, field ${index})`);
  }
}
