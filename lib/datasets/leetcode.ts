// LeetCode-style rows -> contract lines: DeepSeek-Coder's LeetCode contest benchmark and LeetCodeDataset
// (newfacade), plus the pieces DeepCoder's `leetcodedataset` rows need (deepcoder.ts).
//
// Two row shapes, told apart per record:
//  - DeepSeek-Coder (`Evaluation/LeetCode/data/*.jsonl`): `task_id`, `prompt` (the statement in a docstring,
//    then the code stub: `class Solution` with an unfinished method, and sometimes a real `class ListNode`),
//    `prompt_sft` (the same for chat models), `test`: statements run after the program — `my_solution =
//    Solution()`, helper lambdas (`_f1` builds a linked list, `_f2` reads one back), then per case
//    `test_input = {...}` and one `assert`. DeepSeek's grader runs its import list + the program + `test`
//    in one process. Here each assert is one assert test that carries what it needs before it: the shared
//    statements (`my_solution`, the helpers) and its own case's `test_input` (deepseekTests).
//  - LeetCodeDataset (human-eval format): `prompt` (the imports and helpers its grader puts before the
//    completion), `completion` (the reference), `entry_point` (`Solution().method`), `test` (`def
//    check(candidate)`), `query`. Its grader runs prompt + completion + test + check(entry_point): here
//    `prompt` is the setup and check's asserts are split into one test each (humaneval.ts's splitCheck).
//
// What a rollout is (DeepSeek rows): the whole program — `class Solution` with the method written, as the
// model's code block is in DeepSeek's evaluation of chat models (it extracts the code block and runs it).
// A trainer that samples a continuation of the stub instead (a base model completing `prompt`) makes the
// program `meta.stub` + completion, as DeepSeek's evaluator does for an output that continues the stub.
// The stub's own classes (`ListNode`, `TreeNode`: LeetCode predefines them, DeepSeek writes them out in the
// stub) go to setup, so a program that copies them and one that does not both run; the test's `_f1` then
// builds the setup's nodes, which reach the program by value (lib/exec/python/README.md), and the nodes the
// program returns come back as handles that `_f2` walks.
import { logicalLines, splitCheck } from './humaneval';
import { asRecord, capped, describeValue, isRecord, lf, optStr, str, type Rec } from './fields';
import { DatasetRecordError, type ContractLine, type ConvertOptions, type RecordRef } from './types';
import type { AssertTest } from '../exec/types';
import { needsCheckerMeta } from './needs-checker';

/** LeetCode's linked-list and tree classes, with the helpers LeetCodeDataset's tests call
 *  (`is_same_list(candidate(head = list_node([1, 2])), list_node([2, 1]))`, `tree_node([3, 9, None, 4])`,
 *  `is_same_tree`): lists in LeetCode's notation, trees in its level order with None for a missing child.
 *  The comparisons walk iteratively and test `is None`, never truth (a program's node is a handle). */
export const LEETCODE_NODE_HELPERS = `class ListNode:
    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next


class TreeNode:
    def __init__(self, val=0, left=None, right=None):
        self.val = val
        self.left = left
        self.right = right


def list_node(values):
    head = None
    for value in reversed(list(values)):
        head = ListNode(value, head)
    return head


def tree_node(values):
    values = list(values)
    if not values or values[0] is None:
        return None
    root = TreeNode(values[0])
    parents = [root]
    i = 1
    while i < len(values) and parents:
        children = []
        for parent in parents:
            for side in ('left', 'right'):
                if i >= len(values):
                    return root
                if values[i] is not None:
                    child = TreeNode(values[i])
                    setattr(parent, side, child)
                    children.append(child)
                i += 1
        parents = children
    return root


def is_same_list(a, b):
    while a is not None and b is not None:
        if a.val != b.val:
            return False
        a, b = a.next, b.next
    return a is None and b is None


def is_same_tree(p, q):
    pending = [(p, q)]
    while pending:
        a, b = pending.pop()
        if a is None or b is None:
            if a is not b:
                return False
            continue
        if a.val != b.val:
            return False
        pending.append((a.left, b.left))
        pending.append((a.right, b.right))
    return True
`;

