// The scoring pipeline: problem groups in, verdict matrices and rewards out, in input order.
// Lines run concurrently (the executor bounds the processes), results are yielded as soon as every
// earlier line is done, and a bad line becomes an error result while the rest is still scored.
import { availableParallelism } from 'os';
import { performance } from 'perf_hooks';
import { cacheBytes, type CellCacheOptions } from '../exec/cell-cache';
import { Executor } from '../exec/executor';
import { appsHarnessProgram, needsAppsHarness } from '../datasets/apps-harness';
import type { ExecutorOptions, RunResult, TestResult, Verdict } from '../exec/types';
import { computeRewards } from '../reward/compute';
import { checkOptions } from '../reward/validate';
import type { RewardOptions, RewardOutput } from '../reward/types';
import { checkLine, LineError, OutputLine, Problem, RowResult } from './contract';

export const VERDICTS: readonly Verdict[] = ['AC', 'WA', 'RE', 'TLE', 'MLE', 'OLE', 'CE', 'SV', 'IE'];

export interface ScoreOptions extends Omit<RewardOptions, 'out'>, Pick<ExecutorOptions, 'concurrency' | 'python' | 'limits' | 'sitePackages' | 'cxx' | 'cxxFlags' | 'testlib'> {
  /** 'score' (default): execute, then rewards. 'run': verdict matrices only. */
  mode?: 'score' | 'run';
  /** An executor to use (not closed by score()); by default one is made from the options above. */
  executor?: Executor;
  /** Use the executor's content-hash cache: a (program, setup, limits, test) cell already run, or
   *  running, is not run again (default true). */
  cache?: boolean;
  /** Bound of that cache, MiB of estimated cell bytes (default 256; lib/exec/cell-cache.ts), for the
   *  executor score() makes (an `executor` given has its own). */
  cacheMb?: number;
  /** Lines in flight at once (default: 4 x the executor's concurrency). */
  window?: number;
  /** Line number of the first input line, for messages (default 1; --resume passes more). */
  firstLine?: number;
  onProgress?: (p: ScoreProgress) => void;
}

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
}

export interface ScoredLine {
  line: number;
  output: OutputLine;
  failed: boolean;
  stats: LineStats | null;
}

export interface ScoreProgress {
  linesRead: number;
  linesDone: number;
  linesFailed: number;
  executions: number;
  cacheHits: number;
  verdicts: Record<Verdict, number>;
  elapsedMs: number;
}

type Input = Iterable<unknown> | AsyncIterable<unknown>;

/** An input line with its physical line number in the file (blank lines are not scored but count). */
export class NumberedLine {
  constructor(readonly line: number, readonly text: string) {}
}

/** An input line that could not be read as text (its bytes are not valid UTF-8): it becomes an error
 *  line saying why (`line 7: not valid UTF-8 (byte offset 12)`), and the other lines are still scored. */
export class UnreadableLine {
  constructor(readonly line: number, readonly reason: string) {}
}

function emptyVerdicts(): Record<Verdict, number> {
  return Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
}

async function* lines(input: Input): AsyncGenerator<unknown> {
  yield* input as AsyncIterable<unknown>;
}

/** Executes a problem's programs. Identical programs and cells are run once by the executor's
 *  content-hash cache (duplicates in flight share one execution); `cached` cells count as hits. */
async function execute(ex: Executor, p: Problem, cache: boolean): Promise<{ runs: RunResult[]; executions: number; cacheHits: number }> {
  const runs = await Promise.all(p.programs.map(async (code) => {
    const run = await ex.run({ language: p.language, code, setup: p.setup, tests: p.tests, limits: p.limits, cache, checker: p.checker });
    // A dataset harness applies only to a program that does not compile without it (apps-harness.ts).
    if (p.harness === 'apps' && run.compile.ok === false && needsAppsHarness(run.compile.message)) {
      return ex.run({ language: 'python', code: appsHarnessProgram(code), setup: p.setup, tests: p.tests, limits: p.limits, cache, checker: p.checker });
    }
    return run;
  }));
  let executions = 0, cacheHits = 0;
  for (const run of runs) for (const cell of run.tests) cell.cached ? cacheHits++ : executions++;
  return { runs, executions, cacheHits };
}

