// The HumanEval loader: check(candidate) split into one assert test per assert, loops kept whole.
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { humanEvalProgram, loadHumanEval, logicalLines, splitCheck } from '../../lib/datasets/humaneval';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');

describe('loadHumanEval', () => {
  const problems = loadHumanEval(FIXTURE);
  it('reads all 164 problems from the gzipped fixture', () => {
    expect(problems.length).toBe(164);
    expect(problems[0].id).toBe('HumanEval/0');
    expect(problems[0].entryPoint).toBe('has_close_elements');
  });
  it('makes one test per candidate assert, plus one per assert-holding loop (1128 + 5)', () => {
    const total = problems.reduce((n, p) => n + p.tests.length, 0);
    expect(total).toBe(1133);
    for (const p of problems) expect(p.tests.length, p.id).toBeGreaterThan(0);
  });
  it('drops `assert True` no-ops, which any loading program would pass', () => {
    for (const p of problems) for (const t of p.tests) expect(t.code).not.toMatch(/^\s*assert True\s*(,|$)/m);
  });
  it('keeps the module preamble and the context lines before each assert, and calls check(entry_point)', () => {
    const p151 = problems.find((p) => p.id === 'HumanEval/151')!;
    const last = p151.tests[p151.tests.length - 1].code;
    expect(last).toContain('lst = list(range(-99, 100, 2))');
    expect(last).toContain('odd_sum = sum(');
    expect(last).toContain('assert candidate(lst) == odd_sum');
    expect(last.trimEnd().endsWith('check(double_the_difference)')).toBe(true);
    const first = p151.tests[0].code;
    expect(first).not.toContain('odd_sum');
    expect(problems[0].tests[0].code).toContain("METADATA = {");
  });
  it('keeps a loop holding an assert as one test', () => {
    const p32 = problems.find((p) => p.id === 'HumanEval/32')!;
    expect(p32.tests.length).toBe(1);
    expect(p32.tests[0].code).toContain('for _ in range(100):');
    expect(p32.tests[0].code).toContain('rng = random.Random(42)');
  });
  it('builds the program as prompt + completion', () => {
    expect(humanEvalProgram(problems[2], '    return 1\n')).toBe(problems[2].prompt + '    return 1\n');
  });
});

describe('splitCheck', () => {
  it('handles multi-line asserts, strings holding brackets and comments', () => {
    const test = [
      'def check(candidate):',
      '    # a comment ( with a bracket',
      '    x = "(["',
      '    assert candidate(',
      '        1, 2) == 3, "msg )"',
      '    assert candidate("""a',
      'b""") == 1',
      '    assert True',
      '',
    ].join('\n');
    const tests = splitCheck(test, 'f');
    expect(tests.length).toBe(2);
    expect(tests[0].code).toContain('x = "(["');
    expect(tests[0].code).toContain('1, 2) == 3, "msg )"');
    expect(tests[1].code).toContain('b""") == 1');
    expect(tests[1].code).not.toContain('1, 2) == 3');
  });
  it('keeps helper definitions holding asserts as context, not tests', () => {
    const test = 'def check(candidate):\n    def helper(v):\n        assert v > 0\n        return v\n    assert candidate(helper(1)) == 1\n';
    const tests = splitCheck(test, 'f');
    expect(tests.length).toBe(1);
    expect(tests[0].code).toContain('def helper(v):');
  });
  it('rejects a test without check()', () => {
    expect(() => splitCheck('assert f(1) == 1\n', 'f')).toThrow(SyntaxError);
  });
  it('groups physical lines into logical lines', () => {
    const { logical } = logicalLines('a = (1,\n  2)\nb = 3 \\\n  + 4\n# c\n\nd = 5\n');
    expect(logical.map((l) => [l.first, l.last])).toEqual([[0, 1], [2, 3], [6, 6]]);
  });
});
