// Efficiency against a known-good program (ACECode's term, issue 14): a line's `reference` runs as an extra
// row that is never rewarded; a rollout that passes every counted test gets efficiency = min(1, reference CPU
// / rollout CPU) over those tests (the supervisor's CPU time of the program's tree), others 0. CPU times of
// a few milliseconds are mostly the interpreter's own start and vary by tens of percent, so every program is
// measured `repeats` times (median of the sums; repeats run uncached) and the term is not computed (null,
// with a note) when the reference's median is under `floorMs`.
import type { RunResult } from '../exec/types';

export interface EfficiencyOptions {
  /** lambda_eff >= 0: reward += lambda_eff * efficiency (default 0: reported, not rewarded). */
  efficiencyWeight?: number;
  /** Measurements of each program (default 3; 1..9): the median of their CPU sums is used. */
  efficiencyRepeats?: number;
  /** Below this median reference CPU (ms, summed over the counted tests) the term is not computed (default 50). */
  efficiencyFloorMs?: number;
}

export const EFFICIENCY_DEFAULTS = Object.freeze({ repeats: 3, floorMs: 50 });

/** The line's summary of its reference's runs. */
export interface ReferenceSummary {
  /** The reference passed every counted test in every run. */
  passed: boolean;
  /** Median CPU of the reference over the counted tests, ms (null when it failed). */
  cpu_ms: number | null;
  /** Why efficiency is null for the group, when it is. */
  note: string | null;
}

export function checkEfficiencyOptions(o: EfficiencyOptions): void {
  const w = o.efficiencyWeight;
  if (w !== undefined && !(typeof w === 'number' && Number.isFinite(w) && w >= 0)) throw new RangeError(`options.efficiencyWeight is ${String(w)}: expected a finite number >= 0`);
  const r = o.efficiencyRepeats;
  if (r !== undefined && !(Number.isInteger(r) && r >= 1 && r <= 9)) throw new RangeError(`options.efficiencyRepeats is ${String(r)}: expected an integer in 1..9`);
  const f = o.efficiencyFloorMs;
  if (f !== undefined && !(typeof f === 'number' && Number.isFinite(f) && f >= 0)) throw new RangeError(`options.efficiencyFloorMs is ${String(f)}: expected a finite number >= 0`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** CPU of a run over the counted tests, or null when one of them is not AC. */
function cpuIfPassed(run: RunResult, counted: number[]): number | null {
  let sum = 0;
  for (const j of counted) {
    if (run.tests[j].verdict !== 'AC') return null;
    sum += run.tests[j].cpuMs;
  }
  return sum;
}

/** Per row its efficiency (0 for a row that fails a counted test; all null when not computed), and the
 *  reference's summary. `runs` are the rows' runs and `codes` the code each ran (a dataset harness may have
 *  wrapped it), `counted` the tests that count; `rerun` runs a program uncached, with the line's harness. */
export async function efficiencyOf(reference: string, runs: RunResult[], codes: string[], counted: number[],
  rerun: (code: string) => Promise<{ run: RunResult; code: string }>, o: EfficiencyOptions): Promise<{ values: Array<number | null>; reference: ReferenceSummary }> {
  const repeats = o.efficiencyRepeats ?? EFFICIENCY_DEFAULTS.repeats;
  const floor = o.efficiencyFloorMs ?? EFFICIENCY_DEFAULTS.floorMs;
  const run = async (code: string) => (await rerun(code)).run;
  const nulls = runs.map(() => null);
  const refRuns = await Promise.all(Array.from({ length: repeats }, () => run(reference)));
  const refCpu = refRuns.map((r) => cpuIfPassed(r, counted));
  const failed = refRuns.findIndex((r, k) => refCpu[k] === null);
  if (failed >= 0) {
    const j = counted.find((t) => refRuns[failed].tests[t].verdict !== 'AC')!;
    const note = `the reference fails its own tests (tests[${j}]: ${refRuns[failed].tests[j].verdict}): efficiency is not computed`;
    return { values: nulls, reference: { passed: false, cpu_ms: null, note } };
  }
  const ref = median(refCpu as number[]);
  if (ref < floor) {
    const note = `the reference's CPU over the tests (${ref} ms, median of ${repeats}) is under the floor (${floor} ms): too noisy to compare`;
    return { values: nulls, reference: { passed: true, cpu_ms: ref, note } };
  }
  const values = await Promise.all(runs.map(async (r, i) => {
    const first = cpuIfPassed(r, counted);
    if (first === null) return 0;
    // the row's own run counts as a sample only when it was measured now (a cached cell is an older measurement)
    const fresh = counted.every((j) => r.tests[j].cached !== true);
    const more = await Promise.all(Array.from({ length: fresh ? repeats - 1 : repeats }, () => run(codes[i])));
    const samples = [...(fresh ? [first] : []), ...more.map((m) => cpuIfPassed(m, counted))];
    // a program that passed once and fails on a repeat (flaky, or a limit met under load) gets no credit
    if (samples.some((s) => s === null)) return 0;
    return Math.min(1, ref / Math.max(1, median(samples as number[])));
  }));
  return { values, reference: { passed: true, cpu_ms: ref, note: null } };
}
