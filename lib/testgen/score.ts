// Task 'tests': model-written test files scored by execution. The matrix is (focal + mutants) x each file's
// tests, run in the sandbox as pairs (the test in a process of its own beside the program: a test cannot read
// the program it judges), and it gives each file its validity, mutation kills and coverage of the focal.
// Co-evolution (CURE): a code line's programs x (ground-truth tests + the test files' tests).
import { performance } from 'node:perf_hooks';
import type { Executor } from '../exec/executor';
import type { AssertTest, RunResult, TestCase, TestResult, Verdict } from '../exec/types';
import { LineError, type Problem } from '../pipeline/contract';
import { testgen, type FocalSites, type TestFile, type TestgenReply } from './tool';
import { advantagesOf, checkTestRewardOptions, cureTestReward, rewardOf, testEstimator, type FileFacts } from './rewards';

export const DEFAULT_MUTANT_CAP = 16;
export const MAX_MUTANT_CAP = 256;

export interface TestsOptions {
  /** Reward of a test file (default 'default'; lib/testgen/rewards.ts). */
  testReward?: string;
  /** Mutants generated when a line gives none (default 16, at most 256). */
  mutantCap?: number;
  /** Seed of the generated mutants' choice (default 0). */
  mutantSeed?: number;
  /** Trace the focal's lines and branches in the sandbox (default true). */
  coverage?: boolean;
  advantage?: string;
  mode?: 'score' | 'run';
  cache?: boolean;
}

export function checkTestsOptions(o: TestsOptions): void {
  if (o.mutantCap !== undefined && !(Number.isInteger(o.mutantCap) && o.mutantCap >= 1 && o.mutantCap <= MAX_MUTANT_CAP)) {
    throw new RangeError(`mutantCap is ${JSON.stringify(o.mutantCap)}: expected an integer in 1..${MAX_MUTANT_CAP}`);
  }
  if (o.mutantSeed !== undefined && !Number.isSafeInteger(o.mutantSeed)) throw new RangeError(`mutantSeed is ${JSON.stringify(o.mutantSeed)}: expected an integer`);
  if (o.coverage !== undefined && typeof o.coverage !== 'boolean') throw new TypeError(`coverage must be a boolean, got ${JSON.stringify(o.coverage)}`);
  checkTestRewardOptions({ testReward: o.testReward });
}

export interface Fraction { covered: number; total: number; fraction: number | null }

export interface TestFileResult {
  /** Tests found in the file (each top-level assert statement, or def test_*() holding one). */
  tests: number;
  /** Tests that pass on the focal program. */
  valid: number;
  /** Non-equivalent mutants killed (some valid test fails on it), of `mutants`. */
  killed: number;
  mutants: number;
  /** Possibly equivalent mutants (no ground-truth test kills them) this file's valid tests kill: counted apart. */
  equivalent_candidates: number;
  coverage: { lines: Fraction; branches: Fraction };
  reward: number;
  advantage: number;
  /** Per test: the focal's verdict, and per mutant the verdicts (SKIPPED: an invalid test is not run on mutants,
   *  nor, except under CURE, a test after the mutant's first failure in the file). */
  matrix: { focal: Verdict[]; mutants: Verdict[][] };
  /** The file does not parse or a test does not compile: CE, 0 tests, reward 0. */
  compile?: { ok: false; message: string };
  notes?: string[];
}

export interface MutantSummary {
  /** 'generated' from the focal's AST, or 'given' by the line. */
  source: 'generated' | 'given';
  count: number;
  /** Mutation sites found (generated) or mutants given. */
  available: number;
  dropped: { identical: number; duplicate: number; invalid: number };
  /** Indices (into `list`) of mutants no ground-truth test kills; null when the line has no tests. */
  equivalent_candidates: number[] | null;
  /** A mutant's CPU limit per test, ground truth and the files' tests (mutantCpuMs); null when none ran. */
  cpu_ms: { ground_truth: number | null; tests: number | null };
  list: Array<{ op: string; line: number; what: string; index?: number }>;
}

export interface TestsOutput {
  id: string | number;
  task: 'tests';
  focal: { lines: number; branches: number; ground_truth_tests: number };
  mutants: MutantSummary;
  rollouts: TestFileResult[];
  timing: { testgen_ms: number; execute_ms: number };
  error: null;
}