/** The environment of LeetCode-style rows that carry none of their own (DeepCoder's `leetcodedataset` rows,
 *  LeetCodeDataset rows without `prompt`): what LeetCodeDataset's grader puts before a completion (its
 *  `prompt`: star-imports of typing, functools, collections, itertools, heapq, bisect, string, operator and
 *  math, `import math, datetime`, `inf`), then the builtins those star-imports shadow restored (`pow`, `abs`:
 *  operator's and math's differ), as LiveCodeBench's prelude does, then the names rllm's LeetCode grader
 *  imports besides (`rllm/rewards/code_utils/utils.py`, BASE_IMPORTS; numpy and pandas left out: not
 *  stdlib), then LeetCode's node classes and helpers. A union: rllm's list alone lacks names the
 *  dataset's reference solutions use (`ascii_uppercase`), LeetCodeDataset's alone names rllm adds. */
export const LEETCODE_PRELUDE = [
  'from typing import *',
  'from functools import *',
  'from collections import *',
  'from itertools import *',
  'from heapq import *',
  'from bisect import *',
  'from string import *',
  'from operator import *',
  'from math import *',
  'from builtins import *',
  'import copy, datetime, string, math, collections, bisect, heapq, functools, random, itertools, operator, re, sys',
  'from copy import deepcopy',
  'from random import randrange, shuffle',
  'from re import search as re_search',
  'from os.path import commonprefix',
  "inf = float('inf')",
  '',
  '',
  LEETCODE_NODE_HELPERS,
].join('\n');

/** DeepSeek-Coder's LeetCode grader: its IMPORT_HELPER list (`Evaluation/LeetCode/human_eval/evaluation.py`)
 *  without numpy, which is not stdlib. */
export const DEEPSEEK_PRELUDE = [
  'import math, re, sys, copy, datetime, itertools, collections, heapq, functools, hashlib, string',
  'from typing import *',
  'from collections import *',
  'from functools import *',
  '',
].join('\n');

function fail(ref: RecordRef, field: string, reason: string): never {
  throw new DatasetRecordError(ref, field, reason);
}

/** Top-level statements of Python source: each with its text and whether it is a compound statement. */
interface Statement { code: string; header: string; compound: boolean; hasAssert: boolean }

function topLevelStatements(source: string): Statement[] {
  const { lines, logical } = logicalLines(source);
  const out: Array<Statement & { first: number; last: number }> = [];
  for (const l of logical) {
    if (l.indent === 0 || out.length === 0) {
      out.push({ first: l.first, last: l.last, header: l.text, compound: false, hasAssert: /^assert\b/.test(l.text), code: '' });
    } else {
      const s = out[out.length - 1];
      s.last = l.last;
      s.compound = true;
      if (/^assert\b/.test(l.text)) s.hasAssert = true;
    }
  }
  return out.map((s) => ({ ...s, code: lines.slice(s.first, s.last + 1).join('\n') }));
}

const DEFINITION = /^(async\s+def|def|class)\b|^@/;
const CASE_INPUT = /^test_input\s*=/;

/**
 * DeepSeek's `test`: one assert test per top-level assert (or assert-holding compound statement that is
 * not a definition). Each carries, in their order, every shared statement before it (`my_solution =
 * Solution()`, the helper lambdas, anything else that is not a case's input) and the latest case's
 * `test_input = ...` assignments; an earlier case's inputs are superseded and left out.
 */
