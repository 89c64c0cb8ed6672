// The JSONL contract: one problem group per input line, one result per output line, in input
// order. This file turns a parsed input line into a checked Problem, with errors that name the
// field; the JSON Schemas in schema/ state the same contract for other tools.
import type { Checker, Limits, TestCase, Verdict } from '../exec/types';
import { checkJson, MAX_JSON_DEPTH, validateChecker, type ValueError } from '../exec/validate';
import { HARNESSES, type Harness } from '../datasets/apps-harness';
import { LINE_LIMITS } from '../exec/limits';
import { MAX_TEST_WEIGHT } from '../reward/validate';
import type { LintResult } from '../lint/ruff';
import type { ReferenceSummary } from './efficiency';

/** An input line as users write it (see README, "JSONL contract"). */
export interface InputLine {
  id: string | number;
  language?: 'python' | 'cpp';
  /** A special judge for stdio tests with compare: 'checker'. */
  checker?: Checker;
  /** Informational: the problem statement (ignored by scoring). */
  prompt?: string;
  setup?: string;
  tests?: unknown[];
  rollouts?: string[];
  turns?: string[][];
  passed?: number[][];
  trajectory?: number[];
  limits?: { cpu_ms?: number; wall_ms?: number; memory_mb?: number; output_kb?: number };
  /** A dataset grader's harness for programs that need it ('apps': a stdin program with a top-level
   *  `return` runs as APPS's and TACO's grader runs it; lib/datasets/apps-harness.ts). */
  harness?: Harness;
  /** Informational facts about the problem (ignored by scoring). */
  meta?: Record<string, unknown>;
  /** 'code' (default): rollouts are programs. 'tests': rollouts are model-written test files for `focal`
   *  (lib/testgen, docs/tests-task.md). */
  task?: 'code' | 'tests';
  /** task 'tests': the program under test, trusted to be correct. */
  focal?: string;
  /** task 'tests': faulty versions of `focal`; generated from its AST when absent. */
  mutants?: string[];
  /** A code line's model-written test files (CURE co-evolution): programs x (tests + these tests). */
  test_rollouts?: string[];
}

export interface RowResult {
  verdicts?: Verdict[];
  /** With lint on: Ruff's findings on the row's program (null for a program Ruff does not read). */
  lint?: LintResult | null;
  /** Lines with a reference: min(1, reference CPU / this row's CPU) when it passes every counted test, else 0;
   *  null when the term is not computed (the line's `reference.note` says why). */
  efficiency?: number | null;
  passed: number[];
  dense: number;
  outcome: number;
  reward: number;
  advantage: number;
}

/** An output line. `weights` holds null where a weight is not a number (binary scheme). */
/** A line with hidden tests: how its rollouts did on the visible tests against the held-out ones. */
export interface HeldOutSummary {
  /** Hidden tests in the line. */
  tests: number;
  /** Share of (row, test) cells passed, over the visible tests and over the hidden ones. */
  visible_pass_rate: number;
  hidden_pass_rate: number;
  /** visible_pass_rate - hidden_pass_rate: 1 for programs that hard-code the visible outputs. */
  gap: number;
  /** Rows that pass every visible test and fail a hidden one. */
  visible_only_passes: number;
}

export interface OutputLine {
  id: string | number | null;
  weights?: Array<number | null>;
  hidden?: HeldOutSummary;
  /** Lines with a reference: how it ran (efficiency.ts). */
  reference?: ReferenceSummary;
  rollouts?: RowResult[];
  turns?: RowResult[][];
  error: string | null;
}

