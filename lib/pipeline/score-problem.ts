// One problem group, scored: execute its programs -> the rows x tests verdict matrix -> rewards -> its
// output line. The streaming pipeline (score.ts), the server's routes and the CLI all score a group
// through scoreProblem; a problem's errors are LineErrors that name their field, never parsed messages.
import { performance } from 'perf_hooks';
import type { Executor } from '../exec/executor';
import { appsHarnessProgram, needsAppsHarness } from '../datasets/apps-harness';
import type { RunResult, TestCase, Verdict } from '../exec/types';
import { computeRewards } from '../reward/compute';
import type { RewardOptions, RewardOutput } from '../reward/types';
import { LineError, type HeldOutSummary, type OutputLine, type Problem, type RowResult } from './contract';
import { composeGroup } from '../reward/compose';
import { checkOptions } from '../reward/validate';
import type { LintResult } from '../lint/ruff';
import { shaping, type ShapingOptions } from './shaping';
import { efficiencyOf, type EfficiencyOptions, type ReferenceSummary } from './efficiency';
import { lineDiagnostics, type LineDiagnostics } from './diagnostics';
import { scoreCoevolution, scoreTestsProblem, type TestsOptions, type TestsStats } from '../testgen/score';

export const VERDICTS: readonly Verdict[] = ['AC', 'WA', 'RE', 'TLE', 'MLE', 'OLE', 'CE', 'SV', 'IE', 'SKIPPED'];

export interface LineStats {
  verdicts: Record<Verdict, number>;
  executions: number;
  cacheHits: number;
  /** Trajectories (rollouts, single-turn) and how many solved every test. */
  trajectories: number;
  solved: number;
  rewardSum: number;
  rows: number;
  /** Every advantage in the group is zero (no learning signal). */
  zeroAdvantage: boolean;
  /** Time spent in the reward kernel for this line, ms. */
  rewardMs: number;
  /** Generation length, runtime-error kinds, lint profile, held-out gap (diagnostics.ts). */
  diagnostics: LineDiagnostics | null;
}

export interface ProblemOptions extends Omit<RewardOptions, 'out'>, ShapingOptions, EfficiencyOptions, Pick<TestsOptions, 'testReward' | 'mutantCap' | 'mutantSeed' | 'coverage'> {
  /** 'score' (default): execute, then rewards. 'run': verdict matrices only. */
  mode?: 'score' | 'run';
  /** Use the executor's content-hash cache (default true). */
  cache?: boolean;
  /** A program's tests after its first failing one are not run (SKIPPED): mode 'run', or the binary scheme, where
   *  one failure decides the result (checkStopAfterFailure). */
  stopAfterFailure?: boolean;
}

/** stopAfterFailure only where one failure decides everything the output says. */
export function checkStopAfterFailure(o: { stopAfterFailure?: unknown; mode?: string; scheme?: string }): void {
  if (o.stopAfterFailure === undefined) return;
  if (typeof o.stopAfterFailure !== 'boolean') throw new TypeError(`stopAfterFailure must be a boolean, got ${JSON.stringify(o.stopAfterFailure)}`);
  if (o.stopAfterFailure && (o.mode ?? 'score') === 'score' && o.scheme !== 'binary') {
    throw new TypeError(`stopAfterFailure needs the binary scheme or mode 'run' (under scheme ${o.scheme ?? 'verpo'} every test's verdict changes the reward)`);
  }
}

export interface ProblemContext {
  /** The executor, asked for only when the problem has programs to run. */
  executor: () => Executor;
  options: ProblemOptions;
  /** Per-test pass rates to weight the tests by instead of the group's own (a trainer's tracker: checkRho). */
  rho?: Float64Array;
}

export function emptyVerdicts(): Record<Verdict, number> {
  return Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
}

/** Tests of a problem: its tests, or the width of its precomputed matrix. */
export function testCount(p: Problem): number {
  return p.passed ? p.passed[0].length : p.tests.length;
}

/** A group's `rho`: one pass rate in [0, 1] per test. */
export function checkRho(rho: unknown, tests: number): Float64Array {
  if (!Array.isArray(rho) || rho.length !== tests) {
    throw new LineError('rho', `expected one pass rate per test (${tests})${Array.isArray(rho) ? `, got ${rho.length}` : ''}`);
  }
  rho.forEach((x, j) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) throw new LineError(`rho[${j}]`, `is ${JSON.stringify(x)}: expected a number in [0, 1]`);
  });
  return Float64Array.from(rho as number[]);
}

/** Scores one checked problem. Throws LineError (a field of the problem), TypeError/RangeError (bad input
 *  the executor found), or anything else for an internal error. */