export interface TestsStats { executions: number; cacheHits: number; verdicts: Verdict[]; rows: number; rewardSum: number; zeroAdvantage: boolean }

/** Sandboxed tests; `groups[i]`: the test file test i is from (its tests share one pair of processes). */
function asTests(codes: string[], coverage: boolean, groups?: number[]): AssertTest[] {
  return codes.map((code, i) => ({
    type: 'assert', code, sandboxed: true, ...(coverage ? { coverage: true } : {}), ...(groups ? { group: groups[i] } : {}),
  }));
}

async function tool(ex: Executor, req: Parameters<typeof testgen>[1]): Promise<TestgenReply> {
  try {
    return await testgen(ex.python, req);
  } catch (e) {
    throw new LineError(req.focal === null ? 'test_rollouts' : 'focal', (e as Error).message);
  }
}

function count(stats: TestsStats, run: RunResult): void {
  for (const c of run.tests) {
    if (c.verdict === 'SKIPPED') continue;
    c.cached ? stats.cacheHits++ : stats.executions++;
    stats.verdicts.push(c.verdict);
  }
}

/** A task 'tests' line, scored (or, mode 'run', its matrix only: rewards 0). */
export async function scoreTestsProblem(p: Problem, ex: Executor, o: TestsOptions): Promise<{ output: TestsOutput; stats: TestsStats }> {
  const { scheme, estimator } = checkTestRewardOptions({ testReward: o.testReward, advantage: o.advantage });
  const coverage = o.coverage ?? true;
  const cache = o.cache ?? true;
  const stats: TestsStats = { executions: 0, cacheHits: 0, verdicts: [], rows: p.programs.length, rewardSum: 0, zeroAdvantage: false };
  const gen = await tool(ex, { focal: p.focal!, mutants: p.mutants ?? null, cap: o.mutantCap ?? DEFAULT_MUTANT_CAP, seed: o.mutantSeed ?? 0, tests: p.programs });
  const focal = gen.focal!;
  if (!focal.ok) throw new LineError('focal', `does not compile: ${focal.error}`);
  const mutants = gen.mutants ?? [];
  const t0 = performance.now();
  const cpuMs = p.limits?.cpuMs ?? ex.limits.cpuMs;
  const run = (code: string, tests: TestCase[], stopAfterFailure = false, cpu = cpuMs) =>
    ex.run({ language: 'python', code, setup: p.setup, tests, limits: { ...p.limits, cpuMs: cpu }, cache, ...(stopAfterFailure ? { stopAfterFailure } : {}) });
  // On a mutant only its first failure counts (killed or not; equivalent or not), except under CURE, whose reward
  // of each test counts the mutants it fails: the rest is SKIPPED, so a mutant that loops costs one test's CPU
  // limit per file, not one per test.
  const firstKill = scheme !== 'cure';

  // First the focal: the ground truth (the trusted judge: the dataset's tests), which it must pass, beside every
  // file's tests (traced). Then each mutant: the ground truth (a mutant it does not kill may be equivalent to the
  // focal) and the files' valid tests (every one, for CURE's sign). One request per program, so the executor runs
  // a program's file tests as one pair-mode batch (each file still in processes of its own).
  const gt = p.tests.map((t) => { const { hidden: _h, weight: _w, ...rest } = t; return rest as TestCase; });
  const files = gen.files;
  const runnable = files.map((f) => f.ok && f.tests.length > 0);
  const all = files.flatMap((f, k) => (runnable[k] ? f.tests.map((code, j) => ({ k, j, code })) : []));
  const [focalTruth, focalRun] = await Promise.all([
    gt.length ? run(p.focal!, gt) : null,
    all.length ? run(p.focal!, asTests(all.map((t) => t.code), coverage, all.map((t) => t.k))) : null,
  ]);
  if (focalTruth) {
    count(stats, focalTruth);
    const bad = focalTruth.tests.findIndex((c) => c.verdict !== 'AC');
    if (bad >= 0) throw new LineError('focal', `fails the line's tests[${bad}] (${focalTruth.tests[bad].verdict}${focalTruth.tests[bad].detail ? `: ${focalTruth.tests[bad].detail}` : ''})`);
  }
  if (focalRun) count(stats, focalRun);
  const onFocal: Array<RunResult | null> = files.map((_, k) => (runnable[k] && focalRun ? sliceRun(focalRun, all, k) : null));
  const chosenAt = all.flatMap((_, i) => (scheme === 'cure' || focalRun!.tests[i].verdict === 'AC' ? [i] : []));
  const chosen = chosenAt.map((i) => all[i]);
  // A mutant's tests have a CPU budget from the focal's own run of them, as mutation tools time mutants out
  // relative to the unmutated run: a mutant that loops costs a fraction of the line's limit (a TLE is a kill).
  const gtBudget = mutantCpuMs(cpuMs, focalTruth?.tests ?? []);
  const fileBudget = mutantCpuMs(cpuMs, chosenAt.map((i) => focalRun!.tests[i]));
  const [truth, mutantRuns] = await Promise.all([
    focalTruth ? Promise.all(mutants.map((m) => run(m.code, gt, true, gtBudget))) : null,
    Promise.all(mutants.map((m) => (chosen.length ? run(m.code, asTests(chosen.map((t) => t.code), false, chosen.map((t) => t.k)), firstKill, fileBudget) : null))),
  ]);
  let equivalent: Set<number> | null = null;
  if (truth !== null) {
    truth.forEach((r) => count(stats, r));
    equivalent = new Set(truth.flatMap((r, i) => (r.tests.every((c) => c.verdict === 'AC') ? [i] : [])));
  }
  mutantRuns.forEach((r) => r && count(stats, r));
  const onMutants: TestResult[][][] = files.map((f, k) => (onFocal[k] === null ? [] : mutantRuns.map((mr) => {
    const cells: TestResult[] = f.tests.map(() => ({ verdict: 'SKIPPED', cpuMs: 0, wallMs: 0, memoryKb: 0 }));
    chosen.forEach((t, i) => { if (t.k === k && mr !== null) cells[t.j] = mr.tests[i]; });
    return cells;
  })));
  const executeMs = performance.now() - t0;

  const facts: FileFacts[] = [];
  const rows: TestFileResult[] = files.map((f, k) => {
    const r = onFocal[k];
    const focalCells = r?.tests ?? [];
    const valid = focalCells.map((c) => c.verdict === 'AC');
    const mutantCells = onMutants[k];
    let killed = 0, killedEquivalent = 0;
    mutantCells.forEach((cells, i) => {
      const kill = cells.some((c, j) => valid[j] && c.verdict !== 'AC' && c.verdict !== 'SKIPPED');
      if (!kill) return;
      if (equivalent?.has(i)) killedEquivalent++;
      else killed++;
    });
    const counted = mutants.length - (equivalent?.size ?? 0);
    const cov = coverageOf(focal, focalCells.filter((_, j) => valid[j]));
    const wrong = mutantCells.filter((_, i) => !equivalent?.has(i));
    const cure = firstKill ? [] : f.tests.map((_, j) => cureTestReward(valid[j], wrong.filter((cells) => cells[j].verdict !== 'AC').length, wrong.length));
    const fact: FileFacts = {
      tests: f.ok ? f.tests.length : 0, valid: valid.filter(Boolean).length, killed, mutants: counted,
      coverage: meanCoverage(cov), cure,
    };
    facts.push(fact);
    return {
      tests: fact.tests, valid: fact.valid, killed, mutants: counted, equivalent_candidates: killedEquivalent, coverage: cov,
      reward: 0, advantage: 0,
      matrix: { focal: focalCells.map((c) => c.verdict), mutants: mutantCells.map((cells) => cells.map((c) => c.verdict)) },
      ...(f.ok ? {} : { compile: { ok: false as const, message: f.error ?? 'does not parse' } }),
      ...notesOf(f, r),
    };
  });
  if ((o.mode ?? 'score') === 'score') {
    const rewards = facts.map((f) => rewardOf(f, scheme));
    const adv = advantagesOf(rewards, estimator);
    rows.forEach((row, k) => { row.reward = rewards[k]; row.advantage = adv[k]; });
    stats.rewardSum = rewards.reduce((a, b) => a + b, 0);
    stats.zeroAdvantage = adv.every((a) => a === 0);
  }
  return {
    stats,
    output: {
      id: p.id, task: 'tests',
      focal: { lines: focal.lines?.length ?? 0, branches: focal.branches?.length ?? 0, ground_truth_tests: p.tests.length },
      mutants: {
        source: p.mutants ? 'given' : 'generated', count: mutants.length, available: gen.available ?? 0,
        dropped: gen.dropped ?? { identical: 0, duplicate: 0, invalid: 0 },
        equivalent_candidates: equivalent === null ? null : [...equivalent].sort((a, b) => a - b),
        cpu_ms: { ground_truth: focalTruth && mutants.length ? gtBudget : null, tests: chosen.length && mutants.length ? fileBudget : null },
        list: mutants.map((m) => ({ op: m.op, line: m.line, what: m.what, ...(m.index === undefined ? {} : { index: m.index }) })),
      },
      rollouts: rows,
      timing: { testgen_ms: gen.ms, execute_ms: executeMs },
      error: null,
    },
  };
}

