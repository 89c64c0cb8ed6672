// Checkers (special judges, issue 12 item 3): stdio tests with compare: 'checker' are decided by the
// request's checker, run in a sandbox of its own after the program as testlib runs one (`checker input.txt
// output.txt answer.txt`), by exit code: 0 AC, 1 WA, 2 WA (presentation error), anything else IE. In both
// executor modes, Python and C++ checkers, with testlib.h from the path the user gives.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import type { Checker, TestResult } from '../../lib/exec';
import { score } from '../../lib/pipeline/score';
import { hostCheckedExecutor } from './host';

const show = (ts: TestResult[]) => ts.map((t) => `${t.verdict}: ${t.detail ?? ''} ${t.stderr ?? ''}`).join('\n');
const TESTLIB_MINI = path.join(__dirname, '..', 'fixtures', 'testlib-mini');

// "Print any two integers whose sum is a + b": several right answers, so no text comparison can judge it.
const TESTS = [
  { type: 'stdio' as const, stdin: '2 3\n', stdout: '2 3\n', compare: 'checker' as const },
  { type: 'stdio' as const, stdin: '10 -4\n', stdout: '10 -4\n', compare: 'checker' as const },
];
const PY_CHECKER: Checker = {
  language: 'python',
  source: [
    'import sys',
    'inp, out, ans = (open(p).read().split() for p in sys.argv[1:4])',
    'a, b = map(int, inp)',
    'try:',
    '    x, y = map(int, out)',
    'except ValueError:',
    '    print("expected two integers", file=sys.stderr)',
    '    sys.exit(2)',
    'if x + y != a + b:',
    '    print(f"{x} + {y} != {a + b}", file=sys.stderr)',
    '    sys.exit(1)',
  ].join('\n'),
};
const CPP_CHECKER: Checker = {
  language: 'cpp',
  source: [
    '#include <cstdio>',
    'int main(int argc, char** argv) {',
    '  long long a, b, x, y;',
    '  FILE* in = fopen(argv[1], "r"); FILE* out = fopen(argv[2], "r");',
    '  if (!in || !out || fscanf(in, "%lld %lld", &a, &b) != 2) return 3;',
    '  if (fscanf(out, "%lld %lld", &x, &y) != 2) { fputs("expected two integers", stderr); return 2; }',
    '  if (x + y != a + b) { fprintf(stderr, "%lld + %lld != %lld", x, y, a + b); return 1; }',
    '  return 0;',
    '}',
  ].join('\n'),
};
const TESTLIB_CHECKER: Checker = {
  language: 'cpp',
  source: [
    '#include "testlib.h"',
    'int main(int argc, char* argv[]) {',
    '  registerTestlibCmd(argc, argv);',
    '  long long a = inf.readLong(), b = inf.readLong();',
    '  long long x = ouf.readLong(), y = ouf.readLong();',
    '  if (x + y != a + b) quitf(_wa, "sum %lld, expected %lld", x + y, a + b);',
    '  quitf(_ok, "sum is right");',
    '}',
  ].join('\n'),
};

const RIGHT_SWAPPED = 'a, b = map(int, input().split())\nprint(b, a)\n';
const RIGHT_SHIFTED = 'a, b = map(int, input().split())\nprint(a + b - 7, 7)\n';
const WRONG = 'a, b = map(int, input().split())\nprint(a, a)\n';
const GARBLED = 'print("hello")\n';