export async function scoreProblem(p: Problem, ctx: ProblemContext): Promise<{ output: OutputLine; stats: LineStats }> {
  const { options } = ctx;
  const stats: LineStats = {
    verdicts: emptyVerdicts(), executions: 0, cacheHits: 0, trajectories: 0, solved: 0, rewardSum: 0, rows: 0, zeroAdvantage: false, rewardMs: 0,
    diagnostics: null,
  };
  if (p.task === 'tests') {
    if (options.stopAfterFailure) throw new LineError('task', "stopAfterFailure: a task 'tests' line needs every test's verdict on every mutant");
    const done = await scoreTestsProblem(p, ctx.executor(), options);
    fillStats(stats, done.stats);
    const out = done.output as unknown as { rollouts: Array<Partial<Record<'reward' | 'advantage', number>>> };
    if ((options.mode ?? 'score') === 'run') for (const row of out.rollouts) delete row.reward, delete row.advantage;
    return { output: out as unknown as OutputLine, stats };
  }
  if (p.testRollouts !== undefined) return scoreCoevolutionLine(p, ctx, stats);
  let passed: number[][];
  let verdicts: Verdict[][] | null = null;
  let runs: RunResult[] = [];
  let codes: string[] = [];
  if (p.passed) {
    passed = p.passed;
  } else {
    if (options.stopAfterFailure && (options.mode ?? 'score') === 'score' && countedTests(p, testCount(p)) !== null) {
      throw new LineError('tests', 'stopAfterFailure: the line has hidden tests, whose failure would skip tests the reward counts');
    }
    const done = await execute(ctx.executor(), p, options.cache ?? true, options.stopAfterFailure === true);
    runs = done.runs;
    codes = done.codes;
    stats.executions = done.executions;
    stats.cacheHits = done.cacheHits;
    verdicts = done.runs.map((r) => r.tests.map((t) => t.verdict));
    for (const row of verdicts) for (const v of row) stats.verdicts[v]++;
    passed = verdicts.map((row) => row.map((v) => (v === 'AC' ? 1 : 0)));
  }
  // Held-out tests (`hidden`) are run and reported, and left out of everything the rewards see.
  const counted = countedTests(p, passed[0].length);
  const visible = counted === null ? passed : passed.map((row) => counted.map((j) => row[j]));
  stats.trajectories = p.turnsPerTrajectory ? p.turnsPerTrajectory.length : passed.length;
  stats.rows = passed.length;
  stats.solved = finalTurnsSolved(p, visible, visible[0].length);
  const held = counted === null ? {} : { hidden: heldOut(passed, counted) };
  const diagnose = (lint: Array<LintResult | null> | null) => {
    if (p.passed === null) stats.diagnostics = lineDiagnostics(p.programs, runs, lint, held.hidden?.gap ?? null);
  };
  let eff: { values: Array<number | null>; reference: ReferenceSummary } | null = null;
  if (p.reference !== undefined && (options.mode ?? 'score') === 'score') {
    const ex = ctx.executor();
    eff = await efficiencyOf(p.reference, runs, codes, counted ?? passed[0].map((_, j) => j), (code) => runProgram(ex, p, code, false), options);
  }
  const reference = eff === null ? {} : { reference: eff.reference };
  const shape = shaping(options);
  const lint = shape.linter === null ? null : lintRows(p, shape.linter, shape.styleWeight > 0 || shape.baseWeight !== 1);
  diagnose(lint);
  if ((options.mode ?? 'score') === 'run') {
    const rows = passed.map((row, r) => ({ verdicts: verdicts![r], passed: row, ...(lint ? { lint: lint[r] } : {}) })) as unknown as RowResult[];
    return { stats, output: { id: p.id, ...shapeRows(p, rows), ...held, error: null } };
  }
  const columns = counted ?? passed[0].map((_, j) => j);
  const rho = counted === null || ctx.rho === undefined ? ctx.rho : Float64Array.from(counted, (j) => ctx.rho![j]);
  const testWeight = p.tests.some((t) => t.weight !== undefined) ? Float64Array.from(columns, (j) => p.tests[j].weight ?? 1) : undefined;
  const t0 = performance.now();
  const out = rewards(p, visible, options, rho, testWeight);
  const terms = [];
  if (lint !== null && (shape.styleWeight > 0 || shape.baseWeight !== 1)) {
    terms.push({ values: lint.map((l) => l!.score), weight: shape.styleWeight }); // lintRows refused rows without one
  }
  // a term that is not computed for the group (null, with the reference's note) is not added: never a silent 0
  const effWeight = options.efficiencyWeight ?? 0;
  if (eff !== null && effWeight > 0 && eff.values.every((v) => v !== null)) terms.push({ values: eff.values as number[], weight: effWeight });
  if (terms.length > 0 || shape.baseWeight !== 1) {
    const c = composeGroup(out.reward, out.advantage, terms, checkOptions(options).estimator, shape.baseWeight);
    out.reward.set(c.reward);
    out.advantage.set(c.advantage);
  }
  stats.rewardMs = performance.now() - t0;
  stats.rewardSum = Array.from(out.reward).reduce((a, b) => a + b, 0);
  stats.zeroAdvantage = out.advantage.every((a) => a === 0);
  const weights: Array<number | null> = new Array<number | null>(passed[0].length).fill(null);
  columns.forEach((j, k) => { weights[j] = Number.isFinite(out.weight[k]) ? out.weight[k] : null; });
  const rows = rowsOf(out, passed, verdicts, lint);
  if (eff !== null) rows.forEach((row, r) => { row.efficiency = eff!.values[r]; });
  return { stats, output: { id: p.id, weights, ...shapeRows(p, rows), ...held, ...reference, error: null } };
}

