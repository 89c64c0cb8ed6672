// Trusted Python that converted problems put in `setup`, mirroring what each dataset's own grader puts in
// front of a submission, so a program the grader accepts is not refused here for a missing import.

/** APPS/TACO: their grader prepends common competitive-programming imports (it also imports numpy;
 *  the executor is stdlib-only, so that one is left out). */
export const APPS_PRELUDE = [
  'import sys, time, itertools, collections, math, fractions, random, heapq',
  'from itertools import accumulate, product, permutations, combinations',
  'from collections import Counter, OrderedDict, deque, defaultdict, ChainMap',
  'from functools import lru_cache',
  'from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2',
  'from typing import List, Tuple',
  'from heapq import *',
  '',
].join('\n');

/** LiveCodeBench: its grader prepends star-imports of these stdlib modules, imports them by name, and
 *  raises the recursion limit. */
const LCB_MODULES = ['string', 're', 'datetime', 'collections', 'heapq', 'bisect', 'copy', 'math', 'random',
  'statistics', 'itertools', 'functools', 'operator', 'io', 'sys', 'json'];
export const LCB_PRELUDE = [
  ...LCB_MODULES.map((m) => `from ${m} import *`),
  'from builtins import *',
  'from typing import *',
  ...LCB_MODULES.map((m) => `import ${m}`),
  'sys.setrecursionlimit(50000)',
  '',
].join('\n');

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const PYTHON_KEYWORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break',
  'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import',
  'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield']);

export function isPythonIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !PYTHON_KEYWORDS.has(name);
}

/** LeetCode-style problems (`class Solution` with a method) under call tests: the executor calls a top-level
 *  function, so setup defines one that forwards to a fresh `Solution()`. `Solution` is looked up when the test
 *  calls it, after the program has loaded; a program that defines a top-level function of that name replaces
 *  the forwarder (it runs after setup), as the datasets' graders also accept a plain function. */
export function solutionMethodForwarder(method: string): string {
  return [
    `def ${method}(*args, **kwargs):`,
    `    return Solution().${method}(*args, **kwargs)`,
    '',
  ].join('\n');
}

/** True when a dataset's starter code declares the LeetCode-style `class Solution`. */
export function isSolutionClassStarter(starter: string | undefined): boolean {
  return starter !== undefined && /^\s*class\s+Solution\b/m.test(starter);
}