/** A mutant's CPU limit a test: 3x the slowest of these tests on the focal, plus 250 ms, within the line's. */
export function mutantCpuMs(lineCpuMs: number, onFocal: TestResult[]): number {
  const slowest = onFocal.reduce((m, c) => Math.max(m, c.cpuMs), 0);
  return Math.min(lineCpuMs, Math.ceil(MUTANT_CPU_FACTOR * slowest + MUTANT_CPU_MARGIN_MS));
}
export const MUTANT_CPU_FACTOR = 3;
export const MUTANT_CPU_MARGIN_MS = 250;

/** The cells of file k's tests in a run of every file's tests. */
function sliceRun(r: RunResult, all: Array<{ k: number }>, k: number): RunResult {
  return { ...r, tests: r.tests.filter((_, i) => all[i].k === k) };
}

function notesOf(f: TestFile, r: RunResult | null): { notes?: string[] } {
  const notes = [...f.notes];
  if (r && !r.compile.ok) notes.push(`the focal program did not compile in the sandbox: ${r.compile.message ?? ''}`);
  return notes.length ? { notes } : {};
}

/** Line and branch coverage of the focal's function bodies by these (valid) tests' arcs. */
export function coverageOf(focal: FocalSites, cells: TestResult[]): { lines: Fraction; branches: Fraction } {
  const seenLines = new Set<number>();
  const arcs: Array<[number, number]> = [];
  for (const c of cells) {
    const a = c.arcs ?? [];
    for (let i = 0; i + 1 < a.length; i += 2) {
      arcs.push([a[i], a[i + 1]]);
      if (a[i + 1] > 0) seenLines.add(a[i + 1]);
    }
  }
  const units = focal.lines ?? [];
  const hit = (lo: number, hi: number) => { for (let l = lo; l <= hi; l++) if (seenLines.has(l)) return true; return false; };
  const linesCovered = units.filter(([lo, hi]) => hit(lo, hi)).length;
  let outcomes = 0;
  for (const b of focal.branches ?? []) {
    const inHead = (l: number) => l >= b.head[0] && l <= b.head[1];
    const inBody = (l: number) => l >= b.body[0] && l <= b.body[1];
    if (arcs.some(([x, y]) => inHead(x) && inBody(y))) outcomes++;
    if (arcs.some(([x, y]) => inHead(x) && !inBody(y) && !inHead(y))) outcomes++;
  }
  const branchTotal = 2 * (focal.branches?.length ?? 0);
  const frac = (covered: number, total: number): Fraction => ({ covered, total, fraction: total === 0 ? null : covered / total });
  return { lines: frac(linesCovered, units.length), branches: frac(outcomes, branchTotal) };
}

