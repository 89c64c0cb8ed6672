// Cross-step difficulty statistics (beyond the paper, off by default). A running, exponentially
// decayed pass rate per (problem id, test id) is blended with the group's own pass rate, so small
// groups (2-4 rollouts) still get a usable difficulty estimate. Snapshots are plain JSON, so a
// trainer can checkpoint the tracker with its model.
import type { RewardBatch } from './types';
import { plan } from './validate';

export interface TrackerOptions {
  /** Weight kept by old observations at each update, in (0, 1]. Default 0.9. */
  decay?: number;
  /** At most this many (decayed) past rows count when blending with a group. Default 16. */
  priorRows?: number;
}

/** Which problem each group is, and optionally an id per test (default: the test's index). */
export interface TrackerKeys {
  problems: readonly string[];
  tests?: ReadonlyArray<readonly string[] | undefined>;
}

export interface TrackerSnapshot {
  version: 1;
  decay: number;
  priorRows: number;
  /** problem id -> test id -> [decayed passes, decayed rows]. */
  stats: Record<string, Record<string, [number, number]>>;
}

function checkOptions(decay: unknown, priorRows: unknown): void {
  if (typeof decay !== 'number' || !(decay > 0 && decay <= 1))
    throw new RangeError(`tracker decay is ${String(decay)}: expected a number in (0, 1]`);
  if (typeof priorRows !== 'number' || !(Number.isFinite(priorRows) && priorRows >= 0))
    throw new RangeError(`tracker priorRows is ${String(priorRows)}: expected a finite number >= 0`);
}

export class DifficultyTracker {
  readonly decay: number;
  readonly priorRows: number;
  private stats = new Map<string, Map<string, [number, number]>>();

  constructor(options: TrackerOptions = {}) {
    this.decay = options.decay ?? 0.9;
    this.priorRows = options.priorRows ?? 16;
    checkOptions(this.decay, this.priorRows);
  }

  /** Number of (problem, test) pairs tracked. */
  get size(): number {
    let n = 0;
    for (const m of this.stats.values()) n += m.size;
    return n;
  }

  /**
   * The pass rates to use for this step (pass as batch.rho): each test's group pass rate blended
   * with its history, (passes + h * rate_hist) / (rows + h) with h = min(history rows, priorRows).
   * Then folds this step into the history. Tests never seen before use the group's rate alone.
   */
  update(batch: RewardBatch, keys: TrackerKeys): Float64Array {
    const { rows, tests, passed } = plan(batch, undefined);
    if (!keys || !Array.isArray(keys.problems) || keys.problems.length !== rows.length)
      throw new RangeError(`keys.problems must hold one problem id per group (${rows.length})`);
    let total = 0;
    for (let g = 0; g < rows.length; ++g) total += tests[g];
    const rho = new Float64Array(total);
    let cell0 = 0, test0 = 0;
    for (let g = 0; g < rows.length; ++g) {
      const R = rows[g], M = tests[g];
      const ids = keys.tests?.[g];
      if (ids !== undefined && ids.length !== M)
        throw new RangeError(`keys.tests[${g}] has ${ids.length} ids: expected one per test (${M})`);
      const problem = String(keys.problems[g]);
      let perTest = this.stats.get(problem);
      if (!perTest) this.stats.set(problem, (perTest = new Map()));
      for (let j = 0; j < M; ++j) {
        let c = 0;
        for (let r = 0; r < R; ++r) {
          const v = passed[cell0 + r * M + j];
          if (v > 1) throw new RangeError(`batch.passed[${cell0 + r * M + j}] is ${v} (group ${g}, row ${r}, test ${j}): expected 0 or 1`);
          c += v;
        }
        const key = ids ? String(ids[j]) : String(j);
        const h = perTest.get(key);
        if (h && h[1] > 0) {
          const w = Math.min(h[1], this.priorRows);
          rho[test0 + j] = Math.min(1, Math.max(0, (c + (w * h[0]) / h[1]) / (R + w)));
          h[0] = this.decay * h[0] + c;
          h[1] = this.decay * h[1] + R;
        } else {
          rho[test0 + j] = c / R;
          perTest.set(key, [c, R]);
        }
      }
      cell0 += R * M;
      test0 += M;
    }
    return rho;
  }

  toJSON(): TrackerSnapshot {
    // Null-prototype objects: a problem or test id like "__proto__" is kept as data.
    const stats: TrackerSnapshot['stats'] = Object.create(null);
    for (const [p, m] of this.stats) {
      const perTest: Record<string, [number, number]> = Object.create(null);
      for (const [t, v] of m) perTest[t] = [v[0], v[1]];
      stats[p] = perTest;
    }
    return { version: 1, decay: this.decay, priorRows: this.priorRows, stats };
  }

  static fromJSON(snapshot: TrackerSnapshot | string): DifficultyTracker {
    const s = (typeof snapshot === 'string' ? JSON.parse(snapshot) : snapshot) as TrackerSnapshot;
    if (!s || s.version !== 1 || typeof s.stats !== 'object' || s.stats === null)
      throw new TypeError('tracker snapshot: expected { version: 1, decay, priorRows, stats }');
    const t = new DifficultyTracker({ decay: s.decay, priorRows: s.priorRows });
    for (const [p, m] of Object.entries(s.stats)) {
      const perTest = new Map<string, [number, number]>();
      for (const [k, v] of Object.entries(m)) {
        if (!Array.isArray(v) || v.length !== 2 || !(v[0] >= 0) || !(v[1] >= v[0]) || !Number.isFinite(v[1]))
          throw new RangeError(`tracker snapshot: stats[${JSON.stringify(p)}][${JSON.stringify(k)}] must be [passes, rows] with 0 <= passes <= rows`);
        perTest.set(k, [v[0], v[1]]);
      }
      t.stats.set(p, perTest);
    }
    return t;
  }
}
