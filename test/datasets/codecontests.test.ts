// CodeContests -> contract lines: the HF export shape, protobuf's camelCase JSON shape, and SandboxFusion's
// CommonOJ sample rows (hand-made records in test/fixtures/datasets/).
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDataset, convertDatasetFile, type ContractLine, type DatasetRecordError } from '../../lib/datasets';
import { durationMs } from '../../lib/datasets/codecontests';
import { readDatasetText } from '../../lib/datasets/records';
import { expectValidLine } from './convert-helpers';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'datasets');
const SAMPLE = readDatasetText(path.join(DIR, 'codecontests-sample.jsonl'));
const REF = { dataset: 'codecontests' as const, index: 3 };

function convert(options = {}): ContractLine[] {
  return [...convertDataset('codecontests', SAMPLE, options)].map((l) => (expectValidLine(l), l));
}

describe('convert codecontests (HF export)', () => {
  const [hf] = convert({ withSolutions: true, withIncorrectSolutions: true });

  it('keeps public, private and generated tests in that order, as stdio tests', () => {
    expect(hf.id).toBe('codecontests/1000_A. Sum of Two');
    expect(hf.tests.map((t) => (t as { stdin: string }).stdin)).toEqual(['1 2\n', '-5 5\n', '1000000000 1000000000\n', '7 8\n']);
    expect(hf.tests[1]).toEqual({ type: 'stdio', stdin: '-5 5\n', stdout: '0\n', compare: 'tokens-float' });
    expect(hf.meta).toMatchObject({ tests: { public: 1, private: 2, generated: 1 }, cf_rating: 800, difficulty: 7 });
    expect(hf.prompt).toBe('Given a and b, print a + b.');
  });

  it('keeps Python 3 solutions only (language 3), correct before incorrect, labelled in meta', () => {
    expect(hf.rollouts).toEqual([
      'a, b = map(int, input().split())\nprint(a + b)\n',
      'import sys\nprint(sum(map(int, sys.stdin.read().split())))\n',
      'a, b = map(int, input().split())\nprint(a - b)\n',
    ]);
    expect(hf.meta).toMatchObject({ solution_correct: [true, true, false], python3_solutions: { correct: 2, incorrect: 1 } });
  });

  it('turns time_limit and memory_limit_bytes into limits (wall = 3 x cpu)', () => {
    expect(hf.limits).toEqual({ cpu_ms: 2000, wall_ms: 6000, memory_mb: 256 });
    const [noLimits] = convert({ datasetLimits: false });
    expect(noLimits.limits).toBeUndefined();
  });

  it('adds only correct solutions with withSolutions, and picks test sets on request', () => {
    const [a] = convert({ withSolutions: true, maxSolutions: 1, codeContestsTests: ['private'] });
    expect(a.rollouts).toEqual(['a, b = map(int, input().split())\nprint(a + b)\n']);
    expect(a.tests.length).toBe(2);
    expect(a.meta).toMatchObject({ tests: { public: 1, private: 2, generated: 1 } });
  });
});

describe('convert codecontests (protobuf JSON names)', () => {
  it('reads camelCase fields, solution lists, enum names, Duration strings and int64 strings', () => {
    const [, proto] = convert({ withSolutions: true, withIncorrectSolutions: true });
    expect(proto.id).toBe('codecontests/1001_B. Largest');
    expect(proto.tests).toEqual([
      { type: 'stdio', stdin: '3\n1 5 2\n', stdout: '5\n', compare: 'tokens-float' },
      { type: 'stdio', stdin: '1\n-7\n', stdout: '-7\n', compare: 'tokens-float' },
    ]);
    expect(proto.rollouts!.length).toBe(2);
    expect(proto.meta).toMatchObject({ solution_correct: [true, false], cf_rating: 1000, tests: { public: 1, private: 1, generated: 0 } });
    expect(proto.limits).toEqual({ cpu_ms: 1500, wall_ms: 4500, memory_mb: 64 });
  });

  it('parses Durations and refuses malformed ones', () => {
    expect(durationMs({ seconds: 1, nanos: 250_000_000 }, 'time_limit', REF)).toBe(1250);
    expect(durationMs('3s', 'time_limit', REF)).toBe(3000);
    expect(durationMs({ seconds: 0 }, 'time_limit', REF)).toBeUndefined();
    expect(() => durationMs('2 seconds', 'time_limit', REF)).toThrow('codecontests record 3: time_limit: expected a duration like "2s"');
  });
});