function fillStats(stats: LineStats, t: TestsStats): void {
  stats.executions = t.executions;
  stats.cacheHits = t.cacheHits;
  for (const v of t.verdicts) stats.verdicts[v]++;
  stats.rows = stats.trajectories = t.rows;
  stats.rewardSum = t.rewardSum;
  stats.zeroAdvantage = t.zeroAdvantage;
}

/** A code line with test_rollouts (CURE co-evolution): its programs and its test files each rewarded. */
async function scoreCoevolutionLine(p: Problem, ctx: ProblemContext, stats: LineStats): Promise<{ output: OutputLine; stats: LineStats }> {
  const { options } = ctx;
  if (options.stopAfterFailure) throw new LineError('test_rollouts', "stopAfterFailure: co-evolution needs every program's verdict on every test");
  const done = await scoreCoevolution(p, ctx.executor(), options);
  fillStats(stats, done.stats);
  stats.solved = done.correct;
  const run = (options.mode ?? 'score') === 'run';
  const rollouts = done.rows.map((r) => ({
    verdicts: r.verdicts, passed: r.passed,
    ...(run ? {} : { dense: r.reward, outcome: r.passed.every((x) => x === 1) ? 1 : 0, reward: r.reward, advantage: r.advantage }),
  })) as unknown as RowResult[];
  const testRollouts = done.testRows.map(({ verdicts, reward, advantage, ...rest }) => ({ ...rest, matrix: verdicts, ...(run ? {} : { reward, advantage }) }));
  const output = {
    id: p.id, rollouts, test_rollouts: testRollouts, correct_programs: done.correct, ...(done.note ? { note: done.note } : {}), error: null,
  } as OutputLine;
  return { output, stats };
}

/** Each row's lint (null for a C++ program, which Ruff does not read). Rewarding style needs it for every row. */
function lintRows(p: Problem, linter: NonNullable<ReturnType<typeof shaping>['linter']>, rewarded: boolean): Array<LintResult | null> {
  if (p.passed !== null) {
    if (rewarded) throw new LineError('passed', 'a style reward needs the programs: a precomputed matrix has none (send rollouts)');
    return p.passed.map(() => null);
  }
  if (p.language !== 'python') {
    if (rewarded) throw new LineError('language', `is '${p.language}': Ruff lints Python programs only, so style cannot be rewarded here`);
    return p.programs.map(() => null);
  }
  return p.programs.map((code) => linter.lint(code));
}

/** The visible/held-out gap (SpecBench's measure of reward hacking) of a matrix whose `counted` columns are
 *  the visible tests. */
function heldOut(passed: number[][], counted: number[]): HeldOutSummary {
  const visible = new Set(counted);
  const M = passed[0].length, V = counted.length, H = M - V;
  let vPass = 0, hPass = 0, visibleOnly = 0;
  for (const row of passed) {
    let v = 0, h = 0;
    for (let j = 0; j < M; j++) visible.has(j) ? (v += row[j]) : (h += row[j]);
    vPass += v;
    hPass += h;
    if (v === V && h < H) visibleOnly++;
  }
  const visible_pass_rate = vPass / (V * passed.length), hidden_pass_rate = hPass / (H * passed.length);
  return { tests: H, visible_pass_rate, hidden_pass_rate, gap: visible_pass_rate - hidden_pass_rate, visible_only_passes: visibleOnly };
}