function meanCoverage(c: { lines: Fraction; branches: Fraction }): number {
  const parts = [c.lines.fraction, c.branches.fraction].filter((x): x is number => x !== null);
  return parts.length === 0 ? 0 : parts.reduce((a, b) => a + b, 0) / parts.length;
}

// ---- co-evolution ----

export interface CoevolutionRow { verdicts: Verdict[]; passed: number[]; reward: number; advantage: number }
export interface CoevolutionTestRow {
  tests: number;
  /** Tests every correct program passes. */
  valid: number;
  reward: number;
  advantage: number;
  /** Per test, per program: its verdict. */
  verdicts: Verdict[][];
  compile?: { ok: false; message: string };
  notes?: string[];
}

/** A code line with test_rollouts: programs x (ground-truth tests + generated tests). A program's reward is its
 *  ground-truth pass rate; a test file's is the mean of CURE's reward of its tests (0 for a file with none, and
 *  for every file when no program passes the ground truth: then there is no correct program to judge by). */
export async function scoreCoevolution(p: Problem, ex: Executor, o: TestsOptions): Promise<{
  rows: CoevolutionRow[]; testRows: CoevolutionTestRow[]; correct: number; note: string | null; stats: TestsStats; testgenMs: number;
}> {
  const estimator = testEstimator(o.advantage);
  const cache = o.cache ?? true;
  const stats: TestsStats = { executions: 0, cacheHits: 0, verdicts: [], rows: p.programs.length, rewardSum: 0, zeroAdvantage: false };
  const gen = await tool(ex, { focal: null, tests: p.testRollouts!, programs: p.programs });
  const files = gen.files;
  const generated = files.flatMap((f) => (f.ok ? f.tests : []));
  const gt = p.tests.map((t) => { const { hidden: _h, weight: _w, ...rest } = t; return rest as TestCase; });
  const generatedFrom = files.flatMap((f, k) => (f.ok ? f.tests.map(() => k) : []));
  const runs = await Promise.all(p.programs.map(async (code) => {
    // ground truth as usual (the trusted judge), the test files' tests in pair mode
    const [g, t] = await Promise.all([
      ex.run({ language: 'python', code, setup: p.setup, tests: gt, limits: p.limits, cache }),
      generated.length ? ex.run({ language: 'python', code, setup: p.setup, tests: asTests(generated, false, generatedFrom), limits: p.limits, cache }) : null,
    ]);
    return { ...g, tests: [...g.tests, ...(t?.tests ?? [])] };
  }));
  runs.forEach((r) => count(stats, r));
  const G = gt.length;
  const rows: CoevolutionRow[] = runs.map((r) => {
    const passed = r.tests.slice(0, G).map((c) => (c.verdict === 'AC' ? 1 : 0));
    return { verdicts: r.tests.map((c) => c.verdict), passed, reward: passed.reduce((a: number, b) => a + b, 0) / G, advantage: 0 };
  });
  const correct = rows.map((r) => r.passed.every((x) => x === 1));
  const nCorrect = correct.filter(Boolean).length;
  const wrongIdx = correct.flatMap((c, i) => (c ? [] : [i]));
  let at = G;
  const testRows: CoevolutionTestRow[] = files.map((f) => {
    const n = f.ok ? f.tests.length : 0;
    const cols = Array.from({ length: n }, (_, j) => at + j);
    at += n;
    const verdicts = cols.map((col) => runs.map((r) => r.tests[col].verdict));
    const cure = cols.map((col) => {
      const passesCorrect = runs.every((r, i) => !correct[i] || r.tests[col].verdict === 'AC');
      return cureTestReward(passesCorrect, wrongIdx.filter((i) => runs[i].tests[col].verdict !== 'AC').length, wrongIdx.length);
    });
    const valid = cols.filter((col) => runs.every((r, i) => !correct[i] || r.tests[col].verdict === 'AC')).length;
    const reward = nCorrect === 0 || n === 0 ? 0 : cure.reduce((a, b) => a + b, 0) / n;
    return {
      tests: n, valid: nCorrect === 0 ? 0 : valid, reward, advantage: 0, verdicts,
      ...(f.ok ? {} : { compile: { ok: false as const, message: f.error ?? 'does not parse' } }),
      ...(f.notes.length ? { notes: f.notes } : {}),
    };
  });
  if ((o.mode ?? 'score') === 'score') {
    const pa = advantagesOf(rows.map((r) => r.reward), estimator);
    rows.forEach((r, i) => { r.advantage = pa[i]; });
    const ta = nCorrect === 0 ? testRows.map(() => 0) : advantagesOf(testRows.map((r) => r.reward), estimator);
    testRows.forEach((r, i) => { r.advantage = ta[i]; });
    stats.rewardSum = rows.reduce((a, r) => a + r.reward, 0);
    stats.zeroAdvantage = pa.every((a) => a === 0);
  }
  const note = nCorrect === 0 ? 'no program passes every ground-truth test: the test files get no reward (CURE drops the task)' : null;
  return { rows, testRows, correct: nCorrect, note, stats, testgenMs: gen.ms };
}