describe('convert codecontests (SandboxFusion CommonOJ rows)', () => {
  it('reads test[].input.stdin / output.stdout and the python canonical solutions', async () => {
    const c = convertDatasetFile('codecontests', path.join(DIR, 'commonoj-sample.jsonl'), { withSolutions: true });
    const lines: ContractLine[] = [];
    for await (const l of c) lines.push(l);
    expect(lines.length).toBe(1);
    const l = lines[0];
    expectValidLine(l);
    expect(l.id).toBe('codecontests/cc_valid_17');
    expect(l.tests).toEqual([
      { type: 'stdio', stdin: '3\n', stdout: '9\n', compare: 'tokens-float' },
      { type: 'stdio', stdin: '-4\n', stdout: '16\n', compare: 'tokens-float' },
      { type: 'stdio', stdin: '0\n', stdout: '0\n', compare: 'tokens-float' },
    ]);
    expect(l.rollouts).toEqual(['n = int(input())\nprint(n * n)\n']);
    expect(l.meta).toMatchObject({ shape: 'sandboxfusion-commonoj', labels: { problem_format: 'Standard' } });
  });
});

describe('malformed codecontests records', () => {
  it('names the field: unequal inputs and outputs, a non-string input, no tests at all', () => {
    const base = { name: 'x', public_tests: { input: ['1\n'], output: ['1\n'] } };
    const bad = (rec: object) => () => [...convertDataset('codecontests', JSON.stringify(rec))];
    expect(bad({ ...base, private_tests: { input: ['1\n', '2\n'], output: ['1\n'] } })).toThrow('codecontests line 1: private_tests: 2 inputs but 1 outputs');
    expect(bad({ ...base, generated_tests: { input: [5], output: ['5'] } })).toThrow('generated_tests.input[0]: expected a string, got number 5');
    expect(bad({ name: 'x', public_tests: { input: [], output: [] } })).toThrow('public_tests/private_tests/generated_tests: hold no tests');
    expect(bad({ id: 'y', test: [{ input: { stdin: '1' }, output: {} }] })).toThrow('test[0].output.stdout: expected a string, got missing');
  });
});

describe('problems that accept several answers', () => {
  it('are marked needs_checker from the statement\'s own wording, the others not', async () => {
    const { severalAnswersCue, needsCheckerMeta } = await import('../../lib/datasets/needs-checker');
    expect(severalAnswersCue('If there are multiple answers, print any of them.')).toBe('multiple answers');
    expect(severalAnswersCue('If there are several possible solutions, output any.')).toBe('several possible solutions');
    expect(severalAnswersCue('You may print any valid tree.')).toBe('print any');
    expect(severalAnswersCue('Print the number of ways modulo 10^9+7.')).toBeNull();
    expect(severalAnswersCue('Print the answer.')).toBeNull();
    expect(needsCheckerMeta('Output any of them.')).toMatchObject({ needs_checker: true });
    expect(needsCheckerMeta(undefined)).toEqual({});
    const record = { name: 'x', description: 'Print any permutation. If there are multiple answers, print any.',
      public_tests: { input: ['1\n'], output: ['1\n'] } };
    const [line] = [...convertDataset('codecontests', JSON.stringify(record) + '\n', {})];
    expect(line.meta).toMatchObject({ needs_checker: true });
  });
});

describe('interactive problems', () => {
  it('are refused with the reason, by the CodeContests and APPS/TACO converters alike', () => {
    const [first] = SAMPLE.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const interactive = { ...first, description: 'This is an interactive problem.\n\nGuess the number.' };
    const errors: DatasetRecordError[] = [];
    const out = [...convertDataset('codecontests', JSON.stringify(interactive), { onError: (e) => errors.push(e) })];
    expect(out).toEqual([]);
    expect(`${errors[0].field}: ${errors[0].reason}`).toMatch(/^description: an interactive problem: .*needs an interactor/);
    const taco = [{ question: 'Guess.\n\nInteraction\n\nPrint "? x" to ask.', input_output: JSON.stringify({ inputs: ['1\n'], outputs: ['1\n'] }), solutions: '[]' }];
    const appsErrors: DatasetRecordError[] = [];
    expect([...convertDataset('apps', JSON.stringify(taco), { onError: (e) => appsErrors.push(e) })]).toEqual([]);
    expect(appsErrors[0].field).toBe('question');
  });
});