/** A checked input line. Rows are programs (rollouts, or turns flattened in trajectory order). */
export interface Problem {
  id: string | number;
  language: 'python' | 'cpp';
  checker?: Checker;
  /** A known-good program, run as an extra row that is never rewarded (the efficiency term). */
  reference?: string;
  setup?: string;
  tests: TestCase[];
  /** Programs to run, one per row; empty when the matrix is precomputed. */
  programs: string[];
  /** Per row, its trajectory index; null for single-turn. */
  trajectory: number[] | null;
  /** Turns per trajectory (multi-turn), for shaping the output. */
  turnsPerTrajectory: number[] | null;
  /** Precomputed pass matrix (rows x tests), when the line carried `passed`. */
  passed: number[][] | null;
  limits?: Partial<Limits>;
  harness?: Harness;
  /** task 'tests' (then `programs` are test files and `tests` the optional ground truth). */
  task?: 'tests';
  focal?: string;
  /** task 'tests': the line's own mutants, or null: generated. */
  mutants?: string[] | null;
  /** Co-evolution: a code line's model-written test files. */
  testRollouts?: string[];
}

export class LineError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

// prompt and meta are informational (written by `verpo convert`, ignored by scoring).
const KNOWN_KEYS = new Set(['id', 'language', 'prompt', 'setup', 'tests', 'rollouts', 'turns', 'passed', 'trajectory', 'limits', 'harness', 'checker', 'reference', 'meta',
  'task', 'focal', 'mutants', 'test_rollouts']);
/** Fields of a code line that a task 'tests' line has no use for. */
const NOT_IN_TESTS_TASK = ['turns', 'passed', 'trajectory', 'reference', 'checker', 'harness', 'test_rollouts'];

function checkTests(v: unknown): TestCase[] {
  if (!Array.isArray(v) || v.length === 0) throw new LineError('tests', `expected a non-empty array of tests (got ${describe(v)})`);
  const checked = v.map((t, i) => {
    const f = `tests[${i}]`;
    if (!isObject(t)) throw new LineError(f, `expected an object (got ${describe(t)})`);
    if (t.hidden !== undefined && typeof t.hidden !== 'boolean') throw new LineError(`${f}.hidden`, `expected true or false (got ${describe(t.hidden)})`);
    if (t.weight !== undefined && !(typeof t.weight === 'number' && t.weight >= 0 && t.weight <= MAX_TEST_WEIGHT))
      throw new LineError(`${f}.weight`, `is ${JSON.stringify(t.weight)}: expected a number in [0, ${MAX_TEST_WEIGHT}]`);
    switch (t.type) {
      case 'assert':
        if (typeof t.code !== 'string') throw new LineError(`${f}.code`, 'expected a string of Python statements');
        return t as unknown as TestCase;
      case 'stdio':
        if (typeof t.stdin !== 'string') throw new LineError(`${f}.stdin`, 'expected a string');
        if (typeof t.stdout !== 'string') throw new LineError(`${f}.stdout`, 'expected a string');
        return t as unknown as TestCase;
      case 'call':
        if (typeof t.fn !== 'string' || t.fn === '') throw new LineError(`${f}.fn`, 'expected a function name');
        if (!Array.isArray(t.args)) throw new LineError(`${f}.args`, `expected a JSON array of arguments (got ${describe(t.args)})`);
        if (t.kwargs !== undefined && !isObject(t.kwargs)) throw new LineError(`${f}.kwargs`, `expected a JSON object of keyword arguments (got ${describe(t.kwargs)})`);
        if (!('expected' in t)) throw new LineError(`${f}.expected`, 'expected the JSON return value');
        // each value goes to the sandbox on its own: at most MAX_JSON_DEPTH levels each, checked without recursion
        t.args.forEach((a, j) => checkValue(a, `${f}.args[${j}]`));
        if (isObject(t.kwargs)) for (const [k, x] of Object.entries(t.kwargs)) checkValue(x, `${f}.kwargs.${k}`);
        checkValue(t.expected, `${f}.expected`);
        return t as unknown as TestCase;
      default:
        throw new LineError(`${f}.type`, `is ${JSON.stringify(t.type)}: expected 'assert', 'stdio' or 'call'`);
    }
  });
  if (checked.every((t) => t.hidden === true)) throw new LineError('tests', 'every test is hidden: at least one must count for the rewards');
  return checked;
}

