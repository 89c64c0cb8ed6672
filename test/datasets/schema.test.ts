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
  ['task tests: test files for a focal program', {
    id: 't', task: 'tests', focal: 'def f(x):\n    return x\n', mutants: ['def f(x):\n    return -x\n'],
    tests: [{ type: 'assert', code: 'assert f(1) == 1' }], rollouts: ['assert f(2) == 2\n'],
  }],
  ['task tests without ground truth or mutants', { id: 't', task: 'tests', focal: 'def f(x):\n    return x\n', rollouts: ['assert f(2) == 2\n'] }],
  ['co-evolution: programs and test files', { ...example, tests: [example.tests[0]], test_rollouts: ['assert add(2, 2) == 4\n'] }],
];

const invalidInputs: [string, unknown][] = [
  ['task tests without focal', { id: 't', task: 'tests', rollouts: ['assert True\n'] }],
  ['task tests with turns', { id: 't', task: 'tests', focal: 'x = 1', turns: [['assert True']] }],
  ['a focal on a code line', { ...example, focal: 'x = 1' }],
  ['test_rollouts on multi-turn', { id: 'p', tests: example.tests, turns: [['a = 1']], test_rollouts: ['assert True'] }],
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

// real output lines (verpo score / run on task tests and co-evolution lines)
const TESTS_OUT = "{\"id\":\"clamp\",\"task\":\"tests\",\"focal\":{\"lines\":5,\"branches\":2,\"ground_truth_tests\":1},\"mutants\":{\"source\":\"generated\",\"count\":9,\"available\":9,\"dropped\":{\"identical\":0,\"duplicate\":0,\"invalid\":0},\"equivalent_candidates\":[0,4],\"cpu_ms\":{\"ground_truth\":530,\"tests\":490},\"list\":[{\"op\":\"cmp\",\"line\":2,\"what\":\"< -> <=\"},{\"op\":\"negate\",\"line\":2,\"what\":\"condition negated\"},{\"op\":\"return\",\"line\":5,\"what\":\"returns None\"},{\"op\":\"delete\",\"line\":3,\"what\":\"statement deleted\"},{\"op\":\"cmp\",\"line\":4,\"what\":\"> -> >=\"},{\"op\":\"negate\",\"line\":4,\"what\":\"condition negated\"},{\"op\":\"return\",\"line\":3,\"what\":\"returns None\"},{\"op\":\"delete\",\"line\":5,\"what\":\"statement deleted\"},{\"op\":\"return\",\"line\":6,\"what\":\"returns None\"}]},\"rollouts\":[{\"tests\":2,\"valid\":2,\"killed\":6,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":4,\"total\":5,\"fraction\":0.8},\"branches\":{\"covered\":3,\"total\":4,\"fraction\":0.75}},\"reward\":0.8366071428571428,\"advantage\":1.2156181767049017,\"matrix\":{\"focal\":[\"AC\",\"AC\"],\"mutants\":[[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"WA\"],[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"WA\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"AC\"]]}},{\"tests\":2,\"valid\":2,\"killed\":5,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":4,\"total\":5,\"fraction\":0.8},\"branches\":{\"covered\":3,\"total\":4,\"fraction\":0.75}},\"reward\":0.7294642857142857,\"advantage\":0.9667710576250859,\"matrix\":{\"focal\":[\"AC\",\"AC\"],\"mutants\":[[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"AC\"],[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"WA\"]]},\"notes\":[\"line 1: `from solution import ...` names the program's own names: dropped\"]},{\"tests\":1,\"valid\":0,\"killed\":0,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":0,\"total\":5,\"fraction\":0},\"branches\":{\"covered\":0,\"total\":4,\"fraction\":0}},\"reward\":0,\"advantage\":-0.727463078109996,\"matrix\":{\"focal\":[\"WA\"],\"mutants\":[[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"]]}},{\"tests\":0,\"valid\":0,\"killed\":0,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":0,\"total\":5,\"fraction\":0},\"branches\":{\"covered\":0,\"total\":4,\"fraction\":0}},\"reward\":0,\"advantage\":-0.727463078109996,\"matrix\":{\"focal\":[],\"mutants\":[]},\"notes\":[\"no top-level assert (nor a def test_*() holding one): 0 tests\"]},{\"tests\":0,\"valid\":0,\"killed\":0,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":0,\"total\":5,\"fraction\":0},\"branches\":{\"covered\":0,\"total\":4,\"fraction\":0}},\"reward\":0,\"advantage\":-0.727463078109996,\"matrix\":{\"focal\":[],\"mutants\":[]},\"compile\":{\"ok\":false,\"message\":\"SyntaxError: '(' was never closed (line 1)\"}}],\"timing\":{\"testgen_ms\":63.951431000000014,\"execute_ms\":3214.564027},\"error\":null}";
const TESTS_RUN_OUT = "{\"id\":\"clamp\",\"task\":\"tests\",\"focal\":{\"lines\":5,\"branches\":2,\"ground_truth_tests\":1},\"mutants\":{\"source\":\"generated\",\"count\":9,\"available\":9,\"dropped\":{\"identical\":0,\"duplicate\":0,\"invalid\":0},\"equivalent_candidates\":[0,4],\"cpu_ms\":{\"ground_truth\":540,\"tests\":590},\"list\":[{\"op\":\"cmp\",\"line\":2,\"what\":\"< -> <=\"},{\"op\":\"negate\",\"line\":2,\"what\":\"condition negated\"},{\"op\":\"return\",\"line\":5,\"what\":\"returns None\"},{\"op\":\"delete\",\"line\":3,\"what\":\"statement deleted\"},{\"op\":\"cmp\",\"line\":4,\"what\":\"> -> >=\"},{\"op\":\"negate\",\"line\":4,\"what\":\"condition negated\"},{\"op\":\"return\",\"line\":3,\"what\":\"returns None\"},{\"op\":\"delete\",\"line\":5,\"what\":\"statement deleted\"},{\"op\":\"return\",\"line\":6,\"what\":\"returns None\"}]},\"rollouts\":[{\"tests\":2,\"valid\":2,\"killed\":6,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":4,\"total\":5,\"fraction\":0.8},\"branches\":{\"covered\":3,\"total\":4,\"fraction\":0.75}},\"matrix\":{\"focal\":[\"AC\",\"AC\"],\"mutants\":[[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"WA\"],[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"WA\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"AC\"]]}},{\"tests\":2,\"valid\":2,\"killed\":5,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":4,\"total\":5,\"fraction\":0.8},\"branches\":{\"covered\":3,\"total\":4,\"fraction\":0.75}},\"matrix\":{\"focal\":[\"AC\",\"AC\"],\"mutants\":[[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"AC\"],[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"AC\"],[\"WA\",\"SKIPPED\"],[\"AC\",\"WA\"]]},\"notes\":[\"line 1: `from solution import ...` names the program's own names: dropped\"]},{\"tests\":1,\"valid\":0,\"killed\":0,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":0,\"total\":5,\"fraction\":0},\"branches\":{\"covered\":0,\"total\":4,\"fraction\":0}},\"matrix\":{\"focal\":[\"WA\"],\"mutants\":[[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"],[\"SKIPPED\"]]}},{\"tests\":0,\"valid\":0,\"killed\":0,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":0,\"total\":5,\"fraction\":0},\"branches\":{\"covered\":0,\"total\":4,\"fraction\":0}},\"matrix\":{\"focal\":[],\"mutants\":[]},\"notes\":[\"no top-level assert (nor a def test_*() holding one): 0 tests\"]},{\"tests\":0,\"valid\":0,\"killed\":0,\"mutants\":7,\"equivalent_candidates\":0,\"coverage\":{\"lines\":{\"covered\":0,\"total\":5,\"fraction\":0},\"branches\":{\"covered\":0,\"total\":4,\"fraction\":0}},\"matrix\":{\"focal\":[],\"mutants\":[]},\"compile\":{\"ok\":false,\"message\":\"SyntaxError: '(' was never closed (line 1)\"}}],\"timing\":{\"testgen_ms\":65.400149,\"execute_ms\":3182.718429},\"error\":null}";
const COEVO_OUT = "{\"id\":\"co\",\"rollouts\":[{\"verdicts\":[\"AC\",\"AC\",\"AC\",\"AC\",\"WA\"],\"passed\":[1,1],\"dense\":1,\"outcome\":1,\"reward\":1,\"advantage\":0.999998000004},{\"verdicts\":[\"WA\",\"WA\",\"WA\",\"WA\",\"WA\"],\"passed\":[0,0],\"dense\":0,\"outcome\":0,\"reward\":0,\"advantage\":-0.999998000004},{\"verdicts\":[\"AC\",\"WA\",\"AC\",\"WA\",\"WA\"],\"passed\":[1,0],\"dense\":0.5,\"outcome\":0,\"reward\":0.5,\"advantage\":0}],\"test_rollouts\":[{\"tests\":1,\"valid\":1,\"matrix\":[[\"AC\",\"WA\",\"AC\"]],\"reward\":0.5,\"advantage\":0.26111593848014075},{\"tests\":1,\"valid\":1,\"matrix\":[[\"AC\",\"WA\",\"WA\"]],\"reward\":1,\"advantage\":1.3055796924007037},{\"tests\":1,\"valid\":0,\"matrix\":[[\"WA\",\"WA\",\"WA\"]],\"reward\":0,\"advantage\":-0.7833478154404222},{\"tests\":0,\"valid\":0,\"notes\":[\"no top-level assert (nor a def test_*() holding one): 0 tests\"],\"matrix\":[],\"reward\":0,\"advantage\":-0.7833478154404222}],\"correct_programs\":1,\"error\":null}";

const row = { verdicts: ['AC', 'WA', 'AC'], passed: [1, 0, 1], dense: 0.31, outcome: 0, reward: 0.31, advantage: -0.24 };
const validOutputs: [string, unknown][] = [
  ['the issue example', { id: 'HumanEval/0', weights: [0.11, 0.15, 0.2], rollouts: [row], error: null }],
  ['binary weights are null', { id: 'p', weights: [null, null, null], rollouts: [row], error: null }],
  ['multi-turn', { id: 'p', weights: [0.5, 0.5, 0.5], turns: [[row, row], [row]], error: null }],
  ['precomputed rows have no verdicts', { id: 1, weights: [1, 1, 1], rollouts: [{ ...row, verdicts: undefined }].map(({ verdicts, ...r }) => r), error: null }],
  ['verpo run rows (no rewards)', { id: 'p', rollouts: [{ verdicts: ['AC'], passed: [1] }], error: null }],
  ['a failed line', { id: null, error: 'line 3: tests[0].code: expected a string of Python statements' }],
  ['a task tests line', JSON.parse(TESTS_OUT)],
  ['a task tests line from verpo run', JSON.parse(TESTS_RUN_OUT)],
  ['a co-evolution line', JSON.parse(COEVO_OUT)],
];
const invalidOutputs: [string, unknown][] = [
  ['a task tests line whose file row lacks its counts', { ...JSON.parse(TESTS_OUT), rollouts: [{ reward: 1, advantage: 0 }] }],
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