function rowsOf(out: RewardOutput, passed: number[][], verdicts: Verdict[][] | null): RowResult[] {
  return passed.map((row, r) => ({
    ...(verdicts ? { verdicts: verdicts[r] } : {}),
    passed: row,
    dense: out.dense[r],
    outcome: out.outcome[r],
    reward: out.reward[r],
    advantage: out.advantage[r],
  }));
}

function shapeRows(p: Problem, rows: RowResult[]): Pick<OutputLine, 'rollouts' | 'turns'> {
  if (!p.trajectory) return { rollouts: rows };
  const turns: RowResult[][] = (p.turnsPerTrajectory ?? []).map(() => []);
  p.trajectory.forEach((t, r) => turns[t].push(rows[r]));
  return { turns };
}

function rewards(p: Problem, passed: number[][], options: ScoreOptions): RewardOutput {
  const M = passed[0].length;
  return computeRewards(
    {
      passed: Uint8Array.from(passed.flat()),
      rows: new Uint32Array([passed.length]),
      tests: new Uint32Array([M]),
      ...(p.trajectory ? { trajectory: Uint32Array.from(p.trajectory) } : {}),
    },
    options,
  );
}

async function scoreLine(raw: unknown, line: number, executor: () => Executor, options: ScoreOptions): Promise<ScoredLine> {
  let id: string | number | null = null;
  if (raw instanceof UnreadableLine) return { line, failed: true, stats: null, output: { id, error: `line ${line}: ${raw.reason}` } };
  try {
    const value = typeof raw === 'string' ? parseJson(raw) : raw;
    if (value && typeof value === 'object' && 'id' in value) {
      const maybe = (value as { id: unknown }).id;
      if (typeof maybe === 'string' || typeof maybe === 'number') id = maybe;
    }
    const p = checkLine(value, options.mode ?? 'score');
    const stats: LineStats = {
      verdicts: emptyVerdicts(), executions: 0, cacheHits: 0, trajectories: 0, solved: 0, rewardSum: 0, rows: 0, zeroAdvantage: false, rewardMs: 0,
    };
    let passed: number[][];
    let verdicts: Verdict[][] | null = null;
    if (p.passed) {
      passed = p.passed;
    } else {
      const done = await execute(executor(), p, options.cache ?? true);
      stats.executions = done.executions;
      stats.cacheHits = done.cacheHits;
      verdicts = done.runs.map((r) => r.tests.map((t: TestResult) => t.verdict));
      for (const row of verdicts) for (const v of row) stats.verdicts[v]++;
      passed = verdicts.map((row) => row.map((v) => (v === 'AC' ? 1 : 0)));
    }
    const M = passed[0].length;
    const trajectories = p.turnsPerTrajectory ? p.turnsPerTrajectory.length : passed.length;
    stats.trajectories = trajectories;
    stats.rows = passed.length;
    if ((options.mode ?? 'score') === 'run') {
      const rows = passed.map((row, r) => ({ verdicts: verdicts![r], passed: row })) as unknown as RowResult[];
      stats.solved = finalTurnsSolved(p, passed, M);
      return { line, failed: false, stats, output: { id: p.id, ...shapeRows(p, rows), error: null } };
    }
    const t0 = performance.now();
    const out = rewards(p, passed, options);
    stats.rewardMs = performance.now() - t0;
    stats.solved = finalTurnsSolved(p, passed, M);
    stats.rewardSum = Array.from(out.reward).reduce((a, b) => a + b, 0);
    stats.zeroAdvantage = out.advantage.every((a) => a === 0);
    const weights = Array.from(out.weight, (w) => (Number.isFinite(w) ? w : null));
    return { line, failed: false, stats, output: { id: p.id, weights, ...shapeRows(p, rowsOf(out, passed, verdicts)), error: null } };
  } catch (e) {
    const msg = e instanceof LineError || e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError
      ? e.message
      : `internal error: ${(e as Error).message}`;
    return { line, failed: true, stats: null, output: { id, error: `line ${line}: ${msg}` } };
  }
}

