// The scoring pipeline: problem groups in, verdict matrices and rewards out, in input order.
// Lines run concurrently (the executor bounds the processes), results are yielded as soon as every
// earlier line is done, and a bad line becomes an error result while the rest is still scored.
import { availableParallelism } from 'os';
import { cacheBytes, type CellCacheOptions } from '../exec/cell-cache';
import { Executor } from '../exec/executor';
import type { ExecutorOptions, Verdict } from '../exec/types';
import { checkOptions } from '../reward/validate';
import type { RewardOptions } from '../reward/types';
import { checkLine, LineError, type OutputLine } from './contract';
import { checkStopAfterFailure, emptyVerdicts, problemErrorMessage, scoreProblem, VERDICTS, type LineStats } from './score-problem';
import { checkShapingOptions, type ShapingOptions } from './shaping';
import { checkEfficiencyOptions, type EfficiencyOptions } from './efficiency';
import { checkTestsOptions, type TestsOptions } from '../testgen/score';

export { VERDICTS, type LineStats };

export interface ScoreOptions extends Omit<RewardOptions, 'out'>, ShapingOptions, EfficiencyOptions, Pick<TestsOptions, 'testReward' | 'mutantCap' | 'mutantSeed' | 'coverage'>, Pick<ExecutorOptions, 'concurrency' | 'python' | 'limits' | 'sitePackages' | 'scope' | 'cxx' | 'cxxFlags' | 'testlib'> {
  /** 'score' (default): execute, then rewards. 'run': verdict matrices only. */
  mode?: 'score' | 'run';
  /** A program's tests after its first failing one are not run (SKIPPED); only with mode 'run' or the binary
   *  scheme (a TypeError otherwise), and not on score lines with hidden tests (a line error). */
  stopAfterFailure?: boolean;
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

async function* lines(input: Input): AsyncGenerator<unknown> {
  yield* input as AsyncIterable<unknown>;
}

/** One line: parsed and checked, then scored by scoreProblem; any error becomes its error line
 *  (`line 12: tests[0].code: ...`), and the other lines are still scored. */
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
    const { output, stats } = await scoreProblem(p, { executor, options });
    return { line, failed: false, stats, output };
  } catch (e) {
    return { line, failed: true, stats: null, output: { id, error: `line ${line}: ${problemErrorMessage(e)}` } };
  }
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
  checkShapingOptions(options);
  checkEfficiencyOptions(options);
  checkStopAfterFailure(options);
  checkTestsOptions(options);
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
      if (options.scope !== undefined) o.scope = options.scope;
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