/** The indices of the tests that count for the rewards, or null when every test does. */
function countedTests(p: Problem, width: number): number[] | null {
  if (!p.tests.some((t) => t.hidden === true)) return null;
  const out: number[] = [];
  for (let j = 0; j < width; j++) if (p.tests[j].hidden !== true) out.push(j);
  return out;
}

/** The message of a problem's error: its own for bad input, marked internal otherwise. */
export function problemErrorMessage(e: unknown): string {
  return e instanceof LineError || e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError
    ? e.message
    : `internal error: ${(e as Error).message}`;
}

/** The tests as the executor takes them: `hidden` and `weight` are the pipeline's, so a test runs (and is
 *  cached) the same either way. */
function executorTests(p: Problem): TestCase[] {
  return p.tests.map((t) => {
    if (t.hidden === undefined && t.weight === undefined) return t;
    const { hidden: _h, weight: _w, ...test } = t;
    return test as TestCase;
  });
}

/** Executes a problem's programs. Identical programs and cells are run once by the executor's
 *  content-hash cache (duplicates in flight share one execution); `cached` cells count as hits. */
async function execute(ex: Executor, p: Problem, cache: boolean, stop: boolean): Promise<{ runs: RunResult[]; codes: string[]; executions: number; cacheHits: number }> {
  const ran = await Promise.all(p.programs.map((code) => runProgram(ex, p, code, cache, stop)));
  let executions = 0, cacheHits = 0;
  for (const { run } of ran) for (const cell of run.tests) if (cell.verdict !== 'SKIPPED') cell.cached ? cacheHits++ : executions++;
  return { runs: ran.map((r) => r.run), codes: ran.map((r) => r.code), executions, cacheHits };
}

/** One program of the line against its tests, and the code that ran: a dataset harness applies only to a
 *  program that does not compile without it (apps-harness.ts). */
export async function runProgram(ex: Executor, p: Problem, code: string, cache: boolean, stop = false): Promise<{ run: RunResult; code: string }> {
  const tests = executorTests(p);
  const more = stop ? { stopAfterFailure: true } : {};
  const run = await ex.run({ language: p.language, code, setup: p.setup, tests, limits: p.limits, cache, checker: p.checker, ...more });
  if (p.harness === 'apps' && run.compile.ok === false && needsAppsHarness(run.compile.message)) {
    const wrapped = appsHarnessProgram(code);
    return { run: await ex.run({ language: 'python', code: wrapped, setup: p.setup, tests, limits: p.limits, cache, checker: p.checker, ...more }), code: wrapped };
  }
  return { run, code };
}

function rowsOf(out: RewardOutput, passed: number[][], verdicts: Verdict[][] | null, lint: Array<LintResult | null> | null): RowResult[] {
  return passed.map((row, r) => ({
    ...(verdicts ? { verdicts: verdicts[r] } : {}),
    passed: row,
    dense: out.dense[r],
    outcome: out.outcome[r],
    reward: out.reward[r],
    advantage: out.advantage[r],
    ...(lint ? { lint: lint[r] } : {}),
  }));
}

function shapeRows(p: Problem, rows: RowResult[]): Pick<OutputLine, 'rollouts' | 'turns'> {
  if (!p.trajectory) return { rollouts: rows };
  const turns: RowResult[][] = (p.turnsPerTrajectory ?? []).map(() => []);
  p.trajectory.forEach((t, r) => turns[t].push(rows[r]));
  return { turns };
}

/** Rows are in trajectory order, each trajectory's turns in turn order: the order computeRewards wants. */
function rewards(p: Problem, passed: number[][], options: Omit<RewardOptions, 'out'>, rho: Float64Array | undefined,
  testWeight: Float64Array | undefined): RewardOutput {
  const M = passed[0].length;
  return computeRewards(
    {
      passed: Uint8Array.from(passed.flat()),
      rows: new Uint32Array([passed.length]),
      tests: new Uint32Array([M]),
      ...(p.trajectory ? { trajectory: Uint32Array.from(p.trajectory) } : {}),
      ...(rho ? { rho } : {}),
      ...(testWeight ? { testWeight } : {}),
    },
    options,
  );
}

function finalTurnsSolved(p: Problem, passed: number[][], M: number): number {
  const solvedRow = (r: number) => passed[r].reduce((a, b) => a + b, 0) === M;
  if (!p.trajectory) return passed.filter((_, r) => solvedRow(r)).length;
  const last = new Map<number, number>();
  p.trajectory.forEach((t, r) => last.set(t, r));
  return [...last.values()].filter(solvedRow).length;
}