/** A call test's value: JSON, nested at most MAX_JSON_DEPTH levels (the wire limit), or a LineError naming its path. */
function checkValue(v: unknown, field: string): void {
  try {
    checkJson(v, field, MAX_JSON_DEPTH);
  } catch (e) {
    const err = e as Partial<ValueError>;
    if (err.path !== undefined && err.reason !== undefined) throw new LineError(err.path, err.reason);
    throw e;
  }
}

function checkPrograms(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new LineError(field, `expected a non-empty array of programs (got ${describe(v)})`);
  v.forEach((p, i) => {
    if (typeof p !== 'string') throw new LineError(`${field}[${i}]`, `expected a program as a string (got ${describe(p)})`);
  });
  return v as string[];
}

function checkMatrix(v: unknown): number[][] {
  if (!Array.isArray(v) || v.length === 0) throw new LineError('passed', `expected a non-empty array of rows (got ${describe(v)})`);
  let width = -1;
  v.forEach((row, r) => {
    if (!Array.isArray(row) || row.length === 0) throw new LineError(`passed[${r}]`, 'expected a non-empty array of 0/1');
    if (width >= 0 && row.length !== width) throw new LineError(`passed[${r}]`, `has ${row.length} tests: expected ${width}, like row 0`);
    width = row.length;
    row.forEach((c, j) => {
      if (c !== 0 && c !== 1 && c !== true && c !== false) throw new LineError(`passed[${r}][${j}]`, `is ${JSON.stringify(c)}: expected 0 or 1`);
    });
  });
  return (v as unknown[][]).map((row) => row.map((c) => (c === true || c === 1 ? 1 : 0)));
}

function checkTrajectory(v: unknown, rows: number): number[] {
  if (!Array.isArray(v) || v.length !== rows) throw new LineError('trajectory', `expected one trajectory index per row (${rows})`);
  v.forEach((t, i) => {
    if (!Number.isInteger(t) || (t as number) < 0 || (t as number) >= rows)
      throw new LineError(`trajectory[${i}]`, `is ${JSON.stringify(t)}: expected an integer in 0..${rows - 1}`);
  });
  return v as number[];
}

function checkLimits(v: unknown): Partial<Limits> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) throw new LineError('limits', `expected an object (got ${describe(v)})`);
  const out: Partial<Limits> = {};
  for (const [k, x] of Object.entries(v)) {
    const name = LINE_LIMITS[k];
    if (!name) throw new LineError(`limits.${k}`, `unknown limit: expected ${Object.keys(LINE_LIMITS).join(', ')}`);
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw new LineError(`limits.${k}`, `is ${JSON.stringify(x)}: expected a number > 0`);
    out[name] = x;
  }
  return out;
}

