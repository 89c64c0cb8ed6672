// DeepCoder / rllm preprocessed rows -> contract lines. A row is `{problem, tests, starter_code?, solutions?}`
// (`tests` as a value or as JSON text, as the Hugging Face copy stores it), from four sources that write
// `tests` differently; the source is told from that shape, per row (rows carry no source field):
//  - code_contests: `{inputs: [...], outputs: [...]}` (and `fn_name` for a call-based TACO/APPS row);
//  - codeforces:    `[{input, output}]`;
//  - livecodebench: `[{input, output, testtype, metadata?}]` (+ `starter_code`); a functional case's
//    function is its `metadata.func_name`, else the row's, else the method the starter code declares;
//  - leetcodedataset: `{functional: "def check(candidate): ...\n\ncheck(Solution().method)"}` + `solutions`.
// The first three are labels as label-rules.ts reads them (testsFromLabel: one set of rules with the
// server's labels); the fourth is split into one assert test per assert of check (splitCheck, through
// leetcode.ts), calling the candidate the trailing check(...) names.
//
// Each source keeps what rllm's grader for it gives a program (rllm/rewards/code_reward.py):
//  - code_contests and codeforces (taco.py / codeforces.py): the program runs after the grader's import
//    lines (APPS_PRELUDE, without numpy), and stdout is compared by compare_std_results, which for text
//    output is `stdout.strip() == expected.strip()` (plus quirks that accept single-character tokens in any
//    order, not reproduced). The nearest comparator is `whitespace`: the same but that it also ignores
//    trailing spaces at the ends of inner lines (rllm does not) and does not ignore leading whitespace of
//    the whole output (rllm does). A program that fails every test by not compiling is rerun by those
//    graders as the body of a function: `harness: "apps"`.
//  - livecodebench (LiveCodeBench's own grader): LCB's import prelude, `Solution()` for call tests, and
//    stdout compared line by line after stripping the output and each line (`lines`: testlib's lcmp;
//    LCB also equates numerically equal tokens such as 1.0 and 1, lcmp does not). stdin programs run there
//    as the body of a function: `harness: "apps"`.
//  - leetcodedataset (rllm's LeetCode grader: program + check in one process): LEETCODE_PRELUDE, the union
//    of rllm's import list and LeetCodeDataset's own prelude (a reference solution uses `ascii_uppercase`,
//    which only the latter gives: under rllm's list alone it is a NameError), with LeetCode's
//    ListNode/TreeNode and the helpers LeetCodeDataset's tests call (list_node, is_same_list, ...).
// rllm scores only the 15 tests with the longest inputs of a code_contests/codeforces row; every test is
// kept here (per-test rewards want them all).
//
// Rows are skipped (a DatasetRecordError with the reason) when they cannot be judged by their tests: an
// interactive problem (its tests are one transcript of the jury's side), or tests that do not parse.
// Problems that accept several answers are marked (needs-checker.ts). `withSolutions` adds `solutions`
// (a program or a list of programs) as rollouts.
import { INTERACTIVE_REASON, isInteractive } from './interactive';
import type { TestCase } from '../exec/types';
import { asRecord, capped, describeValue, isRecord, lf, optStr, type Rec } from './fields';
import { LabelError, testsFromLabel, type LabelGroup } from './label-rules';
import { checkCandidate, checkTests, LEETCODE_PRELUDE, solutionMethod } from './leetcode';
import { needsCheckerMeta } from './needs-checker';
import { APPS_PRELUDE, isPythonIdentifier, solutionMethodForwarder } from './python-preludes';
import { DatasetRecordError, type ContractLine, type ConvertOptions, type RecordRef } from './types';

export type DeepCoderSource = 'code_contests' | 'codeforces' | 'livecodebench' | 'leetcodedataset';

/** The source a row's `tests` shape says (undefined when it is none of the four). */
export { isInteractive };

export function deepCoderSource(tests: unknown): DeepCoderSource | undefined {
  if (isRecord(tests)) {
    if (typeof tests.functional === 'string') return 'leetcodedataset';
    if ('inputs' in tests || 'outputs' in tests) return 'code_contests';
    return undefined;
  }
  if (Array.isArray(tests)) return tests.some((c) => isRecord(c) && c.testtype !== undefined && c.testtype !== null) ? 'livecodebench' : 'codeforces';
  return undefined;
}


/** testsFromLabel, its errors as the record's (`label.tests[2].input` -> `tests[2].input`). */
function fromLabel(label: unknown, ref: RecordRef): LabelGroup {
  try {
    return testsFromLabel(label);
  } catch (e) {
    if (e instanceof LabelError) throw new DatasetRecordError(ref, e.field.replace(/^label(\.tests)?/, 'tests'), e.reason);
    throw e;
  }
}

/** The method a LeetCode-style starter code declares (`class Solution:\n    def maxProfit(self, ...`). */
export function starterMethod(starter: string | undefined): string | undefined {
  const name = starter === undefined ? undefined : /^[ \t]*def\s+([A-Za-z_]\w*)\s*\(/m.exec(starter)?.[1];
  return name !== undefined && isPythonIdentifier(name) ? name : undefined;
}

function caseFunctionName(c: unknown): unknown {
  return isRecord(c) && isRecord(c.metadata) ? c.metadata.func_name : undefined;
}

function rowFunctionName(rec: Rec): unknown {
  let m = rec.metadata;
  if (typeof m === 'string') {
    try {
      m = JSON.parse(m);
    } catch {
      return undefined;
    }
  }
  return isRecord(m) ? m.func_name : undefined;
}

function parsedTests(rec: Rec, ref: RecordRef): unknown {
  const v = rec.tests;
  if (v === undefined || v === null) throw new DatasetRecordError(ref, 'tests', 'is missing: the row has no tests');
  if (typeof v !== 'string') return v;
  if (v.trim() === '') throw new DatasetRecordError(ref, 'tests', 'is empty: the row has no tests');
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new DatasetRecordError(ref, 'tests', `not valid JSON (${(e as Error).message})`);
  }
}