function finalTurnsSolved(p: Problem, passed: number[][], M: number): number {
  const solvedRow = (r: number) => passed[r].reduce((a, b) => a + b, 0) === M;
  if (!p.trajectory) return passed.filter((_, r) => solvedRow(r)).length;
  const last = new Map<number, number>();
  p.trajectory.forEach((t, r) => last.set(t, r));
  return [...last.values()].filter(solvedRow).length;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new LineError('line', `not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Scores problem groups (JSONL strings or parsed objects), yielding one result per input, in input
 * order, as soon as it and every earlier line are done.
 */
export async function* score(input: Input, options: ScoreOptions = {}): AsyncGenerator<ScoredLine> {
  if ((options.mode ?? 'score') === 'score') checkOptions(options); // bad hyperparameters fail before anything runs
  if (options.cacheMb !== undefined) cacheBytes(options.cacheMb, 'options.cacheMb');
  // Made on first need: lines with a precomputed matrix need no executor (nor the native addon).
  let own: Executor | null = null;
  const executor = (): Executor => {
    if (options.executor) return options.executor;
    if (!own) {
      const o: ExecutorOptions & CellCacheOptions = {};
      if (options.concurrency !== undefined) o.concurrency = options.concurrency;
      if (options.python !== undefined) o.python = options.python;
      if (options.sitePackages !== undefined) o.sitePackages = options.sitePackages;
      for (const k of ['cxx', 'cxxFlags', 'testlib'] as const) if (options[k] !== undefined) Object.assign(o, { [k]: options[k] });
      if (options.limits !== undefined) o.limits = options.limits;
      // one switch for both caches: identical programs within a line (below) and the executor's
      // content-hash cache across lines (--no-cache turns both off)
      o.cache = options.cache ?? true;
      if (options.cacheMb !== undefined) o.cacheMb = options.cacheMb;
      own = new Executor(o);
    }
    return own;
  };
  const window = options.window ?? 4 * (options.executor?.concurrency ?? options.concurrency ?? availableParallelism());
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`options.window is ${window}: expected an integer >= 1`);
  const progress: ScoreProgress = { linesRead: 0, linesDone: 0, linesFailed: 0, executions: 0, cacheHits: 0, verdicts: emptyVerdicts(), elapsedMs: 0 };
  const t0 = Date.now();
  const pending: Promise<ScoredLine>[] = [];
  const source = lines(input)[Symbol.asyncIterator]();
  let lineNo = options.firstLine ?? 1;
  let exhausted = false;
  let reading: Promise<IteratorResult<unknown>> | null = null; // at most one read outstanding
  const take = (next: IteratorResult<unknown>): void => {
    reading = null;
    if (next.done) {
      exhausted = true;
      return;
    }
    progress.linesRead++;
    let raw = next.value;
    if (raw instanceof NumberedLine) {
      lineNo = raw.line;
      raw = raw.text;
    } else if (raw instanceof UnreadableLine) {
      lineNo = raw.line;
    }
    pending.push(scoreLine(raw, lineNo++, executor, options));
  };
  try {
    for (;;) {
      // Read ahead up to the window, but never hold back a finished head line waiting for input:
      // a trainer may send one group and wait for its result.
      while (!exhausted && pending.length < window) {
        reading ??= source.next();
        if (pending.length === 0) {
          take(await reading);
          continue;
        }
        const first = await Promise.race([reading.then((r) => ({ r })), pending[0].then(() => null)]);
        if (first === null) break;
        take(first.r);
      }
      const head = pending.shift();
      if (!head) break;
      const done = await head;
      progress.linesDone++;
      if (done.failed) progress.linesFailed++;
      if (done.stats) {
        progress.executions += done.stats.executions;
        progress.cacheHits += done.stats.cacheHits;
        for (const v of VERDICTS) progress.verdicts[v] += done.stats.verdicts[v];
      }
      progress.elapsedMs = Date.now() - t0;
      options.onProgress?.({ ...progress, verdicts: { ...progress.verdicts } });
      yield done;
    }
  } finally {
    await Promise.allSettled(pending);
    if (own) await (own as Executor).close();
  }
}

/** The batch form: every output line, in input order. */
export async function scoreAll(input: Input, options: ScoreOptions = {}): Promise<OutputLine[]> {
  const out: OutputLine[] = [];
  for await (const r of score(input, options)) out.push(r.output);
  return out;
}
