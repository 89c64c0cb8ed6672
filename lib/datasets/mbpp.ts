// MBPP (google-research, CC-BY-4.0) -> contract lines. Two shapes, told apart per record:
//  - full mbpp.jsonl: {task_id, text, code, test_list, test_setup_code, challenge_test_list};
//  - sanitized-mbpp.json (a JSON array): {task_id, prompt, code, test_imports, test_list, source_file}.
// Every `test_list` string is one assert test. `test_setup_code` (2 problems) builds values from classes
// the *program* defines (`root = Node(1)`), so it cannot be `setup` (which runs before the program): it is
// prefixed to each of the problem's asserts instead. `test_imports` are plain imports: they become `setup`.
// `challenge_test_list` (11 problems) is left out unless `mbppChallengeTests` (the benchmark's pass@k uses
// `test_list` only); `meta.challenge_tests` says how many a problem has either way.
import { asRecord, capped, describeValue, idPart, lf, str, strArray, type Rec } from './fields';
import { DatasetRecordError, type ContractLine, type ConvertOptions, type RecordRef } from './types';
import type { AssertTest } from '../exec/types';

export type MbppFlavour = 'mbpp' | 'mbpp-sanitized';

/** Sanitized records have `test_imports` and `prompt`; the full set has `text` and `test_setup_code`. */
export function mbppFlavour(rec: Rec): MbppFlavour {
  return 'test_imports' in rec || ('prompt' in rec && !('text' in rec)) ? 'mbpp-sanitized' : 'mbpp';
}

function asserts(list: string[], prefix: string): AssertTest[] {
  return list.map((code) => ({ type: 'assert', code: prefix + lf(code).trim() + '\n' }));
}

export function convertMbppRecord(raw: unknown, ref: RecordRef, options: ConvertOptions): ContractLine {
  const rec = asRecord(raw, ref);
  const flavour = mbppFlavour(rec);
  const id = `${options.idPrefix ?? flavour}/${idPart(rec, 'task_id', ref)}`;
  const code = lf(str(rec, 'code', ref));
  const testList = strArray(rec.test_list, 'test_list', ref);
  if (testList.length === 0) throw new DatasetRecordError(ref, 'test_list', 'is empty: the problem has no tests');
  testList.forEach((t, i) => {
    if (t.trim() === '') throw new DatasetRecordError(ref, `test_list[${i}]`, 'is blank');
  });
  const rollouts = options.withSolutions ? capped([code], options.maxSolutions) : [];
  const solutionMeta = rollouts.length ? { solution_correct: rollouts.map(() => true) } : {};

  if (flavour === 'mbpp-sanitized') {
    const imports = rec.test_imports === undefined ? [] : strArray(rec.test_imports, 'test_imports', ref);
    const setup = imports.map((l) => lf(l).trim()).filter((l) => l !== '').join('\n');
    return {
      id,
      language: 'python',
      prompt: str(rec, 'prompt', ref),
      ...(setup ? { setup: setup + '\n' } : {}),
      tests: asserts(testList, ''),
      ...(rollouts.length ? { rollouts } : {}),
      meta: { dataset: 'mbpp-sanitized', ...solutionMeta },
    };
  }

  const setupCode = rec.test_setup_code ?? '';
  if (typeof setupCode !== 'string') throw new DatasetRecordError(ref, 'test_setup_code', `expected a string, got ${describeValue(setupCode)}`);
  const challenge = rec.challenge_test_list === undefined || rec.challenge_test_list === null
    ? [] : strArray(rec.challenge_test_list, 'challenge_test_list', ref);
  const prefix = setupCode.trim() === '' ? '' : lf(setupCode).replace(/[ \t]+$/gm, '').trim() + '\n';
  const tests = asserts(options.mbppChallengeTests ? [...testList, ...challenge.filter((t) => t.trim() !== '')] : testList, prefix);
  return {
    id,
    language: 'python',
    prompt: str(rec, 'text', ref),
    tests,
    ...(rollouts.length ? { rollouts } : {}),
    meta: {
      dataset: 'mbpp',
      challenge_tests: challenge.length,
      challenge_tests_included: options.mbppChallengeTests === true && challenge.length > 0,
      ...solutionMeta,
    },
  };
}
