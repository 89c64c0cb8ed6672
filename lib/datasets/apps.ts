// APPS (hendrycks) and TACO (BAAI; same test format) -> contract lines.
// `input_output` is JSON text {"inputs": [...], "outputs": [...], "fn_name"?: str}:
//  - without fn_name: stdin/stdout pairs -> stdio tests;
//  - with fn_name: each input is the argument list of one call -> call tests (inputs and outputs given as
//    text instead, one JSON value per line / the JSON text of the value, are read as label-rules.ts says).
// The known quirks, handled explicitly (APPS's own grader tolerates each of them):
//  1. stdio inputs/outputs are sometimes arrays of lines instead of strings: joined with "\n", as the grader does.
//  2. call outputs are conventionally wrapped in a one-element list (`[[3], [7]]` for returns 3 and 7); the
//     grader accepts either `out` or `out[0]`. A call test has one expected value, so: when EVERY output of the
//     problem is a one-element list, all are unwrapped (the convention; `meta.outputs_unwrapped: true`),
//     otherwise all are kept as they are. A function whose every answer is itself a one-element list is
//     stored double-wrapped under the convention, so it still comes out right.
//  3. LeetCode-style problems (starter code `class Solution:`) call `Solution().<fn_name>`: setup gets a
//     top-level forwarder (python-preludes.ts), so call tests reach the method.
//  4. `input_output` is "" or lacks tests for some problems: a DatasetRecordError (no tests), not a silent skip.
//  5. `solutions` is "" or "[]" for problems without reference programs: no rollouts for that problem.
// The grader's import prelude (minus numpy) becomes `setup`. TACO rows carry no id: `taco/<record index>`
// (use `idPrefix` to tell split files apart). TACO's `time_limit`/`memory_limit` strings are kept in `meta`.
import { needsCheckerMeta } from './needs-checker';
import { specialJudgeMeta } from './special-judge';
import { INTERACTIVE_REASON, isInteractive } from './interactive';
import type { TestCase } from '../exec/types';
import { asRecord, capped, describeValue, isRecord, jsonText, lf, optStr, type Rec } from './fields';
import { ioTests, recordFail } from './label-rules';
import { APPS_PRELUDE, isSolutionClassStarter, solutionMethodForwarder } from './python-preludes';
import { DatasetRecordError, type ContractLine, type ConvertOptions, type RecordRef } from './types';

const TACO_KEYS = ['skill_types', 'raw_tags', 'Expected Time Complexity', 'picture_num'];

export function isTacoRecord(rec: Rec): boolean {
  return TACO_KEYS.some((k) => k in rec);
}

/** A JSON-text field, or the already-parsed value (some exports decode it). */
function parsedField(rec: Rec, key: string, ref: RecordRef): unknown {
  const v = rec[key];
  if (typeof v === 'string') return v.trim() === '' ? undefined : jsonText(v, key, ref);
  return v ?? undefined;
}

/** The tests of `input_output`: label-rules.ts's ioTests (quirks 1 and 2, and call inputs/outputs given as
 *  text, as re-exported APPS/TACO rows hold them). */
export function appsTests(io: unknown, ref: RecordRef): { tests: TestCase[]; fnName?: string; unwrapped: boolean } {
  if (io === undefined) throw new DatasetRecordError(ref, 'input_output', 'is empty: the problem has no tests');
  if (!isRecord(io)) throw new DatasetRecordError(ref, 'input_output', `expected {"inputs", "outputs"}, got ${describeValue(io)}`);
  return ioTests(io, recordFail(ref), { field: 'input_output' });
}

function solutionsOf(rec: Rec, ref: RecordRef): string[] {
  const v = parsedField(rec, 'solutions', ref);
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new DatasetRecordError(ref, 'solutions', `expected a JSON array of programs, got ${describeValue(v)}`);
  return v.map((s, i) => {
    if (typeof s !== 'string') throw new DatasetRecordError(ref, `solutions[${i}]`, `expected a program, got ${describeValue(s)}`);
    return lf(s);
  });
}

export function convertAppsRecord(raw: unknown, ref: RecordRef, options: ConvertOptions): ContractLine {
  const rec = asRecord(raw, ref);
  const taco = isTacoRecord(rec);
  const dataset = taco ? 'taco' : 'apps';
  const pid = rec.problem_id;
  const local = typeof pid === 'number' || (typeof pid === 'string' && pid.trim() !== '') ? String(pid) : String(ref.index);
  const id = `${options.idPrefix ?? dataset}/${local}`;
  const { tests, fnName, unwrapped } = appsTests(parsedField(rec, 'input_output', ref), ref);
  const starter = optStr(rec, 'starter_code', ref);
  const setup = APPS_PRELUDE + (fnName !== undefined && isSolutionClassStarter(starter) ? solutionMethodForwarder(fnName) : '');
  const rollouts = options.withSolutions ? capped(solutionsOf(rec, ref), options.maxSolutions) : [];
  const meta: Record<string, unknown> = {
    dataset,
    ...(pid === undefined ? { record_index: ref.index } : {}),
    test_kind: fnName === undefined ? 'stdio' : 'call',
    ...(fnName !== undefined ? { fn_name: fnName, outputs_unwrapped: unwrapped } : {}),
  };
  for (const k of ['difficulty', 'url', 'source', 'name', 'time_limit', 'memory_limit']) {
    const v = rec[k];
    if (typeof v === 'string' || typeof v === 'number') meta[k] = v;
  }
  if (starter) meta.starter_code = starter;
  if (rollouts.length) meta.solution_correct = rollouts.map(() => true);
  const question = optStr(rec, 'question', ref);
  if (fnName === undefined && isInteractive(question)) throw new DatasetRecordError(ref, 'question', INTERACTIVE_REASON);
  if (fnName === undefined) Object.assign(meta, (taco ? specialJudgeMeta(options.specialJudge, ref.index) : null) ?? needsCheckerMeta(question));
  return {
    id,
    language: 'python',
    ...(question !== undefined ? { prompt: question } : {}),
    setup,
    tests,
    ...(rollouts.length ? { rollouts } : {}),
    ...(fnName === undefined ? { harness: 'apps' as const } : {}),
    meta,
  };
}
