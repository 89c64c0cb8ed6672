// What the dataset converters produce: input lines of the JSONL contract (schema/verpo-input.schema.json),
// in the "problem" form (tests, no rows) or, with reference solutions, the single-turn form.
import type { SpecialJudgeEntry } from './special-judge';
import type { TestCase } from '../exec/types';

export type DatasetKind = 'humaneval' | 'mbpp' | 'apps' | 'codecontests' | 'livecodebench' | 'evalplus' | 'deepcoder' | 'leetcode';
export const DATASET_KINDS: readonly DatasetKind[] = ['humaneval', 'mbpp', 'apps', 'codecontests', 'livecodebench', 'evalplus', 'deepcoder', 'leetcode'];

/** Per-line limits, with the contract's snake_case names. */
export interface ContractLimits {
  cpu_ms?: number;
  wall_ms?: number;
  memory_mb?: number;
  output_kb?: number;
}

/** One converted problem. `tests` use the executor's test shapes (lib/exec/types.ts), which the contract mirrors. */
export interface ContractLine {
  id: string;
  language: 'python';
  /** The statement or code prompt a model is given (informational; scoring ignores it). */
  prompt?: string;
  setup?: string;
  tests: TestCase[];
  /** Only with `withSolutions` (and only when the record has reference programs). */
  rollouts?: string[];
  limits?: ContractLimits;
  /** 'apps': stdin programs that need it run as APPS's/TACO's grader runs them (apps-harness.ts). */
  harness?: 'apps';
  /** Facts about the source record (dataset, difficulty, starter code, test counts...). Scoring ignores it. */
  meta?: Record<string, unknown>;
}

export interface ConvertOptions {
  /** Add the dataset's reference solutions (Python 3 only) as `rollouts`. */
  withSolutions?: boolean;
  /** CodeContests: also add `incorrect_solutions` (after the correct ones; `meta.solution_correct` tells which is which). */
  withIncorrectSolutions?: boolean;
  /** At most this many solutions per problem (each kind); default: all. */
  maxSolutions?: number;
  /** MBPP (full): append `challenge_test_list` (11 problems) to `test_list`. Default false: the benchmark's own tests. */
  mbppChallengeTests?: boolean;
  /** CodeContests: which test sets to keep, in this order. Default all three. */
  codeContestsTests?: ReadonlyArray<'public' | 'private' | 'generated'>;
  /** CodeContests: keep the problem's time/memory limits as `limits`. Default true. */
  datasetLimits?: boolean;
  /** Replaces the dataset part of every id (`taco-test/17` instead of `taco/17`), e.g. to tell split files apart. */
  idPrefix?: string;
  /** APPS/TACO: TACO's special-judge list by record index (special-judge.ts): the problems it names are marked
   *  `meta.needs_checker`, and it decides over the statement's wording for every problem it lists. */
  specialJudge?: ReadonlyMap<number, SpecialJudgeEntry>;
}

/** Where a record came from, for error messages: `line` for JSONL (1-based), `index` in a JSON array (0-based). */
export interface RecordRef {
  dataset: DatasetKind;
  /** 0-based position of the record among the file's records. */
  index: number;
  /** 1-based line number when the file is JSONL. */
  line?: number;
}

export function describeRef(ref: RecordRef): string {
  return ref.line !== undefined ? `${ref.dataset} line ${ref.line}` : `${ref.dataset} record ${ref.index}`;
}

/** A malformed record: names the record (line or array index) and the field. The caller decides whether to skip it. */
export class DatasetRecordError extends Error {
  override readonly name = 'DatasetRecordError';
  constructor(readonly ref: RecordRef, readonly field: string, readonly reason: string) {
    super(`${describeRef(ref)}: ${field}: ${reason}`);
  }
}