function solutionsOf(rec: Rec, ref: RecordRef): string[] {
  let v = rec.solutions;
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string' && /^\s*\[/.test(v)) {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) v = parsed;
    } catch {
      // a program that starts with '[': kept as the one program
    }
  }
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) throw new DatasetRecordError(ref, 'solutions', `expected a program or a list of programs, got ${describeValue(v)}`);
  return list.map((s, i) => {
    if (typeof s !== 'string') throw new DatasetRecordError(ref, `solutions[${i}]`, `expected a program, got ${describeValue(s)}`);
    return lf(s);
  }).filter((s) => s.trim() !== '');
}

/** The stdio comparator of each source's grader (see the header). */
const COMPARE: Record<Exclude<DeepCoderSource, 'leetcodedataset'>, 'whitespace' | 'lines'> = {
  code_contests: 'whitespace',
  codeforces: 'whitespace',
  livecodebench: 'lines',
};

interface Tests { tests: TestCase[]; setup: string; meta: Record<string, unknown> }

function labelSourceTests(source: Exclude<DeepCoderSource, 'leetcodedataset'>, tests: unknown, rec: Rec, ref: RecordRef, starter: string | undefined): Tests {
  let group: LabelGroup;
  const meta: Record<string, unknown> = {};
  if (source === 'livecodebench') {
    const cases = tests as unknown[];
    const named = cases.map(caseFunctionName).find((f) => f !== undefined && f !== null) ?? rowFunctionName(rec);
    const fn = named ?? starterMethod(starter);
    const functional = cases.some((c) => isRecord(c) && c.testtype === 'functional');
    if (functional && fn === undefined) {
      throw new DatasetRecordError(ref, 'starter_code', 'functional tests need the function\'s name: no case names it (metadata.func_name) and the starter code declares no method');
    }
    group = fromLabel(fn === undefined ? { tests: cases } : { tests: cases, metadata: { func_name: fn } }, ref);
  } else {
    group = fromLabel(tests, ref);
  }
  const call = group.tests.find((t) => t.type === 'call');
  const fn = call?.type === 'call' ? call.fn : undefined;
  if (fn !== undefined) meta.func_name = fn;
  const compare = COMPARE[source];
  const out = group.tests.map((t): TestCase => (t.type === 'stdio' ? { ...t, compare } : t));
  // LiveCodeBench keeps the setup the label rules give it (LCB's prelude, the Solution() forwarder); the
  // taco/codeforces graders put their own import lines before a program (and Solution() for call tests)
  const setup = source === 'livecodebench' ? group.setup ?? '' : APPS_PRELUDE + (fn !== undefined ? solutionMethodForwarder(fn) : '');
  return { tests: out, setup, meta };
}

export function convertDeepCoderRecord(raw: unknown, ref: RecordRef, options: ConvertOptions): ContractLine {
  const rec = asRecord(raw, ref);
  const problem = optStr(rec, 'problem', ref);
  const starter = optStr(rec, 'starter_code', ref);
  const tests = parsedTests(rec, ref);
  const source = deepCoderSource(tests);
  if (source === undefined) {
    throw new DatasetRecordError(ref, 'tests', `expected {inputs, outputs}, [{input, output, testtype?}] or {functional}, got ${describeValue(tests)}`);
  }
  let converted: Tests;
  if (source === 'leetcodedataset') {
    const functional = lf((tests as Rec).functional as string);
    const candidate = checkCandidate(functional);
    if (candidate === undefined) throw new DatasetRecordError(ref, 'tests.functional', 'no trailing check(<candidate>) call names what to test');
    const method = solutionMethod(candidate);
    converted = {
      tests: checkTests(functional, candidate, 'tests.functional', ref),
      setup: LEETCODE_PRELUDE,
      meta: { entry_point: candidate, ...(method !== undefined ? { method } : {}) },
    };
  } else {
    if (isInteractive(problem)) {
      throw new DatasetRecordError(ref, 'problem', INTERACTIVE_REASON);
    }
    converted = labelSourceTests(source, tests, rec, ref, starter);
  }
  const stdio = converted.tests.some((t) => t.type === 'stdio');
  const kind = converted.tests.every((t) => t.type === converted.tests[0].type) ? converted.tests[0].type : 'mixed';
  const rollouts = options.withSolutions ? capped(solutionsOf(rec, ref), options.maxSolutions) : [];
  const meta: Record<string, unknown> = {
    dataset: 'deepcoder',
    source,
    record_index: ref.index,
    test_kind: kind,
    ...converted.meta,
  };
  if (starter) meta.starter_code = starter;
  Object.assign(meta, needsCheckerMeta(problem));
  if (rollouts.length) meta.solution_correct = rollouts.map(() => true);
  return {
    id: `${options.idPrefix ?? 'deepcoder'}/${source}/${ref.index}`,
    language: 'python',
    ...(problem !== undefined ? { prompt: problem } : {}),
    setup: converted.setup,
    tests: converted.tests,
    ...(rollouts.length ? { rollouts } : {}),
    ...(stdio ? { harness: 'apps' as const } : {}),
    meta,
  };
}