export function deepseekTests(test: string): AssertTest[] {
  const context: Array<{ code: string; caseInput: boolean }> = [];
  let caseClosed = false;
  const tests: AssertTest[] = [];
  for (const s of topLevelStatements(test)) {
    if (s.hasAssert && !DEFINITION.test(s.header)) {
      tests.push({ type: 'assert', code: [...context.map((c) => c.code), s.code, ''].join('\n') });
      caseClosed = true;
    } else if (CASE_INPUT.test(s.header)) {
      if (caseClosed) {
        for (let i = context.length - 1; i >= 0; i--) if (context[i].caseInput) context.splice(i, 1);
        caseClosed = false;
      }
      context.push({ code: s.code, caseInput: true });
    } else {
      context.push({ code: s.code, caseInput: false });
    }
  }
  return tests;
}

/** The candidate expression of the trailing `check(<candidate>)` call (`Solution().maxProfit`), as DeepCoder's
 *  `functional` tests end; undefined when the text has none. */
export function checkCandidate(functional: string): string | undefined {
  const statements = topLevelStatements(functional);
  for (let i = statements.length - 1; i >= 0; i--) {
    const m = /^check\s*\(([\s\S]*)\)\s*$/.exec(statements[i].code.trim());
    if (m && m[1].trim() !== '') return m[1].trim();
    if (DEFINITION.test(statements[i].header)) break;
  }
  return undefined;
}

/** check(candidate)'s asserts as one assert test each (splitCheck), calling `candidate`. */
export function checkTests(test: string, candidate: string, field: string, ref: RecordRef): AssertTest[] {
  let tests: AssertTest[];
  try {
    tests = splitCheck(test, candidate);
  } catch (e) {
    return fail(ref, field, (e as Error).message.replace(/^HumanEval test for /, 'test for '));
  }
  if (tests.length === 0) return fail(ref, field, 'check(candidate) holds no assert to test');
  return tests;
}

/** The method a `Solution().method` candidate calls, if it is one. */
export function solutionMethod(candidate: string): string | undefined {
  return /^Solution\s*\(\s*\)\s*\.\s*([A-Za-z_]\w*)$/.exec(candidate)?.[1];
}

/** DeepSeek's stub: the code after the statement's docstring (`class Solution` with an unfinished method,
 *  and the classes LeetCode predefines). */
export function deepseekStub(prompt: string): string {
  const end = prompt.lastIndexOf('"""');
  return (end < 0 ? prompt : prompt.slice(end + 3)).replace(/^\s*\n/, '');
}

/** The stub's complete top-level classes other than Solution (ListNode, TreeNode, Node...). */
export function stubClasses(stub: string): { names: string[]; code: string } {
  const names: string[] = [];
  const blocks: string[] = [];
  for (const s of topLevelStatements(stub)) {
    const m = /^class\s+([A-Za-z_]\w*)\b/.exec(s.header);
    if (!m || m[1] === 'Solution' || !s.compound) continue;
    names.push(m[1]);
    blocks.push(s.code);
  }
  return { names, code: blocks.join('\n\n') };
}

