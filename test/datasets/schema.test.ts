// The shipped JSON Schemas accept the contract's documented lines and refuse malformed ones; when ajv is
// installed, a real draft 2020-12 validator agrees with the small in-repo one on every case.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadSchema, validate } from './schema-validator';

const input = loadSchema('verpo-input');
const output = loadSchema('verpo-output');

const example = {
  id: 'HumanEval/0', language: 'python', setup: 'from typing import List',
  tests: [{ type: 'assert', code: 'assert add(1, 2) == 3' },
    { type: 'stdio', stdin: '1 2\n', stdout: '3\n' },
    { type: 'call', fn: 'add', args: [1, 2], expected: 3 }],
  rollouts: ['def add(a, b):\n    return a + b\n', 'def add(a, b):\n    return a - b\n'],
};

const validInputs: [string, unknown][] = [
  ['the issue example', example],
  ['multi-turn', { id: 'p', tests: example.tests, turns: [['a = 1', 'a = 2'], ['a = 3']] }],
  ['precomputed', { id: 'p', passed: [[1, 0, 1], [0, 0, 1]] }],
  ['precomputed multi-turn', { id: 7, passed: [[1, 0], [0, 1], [1, 1]], trajectory: [0, 0, 1] }],
  ['a problem line (converted, no rows yet)', { id: 'mbpp/1', language: 'python', prompt: 'Write...', tests: [{ type: 'assert', code: 'assert f() == 1' }], meta: { dataset: 'mbpp' } }],
  ['limits and comparator options', {
    id: 'cc/1', tests: [{ type: 'stdio', stdin: '', stdout: '0.5', compare: 'float', tolerance: { abs: 1e-9, rel: 1e-6 } },
      { type: 'call', fn: 'f', args: [], kwargs: { x: 1 }, expected: null, tolerance: { abs: 0.1 } }],
    rollouts: ['print(0.5)'], limits: { cpu_ms: 1000, wall_ms: 3000, memory_mb: 256, output_kb: 64 },
  }],
  ['the judges\' comparators', {
    id: 'cf/1', tests: [{ type: 'stdio', stdin: '', stdout: 'YES', compare: 'tokens', case: 'insensitive' },
      { type: 'stdio', stdin: '', stdout: '1 2', compare: 'lines' }, { type: 'stdio', stdin: '', stdout: '0.5', compare: 'tokens-float' }],
    rollouts: ['print("yes")'],
  }],
  ['C++ rollouts judged by a checker', {
    id: 'cf/2', language: 'cpp', checker: { language: 'cpp', source: '#include "testlib.h"\nint main(){}' },
    tests: [{ type: 'stdio', stdin: '2 3', stdout: '2 3', compare: 'checker' }], rollouts: ['int main(){}'],
  }],
];

const invalidInputs: [string, unknown][] = [
  ['a checker in another language', { ...example, checker: { language: 'java', source: 'x' } }],
  ['a checker without its source', { ...example, checker: { language: 'python' } }],
  ['no id', { tests: example.tests, rollouts: ['x'] }],
  ['rollouts and turns', { ...example, turns: [['x']] }],
  ['tests with a precomputed matrix', { id: 'p', tests: example.tests, passed: [[1, 1, 1]] }],
  ['trajectory without passed', { ...example, trajectory: [0, 0] }],
  ['a cell of 2', { id: 'p', passed: [[1, 2]] }],
  ['an unknown test type', { id: 'p', tests: [{ type: 'pytest', code: 'x' }], rollouts: ['x'] }],
  ['a comparator the executor lacks', { id: 'p', tests: [{ type: 'stdio', stdin: '', stdout: '', compare: 'set-of-tokens' }], rollouts: ['x'] }],
  ['an unknown case mode', { id: 'p', tests: [{ type: 'stdio', stdin: '', stdout: '', compare: 'tokens', case: 'upper' }], rollouts: ['x'] }],
  ['the executor option name instead of the contract one', { ...example, limits: { cpuMs: 1000 } }],
  ['a call test without expected', { id: 'p', tests: [{ type: 'call', fn: 'f', args: [] }], rollouts: ['x'] }],
  ['a call to a non-identifier', { id: 'p', tests: [{ type: 'call', fn: 'a.b', args: [], expected: 1 }], rollouts: ['x'] }],
  ['a typo in a field name', { ...example, rollout: ['x'] }],
  ['empty tests', { id: 'p', tests: [], rollouts: ['x'] }],
  ['a blank assert', { id: 'p', tests: [{ type: 'assert', code: '  \n' }], rollouts: ['x'] }],
  ['another language', { ...example, language: 'rust' }],
];

