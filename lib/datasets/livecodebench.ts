// LiveCodeBench code_generation(_lite) rows -> contract lines.
//  - public_test_cases: JSON text, [{input, output, testtype}]; private_test_cases: the same JSON, either
//    plain or as base64(zlib(pickle(str))) (read by pickle-string.ts without unpickling).
//  - testtype "stdin" -> stdio test; "functional" -> call test of metadata.func_name, whose arguments are the
//    input's lines, one JSON value per line (as LCB's grader splits them), and whose expected value is the
//    output parsed as JSON (label-rules.ts's caseTest, shared with the server's labels).
//  - Functional problems are LeetCode-style: starter_code is a `class Solution` stub with an empty method
//    body. It is not valid Python on its own, so it cannot be setup; it goes to `meta.starter_code` (prompt
//    material), and setup instead gets a forwarder to `Solution().<func_name>` (python-preludes.ts).
//  - setup starts with the imports LCB's grader prepends to every program (stdio ones too).
// Problems have no reference solutions, so `withSolutions` adds nothing.
import type { TestCase } from '../exec/types';
import { asRecord, describeValue, idPart, isRecord, jsonText, optStr, type Rec } from './fields';
import { callArguments, caseTest, lcbCases, recordFail } from './label-rules';
import { isPythonIdentifier, isSolutionClassStarter, LCB_PRELUDE, solutionMethodForwarder } from './python-preludes';
import { DatasetRecordError, type ContractLine, type ConvertOptions, type RecordRef } from './types';

/** LCB functional input: one JSON value per line -> the argument list (label-rules.ts). */
export function lcbArguments(input: string, field: string, ref: RecordRef): unknown[] {
  return callArguments(input, '', field, recordFail(ref));
}

function cases(v: unknown, field: string, ref: RecordRef): Rec[] {
  return lcbCases(v, field, recordFail(ref));
}

function toTest(c: Rec, field: string, ref: RecordRef, funcName: () => string): TestCase {
  return caseTest(c, field, recordFail(ref), funcName, true);
}

export function convertLiveCodeBenchRecord(raw: unknown, ref: RecordRef, options: ConvertOptions): ContractLine {
  const rec = asRecord(raw, ref);
  const id = `${options.idPrefix ?? 'livecodebench'}/${idPart(rec, 'question_id', ref)}`;
  let fn: string | undefined;
  const funcName = () => {
    if (fn !== undefined) return fn;
    const m = typeof rec.metadata === 'string' ? jsonText(rec.metadata, 'metadata', ref) : rec.metadata;
    const name = isRecord(m) ? m.func_name : undefined;
    if (typeof name !== 'string' || !isPythonIdentifier(name)) {
      throw new DatasetRecordError(ref, 'metadata.func_name', `functional tests need a Python function name, got ${describeValue(name)}`);
    }
    return (fn = name);
  };
  const pub = cases(rec.public_test_cases, 'public_test_cases', ref);
  const priv = cases(rec.private_test_cases, 'private_test_cases', ref);
  const tests = [
    ...pub.map((c, i) => toTest(c, `public_test_cases[${i}]`, ref, funcName)),
    ...priv.map((c, i) => toTest(c, `private_test_cases[${i}]`, ref, funcName)),
  ];
  if (tests.length === 0) throw new DatasetRecordError(ref, 'public_test_cases/private_test_cases', 'hold no tests');
  const starter = optStr(rec, 'starter_code', ref);
  const setup = LCB_PRELUDE + (fn !== undefined && isSolutionClassStarter(starter) ? solutionMethodForwarder(fn) : '');
  const meta: Record<string, unknown> = {
    dataset: 'livecodebench',
    test_kind: fn !== undefined ? 'call' : 'stdio',
    tests: { public: pub.length, private: priv.length },
  };
  if (fn !== undefined) meta.func_name = fn;
  for (const k of ['question_title', 'platform', 'contest_id', 'contest_date', 'difficulty']) {
    const v = rec[k];
    if (typeof v === 'string' || typeof v === 'number') meta[k] = v;
  }
  if (starter) meta.starter_code = starter;
  const content = optStr(rec, 'question_content', ref);
  return {
    id,
    language: 'python',
    ...(content !== undefined ? { prompt: content } : {}),
    setup,
    tests,
    meta,
  };
}
