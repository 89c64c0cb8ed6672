// Public surface of the executor (re-exported from the package root).
export { Executor } from './executor';
export { resolvePython } from './interpreter';
export { compareOutput, normaliseWhitespace, DEFAULT_FLOAT_TOLERANCE, type CompareOutcome } from './compare';
export { DEFAULT_LIMITS, validateRequest } from './validate';
export type {
  AssertTest, CallTest, CaseMode, Checker, Comparator, CompileResult, ExecutorOptions, IsolationLayers, LimitKind, Limits, RunRequest,
  RunResult, StdioTest, TestCase, TestResult, Tolerance, Verdict,
} from './types';