const row = { verdicts: ['AC', 'WA', 'AC'], passed: [1, 0, 1], dense: 0.31, outcome: 0, reward: 0.31, advantage: -0.24 };
const validOutputs: [string, unknown][] = [
  ['the issue example', { id: 'HumanEval/0', weights: [0.11, 0.15, 0.2], rollouts: [row], error: null }],
  ['binary weights are null', { id: 'p', weights: [null, null, null], rollouts: [row], error: null }],
  ['multi-turn', { id: 'p', weights: [0.5, 0.5, 0.5], turns: [[row, row], [row]], error: null }],
  ['precomputed rows have no verdicts', { id: 1, weights: [1, 1, 1], rollouts: [{ ...row, verdicts: undefined }].map(({ verdicts, ...r }) => r), error: null }],
  ['verpo run rows (no rewards)', { id: 'p', rollouts: [{ verdicts: ['AC'], passed: [1] }], error: null }],
  ['a failed line', { id: null, error: 'line 3: tests[0].code: expected a string of Python statements' }],
];
const invalidOutputs: [string, unknown][] = [
  ['an error line with results', { id: 'p', weights: [1], rollouts: [row], error: 'line 1: x' }],
  ['no error field', { id: 'p', weights: [1], rollouts: [row] }],
  ['an unknown verdict', { id: 'p', rollouts: [{ ...row, verdicts: ['OK', 'WA', 'AC'] }], error: null }],
  ['rollouts and turns', { id: 'p', rollouts: [row], turns: [[row]], error: null }],
];

describe('schema/verpo-input.schema.json', () => {
  for (const [name, line] of validInputs) it(`accepts ${name}`, () => expect(validate(input, line)).toEqual([]));
  for (const [name, line] of invalidInputs) it(`refuses ${name}`, () => expect(validate(input, line)).not.toEqual([]));
});

describe('schema/verpo-output.schema.json', () => {
  for (const [name, line] of validOutputs) it(`accepts ${name}`, () => expect(validate(output, line)).toEqual([]));
  for (const [name, line] of invalidOutputs) it(`refuses ${name}`, () => expect(validate(output, line)).not.toEqual([]));
});

// ajv is not a dependency of verpo; it is only used here when something else installed it.
const req = createRequire(__filename);
let Ajv2020: (new (opts: object) => { compile(s: object): ((v: unknown) => boolean) }) | null = null;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  Ajv2020 = (req('ajv/dist/2020') as { default: typeof Ajv2020 }).default;
} catch {
  Ajv2020 = null;
}

describe.skipIf(Ajv2020 === null)('agreement with ajv (draft 2020-12, strict mode but for strictRequired, which flags the oneOf/not idiom)', () => {
  it('compiles both schemas and gives the same answer on every case', () => {
    const ajv = new Ajv2020!({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
    const vin = ajv.compile(input);
    const vout = ajv.compile(output);
    for (const [name, line] of [...validInputs, ...invalidInputs]) expect(vin(line), name).toBe(validate(input, line).length === 0);
    for (const [name, line] of [...validOutputs, ...invalidOutputs]) expect(vout(line), name).toBe(validate(output, line).length === 0);
  });
});
