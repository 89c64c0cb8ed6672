// The JSONL contract's line checks: every malformed shape gets an error naming the field.
import { describe, expect, it } from 'vitest';
import { checkLine, LineError } from '../../lib/pipeline/contract';
import { MAX_JSON_DEPTH } from '../../lib/exec/validate';

const tests = [{ type: 'assert', code: 'assert f(1) == 1' }];

describe('checkLine', () => {
  it('accepts the three shapes: rollouts, turns, precomputed passed', () => {
    const a = checkLine({ id: 'p', language: 'python', setup: 'import math', tests, rollouts: ['def f(x): return x'] });
    expect(a.programs).toHaveLength(1);
    expect(a.trajectory).toBeNull();
    const b = checkLine({ id: 7, tests, turns: [['t1', 't2'], ['u1']] });
    expect(b.programs).toEqual(['t1', 't2', 'u1']);
    expect(b.trajectory).toEqual([0, 0, 1]);
    expect(b.turnsPerTrajectory).toEqual([2, 1]);
    const c = checkLine({ id: 'q', passed: [[1, 0], [true, false]], trajectory: [0, 0] });
    expect(c.passed).toEqual([[1, 0], [1, 0]]);
    expect(c.turnsPerTrajectory).toEqual([2]);
  });

  it('maps per-line limits to executor limits', () => {
    const p = checkLine({ id: 'p', tests, rollouts: ['x'], limits: { cpu_ms: 500, wall_ms: 2000, memory_mb: 256, output_kb: 64 } });
    expect(p.limits).toEqual({ cpuMs: 500, wallMs: 2000, memoryMb: 256, outputKb: 64 });
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', [1, 2], /^line: expected a JSON object \(got an array\)/],
    ['missing id', { tests, rollouts: ['x'] }, /^id: expected a string or number \(got undefined\)/],
    ['unknown field', { id: 'p', tests, rollouts: ['x'], rollout: [] }, /^rollout: unknown field/],
    ['other language', { id: 'p', language: 'rust', tests, rollouts: ['x'] }, /^language: is "rust": expected 'python' or 'cpp'/],
    ['cpp with assert tests', { id: 'p', language: 'cpp', tests, rollouts: ['x'] }, /^tests\[0\]\.type: is 'assert': a 'cpp' line takes stdio tests only/],
    ['checker test without a checker', { id: 'p', tests: [{ type: 'stdio', stdin: '', stdout: '', compare: 'checker' }], rollouts: ['x'] }, /^tests\[0\]\.compare: is 'checker' but the line has no checker/],
    ['bad checker', { id: 'p', tests, checker: { language: 'python' }, rollouts: ['x'] }, /^checker\.source: must be a string/],
    ['setup not a string', { id: 'p', setup: 3, tests, rollouts: ['x'] }, /^setup: expected a string/],
    ['no rows', { id: 'p', tests }, /expected exactly one of rollouts, turns or passed/],
    ['two row sources', { id: 'p', tests, rollouts: ['x'], turns: [['y']] }, /^rollouts\+turns: expected exactly one/],
    ['empty tests', { id: 'p', tests: [], rollouts: ['x'] }, /^tests: expected a non-empty array/],
    ['unknown test type', { id: 'p', tests: [{ type: 'unit' }], rollouts: ['x'] }, /^tests\[0\]\.type: is "unit"/],
    ['assert without code', { id: 'p', tests: [{ type: 'assert' }], rollouts: ['x'] }, /^tests\[0\]\.code: expected a string/],
    ['stdio without stdout', { id: 'p', tests: [{ type: 'stdio', stdin: '' }], rollouts: ['x'] }, /^tests\[0\]\.stdout: expected a string/],
    ['call args not an array', { id: 'p', tests: [{ type: 'call', fn: 'f', args: 1, expected: 1 }], rollouts: ['x'] }, /^tests\[0\]\.args: expected a JSON array/],
    ['call without expected', { id: 'p', tests: [{ type: 'call', fn: 'f', args: [] }], rollouts: ['x'] }, /^tests\[0\]\.expected/],
    ['a rollout not a string', { id: 'p', tests, rollouts: ['x', 3] }, /^rollouts\[1\]: expected a program as a string/],
    ['an empty trajectory', { id: 'p', tests, turns: [['x'], []] }, /^turns\[1\]: expected a non-empty array/],
    ['ragged passed', { id: 'p', passed: [[1, 0], [1]] }, /^passed\[1\]: has 1 tests: expected 2/],
    ['a cell of 2', { id: 'p', passed: [[1, 2]] }, /^passed\[0\]\[1\]: is 2: expected 0 or 1/],
    ['passed with tests', { id: 'p', passed: [[1]], tests }, /^tests: a line with a precomputed `passed` matrix carries no tests/],
    ['trajectory out of range', { id: 'p', passed: [[1], [0]], trajectory: [0, 5] }, /^trajectory\[1\]: is 5/],
    ['trajectory with programs', { id: 'p', tests, rollouts: ['x'], trajectory: [0] }, /^trajectory: only goes with/],
    ['unknown limit', { id: 'p', tests, rollouts: ['x'], limits: { cpu: 1 } }, /^limits\.cpu: unknown limit/],
    ['limit <= 0', { id: 'p', tests, rollouts: ['x'], limits: { cpu_ms: 0 } }, /^limits\.cpu_ms: is 0: expected a number > 0/],
  ];
  it.each(bad)('rejects %s', (_name, line, message) => {
    expect(() => checkLine(line)).toThrow(message);
  });

  it('call values nested deeper than 400 levels (the wire limit): the field path and the depth, checked without recursion', () => {
    const nest = (n: number): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < n; i++) v = i % 2 ? { k: v } : [v];
      return v;
    };
    const call = (x: Record<string, unknown>) => ({ id: 'p', tests: [tests[0], tests[0], { type: 'call', fn: 'f', args: [1], expected: 1, ...x }], rollouts: ['x'] });
    expect(() => checkLine(call({ args: [nest(5001)] }))).toThrow(LineError);
    expect(() => checkLine(call({ args: [nest(5001)] }))).toThrow(/^tests\[2\]\.args\[0\]: nested 5001 levels deep; at most 400 are allowed$/);
    expect(() => checkLine(call({ kwargs: { a: 1, b: nest(200_000) } }))).toThrow(/^tests\[2\]\.kwargs\.b: nested 200000 levels deep; at most 400 are allowed$/);
    expect(() => checkLine(call({ expected: nest(401) }))).toThrow(/^tests\[2\]\.expected: nested 401 levels deep; at most 400 are allowed$/);
    expect(() => checkLine(call({ kwargs: [1] }))).toThrow(/^tests\[2\]\.kwargs: expected a JSON object/);
    // a line as JSON text: JSON.parse copes with the depth, and so does everything after it
    const text = '{"id": "deep", "tests": [{"type": "call", "fn": "f", "args": [' + '['.repeat(100_000) + ']'.repeat(100_000) + '], "expected": 1}], "rollouts": ["x"]}';
    expect(() => checkLine(JSON.parse(text))).toThrow(/^tests\[0\]\.args\[0\]: nested 100000 levels deep; at most 400 are allowed$/);
    // at the limit is fine
    expect(checkLine(call({ args: [nest(400)], kwargs: { a: nest(400) }, expected: nest(400) })).tests).toHaveLength(3);
    expect(MAX_JSON_DEPTH).toBe(400);
  });

  it('run mode refuses precomputed matrices', () => {
    expect(() => checkLine({ id: 'p', passed: [[1]] }, 'run')).toThrow(/verpo run` executes programs/);
  });
});