/** Checks one parsed input line. `mode: 'run'` needs programs and tests (no precomputed matrix). */
export function checkLine(v: unknown, mode: 'score' | 'run' = 'score'): Problem {
  if (!isObject(v)) throw new LineError('line', `expected a JSON object (got ${describe(v)})`);
  for (const k of Object.keys(v)) if (!KNOWN_KEYS.has(k)) throw new LineError(k, `unknown field: expected one of ${[...KNOWN_KEYS].join(', ')}`);
  const { id } = v;
  if (typeof id !== 'string' && typeof id !== 'number') throw new LineError('id', `expected a string or number (got ${describe(id)})`);
  if (v.language !== undefined && v.language !== 'python' && v.language !== 'cpp')
    throw new LineError('language', `is ${JSON.stringify(v.language)}: expected 'python' or 'cpp'`);
  const language = (v.language ?? 'python') as 'python' | 'cpp';
  if (v.task !== undefined && v.task !== 'code' && v.task !== 'tests') throw new LineError('task', `is ${JSON.stringify(v.task)}: expected 'code' or 'tests'`);
  if (v.task === 'tests') return checkTestsLine(v, id, language, mode);
  for (const k of ['focal', 'mutants']) if (v[k] !== undefined) throw new LineError(k, "belongs to a task 'tests' line (add \"task\": \"tests\")");
  if (language === 'cpp' && v.setup !== undefined && v.setup !== '') throw new LineError('setup', "is Python code: a 'cpp' line has none");
  if (language === 'cpp' && v.harness !== undefined) throw new LineError('harness', "applies to Python programs: a 'cpp' line has none");
  let checker: Checker | undefined;
  if (v.checker !== undefined) {
    try {
      checker = validateChecker(v.checker, 'checker');
    } catch (e) {
      const m = /^(checker[\w.]*) (.*)$/s.exec((e as Error).message);
      throw m ? new LineError(m[1], m[2]) : e;
    }
  }
  if (v.setup !== undefined && typeof v.setup !== 'string') throw new LineError('setup', `expected a string (got ${describe(v.setup)})`);
  if (v.prompt !== undefined && typeof v.prompt !== 'string') throw new LineError('prompt', `expected a string (got ${describe(v.prompt)})`);
  if (v.meta !== undefined && !isObject(v.meta)) throw new LineError('meta', `expected an object (got ${describe(v.meta)})`);
  const sources = ['rollouts', 'turns', 'passed'].filter((k) => v[k] !== undefined);
  if (sources.length !== 1)
    throw new LineError(sources.length ? sources.join('+') : 'rollouts', 'expected exactly one of rollouts, turns or passed');
  const limits = checkLimits(v.limits);
  const setup = v.setup as string | undefined;
  if (v.harness !== undefined && !(HARNESSES as readonly unknown[]).includes(v.harness))
    throw new LineError('harness', `is ${JSON.stringify(v.harness)}: expected one of ${HARNESSES.join(', ')}`);
  const harness = v.harness as Harness | undefined;

  if (v.passed !== undefined) {
    if (mode === 'run') throw new LineError('passed', '`verpo run` executes programs: give rollouts or turns, not a precomputed matrix');
    if (v.tests !== undefined) throw new LineError('tests', 'a line with a precomputed `passed` matrix carries no tests');
    if (v.reference !== undefined) throw new LineError('reference', 'a line with a precomputed `passed` matrix runs nothing: a reference needs tests and rollouts');
    const passed = checkMatrix(v.passed);
    const trajectory = v.trajectory === undefined ? null : checkTrajectory(v.trajectory, passed.length);
    return { id, language, setup, tests: [], programs: [], trajectory, turnsPerTrajectory: trajectory && countTurns(trajectory), passed, limits };
  }
  if (v.trajectory !== undefined) throw new LineError('trajectory', 'only goes with a precomputed `passed` matrix (use `turns` for programs)');
  const tests = checkTests(v.tests);
  tests.forEach((t, i) => {
    if (language === 'cpp' && t.type !== 'stdio') throw new LineError(`tests[${i}].type`, `is '${t.type}': a 'cpp' line takes stdio tests only`);
    if (t.type === 'stdio' && t.compare === 'checker' && checker === undefined)
      throw new LineError(`tests[${i}].compare`, "is 'checker' but the line has no checker");
  });
  if (v.reference !== undefined && (typeof v.reference !== 'string' || v.reference.trim() === ''))
    throw new LineError('reference', `expected a program as a non-empty string (got ${describe(v.reference)})`);
  const extra = { ...(checker === undefined ? {} : { checker }), ...(v.reference === undefined ? {} : { reference: v.reference as string }) };
  if (v.test_rollouts !== undefined) {
    if (v.rollouts === undefined) throw new LineError('test_rollouts', 'go with program `rollouts` (CURE co-evolution: programs x tests)');
    if (language !== 'python') throw new LineError('test_rollouts', "are Python test files: a 'cpp' line has none");
    if (v.reference !== undefined || harness !== undefined || checker !== undefined)
      throw new LineError(v.reference !== undefined ? 'reference' : harness !== undefined ? 'harness' : 'checker', 'is not taken with test_rollouts');
    if (tests.some((t) => t.type === 'stdio')) throw new LineError('tests', 'test_rollouts are assert files: the ground-truth tests must be assert or call tests');
  }
  if (v.rollouts !== undefined) {
    const testRollouts = v.test_rollouts === undefined ? {} : { testRollouts: checkTestFiles(v.test_rollouts, 'test_rollouts') };
    return { id, language, ...extra, setup, tests, programs: checkPrograms(v.rollouts, 'rollouts'), trajectory: null, turnsPerTrajectory: null, passed: null, limits, harness, ...testRollouts };
  }
  if (!Array.isArray(v.turns) || v.turns.length === 0) throw new LineError('turns', `expected a non-empty array of trajectories (got ${describe(v.turns)})`);
  const programs: string[] = [], trajectory: number[] = [], turnsPerTrajectory: number[] = [];
  v.turns.forEach((t, i) => {
    const turns = checkPrograms(t, `turns[${i}]`);
    turnsPerTrajectory.push(turns.length);
    for (const p of turns) programs.push(p), trajectory.push(i);
  });
  return { id, language, ...extra, setup, tests, programs, trajectory, turnsPerTrajectory, passed: null, limits, harness };
}