function isDeepSeekRow(rec: Rec): boolean {
  return typeof rec.test === 'string' && !/^def\s+check\s*\(/m.test(rec.test) && typeof rec.entry_point !== 'string';
}

function convertDeepSeekRecord(rec: Rec, ref: RecordRef, options: ConvertOptions): ContractLine {
  const taskId = str(rec, 'task_id', ref);
  if (taskId.trim() === '') fail(ref, 'task_id', 'is empty');
  const prompt = str(rec, 'prompt', ref);
  const test = lf(str(rec, 'test', ref));
  const tests = deepseekTests(test);
  if (tests.length === 0) fail(ref, 'test', 'holds no assert to test');
  const stub = lf(deepseekStub(prompt));
  const classes = stubClasses(stub);
  const sft = optStr(rec, 'prompt_sft', ref);
  const info = isRecord(rec.meta) ? rec.meta : {};
  const meta: Record<string, unknown> = {
    dataset: 'leetcode',
    source: 'deepseek-coder',
    test_kind: 'assert',
    task_id: taskId,
    stub,
    ...(classes.names.length ? { stub_classes: classes.names } : {}),
  };
  const solution = /^class\s+Solution\b/m.exec(stub);
  const method = solution ? /^[ \t]+def\s+([A-Za-z_]\w*)\s*\(\s*self\b/m.exec(stub.slice(solution.index))?.[1] : undefined;
  if (method !== undefined) meta.method = method;
  for (const [k, v] of [['title', info.title], ['difficulty', info.difficulty], ['question_id', info.questionFrontendId], ['url', rec.url]] as const) {
    if (typeof v === 'string' || typeof v === 'number') meta[k] = v;
  }
  Object.assign(meta, needsCheckerMeta(sft ?? prompt));
  return {
    id: `${options.idPrefix ?? 'leetcode'}/${taskId}`,
    language: 'python',
    prompt: sft ?? prompt,
    setup: DEEPSEEK_PRELUDE + (classes.code ? '\n' + classes.code + '\n' : ''),
    tests,
    meta,
  };
}

function convertLeetCodeDatasetRecord(rec: Rec, ref: RecordRef, options: ConvertOptions): ContractLine {
  const taskId = str(rec, 'task_id', ref);
  if (taskId.trim() === '') fail(ref, 'task_id', 'is empty');
  const candidate = str(rec, 'entry_point', ref).trim();
  if (candidate === '' || /\n/.test(candidate)) fail(ref, 'entry_point', `expected an expression such as Solution().twoSum, got ${describeValue(candidate)}`);
  const tests = checkTests(lf(str(rec, 'test', ref)), candidate, 'test', ref);
  const prelude = optStr(rec, 'prompt', ref);
  const info = isRecord(rec.meta) ? rec.meta : {};
  const query = optStr(rec, 'query', ref) ?? (typeof info.query === 'string' ? info.query : undefined) ?? optStr(rec, 'problem_description', ref);
  const completion = optStr(rec, 'completion', ref);
  const rollouts = options.withSolutions && completion !== undefined && completion.trim() !== '' ? capped([lf(completion)], options.maxSolutions) : [];
  const meta: Record<string, unknown> = { dataset: 'leetcode', source: 'leetcodedataset', test_kind: 'assert', task_id: taskId, entry_point: candidate };
  const method = solutionMethod(candidate);
  if (method !== undefined) meta.method = method;
  for (const k of ['question_id', 'difficulty', 'estimated_date']) {
    const v = rec[k] ?? info[k];
    if (typeof v === 'string' || typeof v === 'number') meta[k] = v;
  }
  const starter = optStr(rec, 'starter_code', ref) ?? (typeof info.lang_code === 'string' ? info.lang_code : undefined);
  if (starter) meta.starter_code = starter;
  Object.assign(meta, needsCheckerMeta(query));
  if (rollouts.length) meta.solution_correct = rollouts.map(() => true);
  return {
    id: `${options.idPrefix ?? 'leetcodedataset'}/${taskId}`,
    language: 'python',
    ...(query !== undefined ? { prompt: query } : {}),
    // LeetCodeDataset's grader runs prompt + completion: its prompt is the imports and helpers
    setup: prelude !== undefined && prelude.trim() !== '' ? lf(prelude) : LEETCODE_PRELUDE,
    tests,
    ...(rollouts.length ? { rollouts } : {}),
    meta,
  };
}

/** A DeepSeek-Coder LeetCode row or a LeetCodeDataset row (told apart per record) -> one contract line. */
export function convertLeetCodeRecord(raw: unknown, ref: RecordRef, options: ConvertOptions): ContractLine {
  const rec = asRecord(raw, ref);
  if (typeof rec.test !== 'string') return fail(ref, 'test', `expected a string of Python test code, got ${describeValue(rec.test)}`);
  return isDeepSeekRow(rec) ? convertDeepSeekRecord(rec, ref, options) : convertLeetCodeDatasetRecord(rec, ref, options);
}
