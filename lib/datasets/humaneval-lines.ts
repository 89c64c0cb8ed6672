// HumanEval records -> contract lines, reusing the loader's check() splitter (humaneval.ts).
// Each split test already carries check's module preamble, so `setup` only needs what a bare-function
// rollout lacks: the prompt's top-level imports (`from typing import List`), as in the contract example.
import { humanEvalProgram, logicalLines, splitCheck } from './humaneval';
import { asRecord, str, type Rec } from './fields';
import { DatasetRecordError, type ContractLine, type ConvertOptions, type RecordRef } from './types';

const IMPORT = /^(import\s|from\s+\S+\s+import\b)/;

/** The top-level import statements of a Python source (multi-line parenthesised imports kept whole). */
export function topLevelImports(source: string): string {
  const { lines, logical } = logicalLines(source);
  return logical
    .filter((l) => l.indent === 0 && IMPORT.test(l.text))
    .map((l) => lines.slice(l.first, l.last + 1).join('\n'))
    .join('\n');
}

export function convertHumanEvalRecord(raw: unknown, ref: RecordRef, options: ConvertOptions): ContractLine {
  const rec: Rec = asRecord(raw, ref);
  const taskId = str(rec, 'task_id', ref);
  // task ids already carry the dataset (`HumanEval/0`); idPrefix replaces that part
  const id = options.idPrefix === undefined ? taskId : `${options.idPrefix}/${taskId.slice(taskId.lastIndexOf('/') + 1)}`;
  const prompt = str(rec, 'prompt', ref);
  const canonical = str(rec, 'canonical_solution', ref);
  const test = str(rec, 'test', ref);
  const entryPoint = str(rec, 'entry_point', ref);
  let tests;
  try {
    tests = splitCheck(test, entryPoint);
  } catch (e) {
    throw new DatasetRecordError(ref, 'test', (e as Error).message);
  }
  if (tests.length === 0) throw new DatasetRecordError(ref, 'test', 'check(candidate) holds no assert to test');
  const setup = topLevelImports(prompt);
  return {
    id,
    language: 'python',
    prompt,
    ...(setup ? { setup } : {}),
    tests,
    ...(options.withSolutions ? { rollouts: [humanEvalProgram({ prompt }, canonical)] } : {}),
    meta: { dataset: 'humaneval', entry_point: entryPoint, ...(options.withSolutions ? { solution_correct: [true] } : {}) },
  };
}