/** Model-written test files: strings (an empty one holds 0 tests). */
function checkTestFiles(v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new LineError(field, `expected a non-empty array of test files (got ${describe(v)})`);
  v.forEach((p, i) => {
    if (typeof p !== 'string') throw new LineError(`${field}[${i}]`, `expected a test file as a string (got ${describe(p)})`);
  });
  return v as string[];
}

/** A task 'tests' line: `focal`, optional `mutants`, `rollouts` (test files), optional ground-truth `tests`. */
function checkTestsLine(v: Record<string, unknown>, id: string | number, language: string, mode: 'score' | 'run'): Problem {
  if (language !== 'python') throw new LineError('language', `is '${language}': task 'tests' takes Python programs and test files`);
  for (const k of NOT_IN_TESTS_TASK) if (v[k] !== undefined) throw new LineError(k, "is not taken by a task 'tests' line");
  if (typeof v.focal !== 'string' || v.focal.trim() === '') throw new LineError('focal', `expected the program under test as a non-empty string (got ${describe(v.focal)})`);
  let mutants: string[] | null = null;
  if (v.mutants !== undefined) {
    if (!Array.isArray(v.mutants)) throw new LineError('mutants', `expected an array of programs (got ${describe(v.mutants)})`);
    v.mutants.forEach((m, i) => {
      if (typeof m !== 'string') throw new LineError(`mutants[${i}]`, `expected a program as a string (got ${describe(m)})`);
    });
    mutants = v.mutants as string[];
  }
  if (v.setup !== undefined && typeof v.setup !== 'string') throw new LineError('setup', `expected a string (got ${describe(v.setup)})`);
  if (v.prompt !== undefined && typeof v.prompt !== 'string') throw new LineError('prompt', `expected a string (got ${describe(v.prompt)})`);
  if (v.meta !== undefined && !isObject(v.meta)) throw new LineError('meta', `expected an object (got ${describe(v.meta)})`);
  const tests = v.tests === undefined ? [] : checkTests(v.tests);
  tests.forEach((t, i) => {
    if (t.type === 'stdio') throw new LineError(`tests[${i}].type`, "is 'stdio': the focal program's ground-truth tests are assert or call tests");
  });
  void mode;
  return {
    id, language: 'python', setup: v.setup as string | undefined, tests, programs: checkTestFiles(v.rollouts, 'rollouts'),
    trajectory: null, turnsPerTrajectory: null, passed: null, limits: checkLimits(v.limits), task: 'tests', focal: v.focal, mutants,
  };
}

function countTurns(trajectory: number[]): number[] {
  let n = 0;
  for (const t of trajectory) n = Math.max(n, t + 1);
  const counts = new Array<number>(n).fill(0);
  for (const t of trajectory) counts[t]++;
  return counts;
}