describe.each(['zygote', 'spawn'] as const)('%s mode', (mode) => {
  const fixture = hostCheckedExecutor(`checker-${mode}`, { concurrency: 2, mode, testlib: TESTLIB_MINI });

  it.each([['python', PY_CHECKER], ['cpp', CPP_CHECKER], ['cpp with testlib.h', TESTLIB_CHECKER]] as const)(
    '%s checker: every right answer is AC, a wrong one WA, a malformed one WA (presentation error)', async (_name, checker) => {
      for (const code of [RIGHT_SWAPPED, RIGHT_SHIFTED]) {
        const r = await fixture.ex.run({ language: 'python', code, tests: TESTS, checker });
        expect(r.tests.map((t) => t.verdict), show(r.tests)).toEqual(['AC', 'AC']);
        for (const t of r.tests) expect(t.checkerCpuMs).toBeGreaterThanOrEqual(0);
      }
      const wrong = await fixture.ex.run({ language: 'python', code: WRONG, tests: TESTS, checker });
      expect(wrong.tests.map((t) => t.verdict), show(wrong.tests)).toEqual(['WA', 'WA']);
      expect(wrong.tests[0].detail).toMatch(/^checker: /);
      const garbled = await fixture.ex.run({ language: 'python', code: GARBLED, tests: TESTS, checker });
      expect(garbled.tests.map((t) => t.verdict), show(garbled.tests)).toEqual(['WA', 'WA']);
      // testlib's readers report bad output as a presentation error (exit 2); the plain checkers say so too
      expect(garbled.tests[0].detail).toMatch(/presentation error/);
    });

  it('the checker gets the test\'s input, the program\'s whole output and the expected answer as files', async () => {
    const checker: Checker = {
      language: 'python',
      source: [
        'import sys',
        'inp, out, ans = (open(p, "rb").read() for p in sys.argv[1:4])',
        'ok = sys.argv[1:4] == ["input.txt", "output.txt", "answer.txt"] and inp == b"in\\xc3\\xa9\\n" and ans == b"answer\\n" and out == b"x" * 200000',
        'sys.exit(0 if ok else 1)',
      ].join('\n'),
    };
    const r = await fixture.ex.run({
      language: 'python', code: 'import sys\nsys.stdout.write("x" * 200000)\n', checker,
      tests: [{ type: 'stdio', stdin: 'iné\n', stdout: 'answer\n', compare: 'checker' }],
    });
    expect(r.tests[0].verdict, show(r.tests)).toBe('AC');
  });

  it('the program\'s own failure decides first: no checker runs for a crash or a limit', async () => {
    const r = await fixture.ex.run({ language: 'python', code: 'raise SystemExit(4)\n', tests: TESTS.slice(0, 1), checker: PY_CHECKER });
    expect(r.tests[0].verdict).toBe('RE');
    expect(r.tests[0].checkerCpuMs).toBeUndefined();
    const t = await fixture.ex.run({ language: 'python', code: 'while True: pass\n', tests: TESTS.slice(0, 1), checker: PY_CHECKER, limits: { cpuMs: 300, wallMs: 3000 } });
    expect(t.tests[0].verdict).toBe('TLE');
    expect(t.tests[0].checkerCpuMs).toBeUndefined();
  });

  it('a checker that fails is IE, never the program\'s fault', async () => {
    const cases: Array<[Checker, RegExp]> = [
      [{ language: 'python', source: 'raise RuntimeError("checker bug")\n' }, /exit code 3.*checker bug/s],
      [{ language: 'python', source: 'def broken(:\n' }, /exit code 3.*SyntaxError/s],
      [{ language: 'python', source: 'import sys\nsys.exit(7)\n' }, /exit code 7/],
      [{ language: 'python', source: 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n' }, /killed by SIGKILL/],
      [{ language: 'python', source: 'import socket\nsocket.socket(socket.AF_INET)\n' }, /stopped by the sandbox \(socket\)/],
      [{ language: 'cpp', source: 'int main() { return checker_bug; }\n' }, /does not compile.*checker_bug/s],
    ];
    for (const [checker, why] of cases) {
      const r = await fixture.ex.run({ language: 'python', code: RIGHT_SWAPPED, tests: TESTS.slice(0, 1), checker });
      expect(r.tests[0].verdict, `${checker.source}\n${show(r.tests)}`).toBe('IE');
      expect(r.tests[0].detail).toMatch(why);
    }
  });

  it('C++ programs are judged by checkers too; the cell cache tells checkers apart', async () => {
    const code = '#include <cstdio>\nint main(){ long long a, b; scanf("%lld %lld", &a, &b); printf("%lld %lld\\n", b, a); }\n';
    const r = await fixture.ex.run({ language: 'cpp', code, tests: TESTS, checker: CPP_CHECKER });
    expect(r.tests.map((t) => t.verdict), show(r.tests)).toEqual(['AC', 'AC']);
    // the same program and tests under a checker that rejects everything: not the cached AC
    const strict = await fixture.ex.run({ language: 'cpp', code, tests: TESTS, checker: { language: 'python', source: 'raise SystemExit(1)\n' } });
    expect(strict.tests.map((t) => t.verdict)).toEqual(['WA', 'WA']);
  });
});

describe('requests and options', () => {
  it('compare: checker needs a checker; a bad checker names its field', async () => {
    const ex = new Executor({ concurrency: 1, mode: 'spawn' });
    try {
      await expect(ex.run({ language: 'python', code: 'print(1)', tests: TESTS })).rejects.toThrow(/tests\[0\]\.compare is 'checker' but the request has no checker/);
      await expect(ex.run({ language: 'python', code: 'print(1)', tests: TESTS, checker: { language: 'java', source: 'x' } as unknown as Checker }))
        .rejects.toThrow(/checker\.language must be 'python' or 'cpp'/);
      await expect(ex.run({ language: 'python', code: 'print(1)', tests: TESTS, checker: { language: 'python', source: ' ' } }))
        .rejects.toThrow(/checker\.source must not be empty/);
    } finally {
      await ex.close();
    }
  });

  it('a checker that includes testlib.h without a testlib path is IE saying how to give one', async () => {
    const saved = process.env.VERPO_TESTLIB;
    delete process.env.VERPO_TESTLIB;
    const ex = new Executor({ concurrency: 1, mode: 'spawn' });
    try {
      const before = ex.counters().executions;
      const r = await ex.run({ language: 'python', code: RIGHT_SWAPPED, tests: TESTS, checker: TESTLIB_CHECKER });
      expect(r.tests.map((t) => t.verdict)).toEqual(['IE', 'IE']);
      expect(r.tests[0].detail).toMatch(/testlib\.h: give its path with --testlib/);
      // known before the program runs: only its syntax check executed, no test (nor a retry)
      expect(ex.counters().executions - before).toBe(1);
    } finally {
      if (saved !== undefined) process.env.VERPO_TESTLIB = saved;
      await ex.close();
    }
  });

  it('through the JSONL pipeline: a line\'s checker and language reach the executor', async () => {
    const ex = new Executor({ concurrency: 2, mode: 'spawn' });
    try {
      const cppRight = '#include <cstdio>\nint main(){ long long a, b; scanf("%lld %lld", &a, &b); printf("%lld 0\\n", a + b); }\n';
      const lines = [
        { id: 'py', tests: TESTS, checker: PY_CHECKER, rollouts: [RIGHT_SHIFTED, WRONG] },
        { id: 'cpp', language: 'cpp', tests: TESTS, checker: PY_CHECKER, rollouts: [cppRight, 'int main(){}'] },
        { id: 'bad', tests: TESTS, rollouts: [RIGHT_SHIFTED] },
      ];
      const out = [];
      for await (const l of score(lines, { executor: ex, mode: 'run' })) out.push(l.output);
      expect(out[0].rollouts?.map((r) => r.verdicts)).toEqual([['AC', 'AC'], ['WA', 'WA']]);
      expect(out[1].rollouts?.map((r) => r.verdicts)).toEqual([['AC', 'AC'], ['WA', 'WA']]);
      expect(out[2].error).toMatch(/tests\[0\]\.compare: is 'checker' but the line has no checker/);
    } finally {
      await ex.close();
    }
  });
});
