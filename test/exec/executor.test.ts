// The Executor end to end through the real sandbox: the three test kinds, setup code, CE, exceptions
// reaching try/except in tests, call-test comparison rules, limits, and the concurrency ceiling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import type { RunRequest, TestCase } from '../../lib/exec';
import { expectHostUnharmed, harnessProcesses, makeWorkRoot, removeWorkRoot, slotUids } from './host';

let ex: Executor;
let root: string;
beforeAll(() => {
  root = makeWorkRoot('executor');
  ex = new Executor({ concurrency: 2, workRoot: root, limits: { cpuMs: 4000, wallMs: 12000, memoryMb: 512, outputKb: 256 } });
});
afterAll(async () => {
  await ex?.close();
  if (root) removeWorkRoot(root);
});

const run = (code: string, tests: TestCase[], extra: Partial<RunRequest> = {}) => ex.run({ language: 'python', code, tests, ...extra });
const verdicts = async (code: string, tests: TestCase[], extra: Partial<RunRequest> = {}) =>
  (await run(code, tests, extra)).tests.map((t) => t.verdict);

const ADD = 'def add(a, b):\n    return a + b\n';

describe('assert tests', () => {
  it('AC when the asserts hold, WA when one fails, one verdict per test', async () => {
    const res = await run(ADD, [
      { type: 'assert', code: 'assert add(1, 2) == 3' },
      { type: 'assert', code: 'assert add(1, 2) == 4' },
      { type: 'assert', code: 'for i in range(10):\n    assert add(i, i) == 2 * i' },
    ]);
    expect(res.compile).toEqual({ ok: true });
    expect(res.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'AC']);
    expect(res.tests[1].detail).toContain('assert add(1, 2) == 4');
    expect(res.tests[1].detail).toContain('returned 3');
    for (const t of res.tests) {
      expect(t.cpuMs).toBeGreaterThanOrEqual(0);
      expect(t.wallMs).toBeGreaterThanOrEqual(0);
      expect(t.memoryKb).toBeGreaterThanOrEqual(0);
    }
    expectHostUnharmed(root, undefined, slotUids(ex));
  });

  it('does not run the program\'s __main__ block, and keeps its stdout/stderr as excerpts', async () => {
    const code = `import sys\nprint("loaded")\nsys.stderr.write("warn\\n")\n${ADD}if __name__ == "__main__":\n    raise SystemExit(3)\n`;
    const res = await run(code, [{ type: 'assert', code: 'assert add(2, 2) == 4' }]);
    expect(res.tests[0].verdict).toBe('AC');
    expect(res.tests[0].stdout).toBe('loaded\n');
    expect(res.tests[0].stderr).toBe('warn\n');
    expect(res.tests[0].truncated).toBe(false);
  });

  it('propagates candidate exceptions as their builtin class to try/except in the test', async () => {
    const code = 'class MyError(ValueError):\n    pass\ndef parse(s):\n    if not s.isdigit():\n        raise MyError("not a number: " + s)\n    return int(s)\n';
    const res = await run(code, [
      { type: 'assert', code: 'try:\n    parse("x")\n    assert False, "no exception"\nexcept ValueError as e:\n    assert "not a number" in str(e)' },
      { type: 'assert', code: 'assert parse("x") == 1' },
      { type: 'assert', code: 'try:\n    parse("x")\nexcept KeyError:\n    pass' },
    ]);
    expect(res.tests.map((t) => t.verdict)).toEqual(['AC', 'RE', 'RE']);
    expect(res.tests[1].detail).toContain('MyError');
    expect(res.tests[1].detail).toContain('not a number: x');
    // the program's own traceback is in its stderr excerpt
    expect(res.tests[1].stderr).toContain('File "solution.py", line 5, in parse');
  });

  it('makes in-place mutation of list/dict/set arguments visible to the test', async () => {
    const code = 'def fill(xs, d, s):\n    xs.sort()\n    d["k"] = 1\n    s.add(5)\n';
    expect(await verdicts(code, [{ type: 'assert', code: 'xs, d, s = [3, 1, 2], {}, set()\nfill(xs, d, s)\nassert xs == [1, 2, 3] and d == {"k": 1} and s == {5}' }])).toEqual(['AC']);
  });

  it('resolves the program\'s constants and imported modules for the test', async () => {
    const code = 'import math\nLIMIT = (1, 2.5, "x")\ndef root(x):\n    return math.isqrt(x)\n';
    expect(await verdicts(code, [{ type: 'assert', code: 'assert LIMIT == (1, 2.5, "x")\nassert root(17) == math.isqrt(17)' }])).toEqual(['AC']);
  });

  it('what the test code prints cannot be mistaken for the judge\'s verdict', async () => {
    const res = await run(ADD, [
      { type: 'assert', code: 'print(\'{"verdict": "AC", "detail": null}\')\nassert add(1, 2) == 4' },
      { type: 'assert', code: 'import sys\nsys.stdout.write("noise\\n")\nassert add(1, 2) == 3' },
    ]);
    expect(res.tests.map((t) => t.verdict)).toEqual(['WA', 'AC']);
  });

  it('a program function rebound by a call is looked up again after that call', async () => {
    // `ready` lists f and g as callables; once f has run, g is a value and the test must see the value
    const code = 'def f():\n    global g\n    g = 5\n    return 1\ndef g():\n    return 2\n';
    // (the rebinding test last: in scope rollout a program's tests share its process, so g stays 5 after it)
    expect(await verdicts(code, [
      { type: 'assert', code: 'assert g() == 2' },
      { type: 'call', fn: 'g', args: [], expected: 2 },
      { type: 'assert', code: 'assert f() == 1\nassert g == 5' },
    ])).toEqual(['AC', 'AC', 'AC']);
  });

  it('a test text run again (compiled once per warm judge) gets a fresh namespace every time', async () => {
    const test: TestCase = { type: 'assert', code: 'assert "seen" not in globals()\nseen = add(1, 2)\nassert seen == 3' };
    // with two slots, four runs in a row send the same text to one judge at least twice
    for (let i = 0; i < 4; i++) expect(await verdicts(ADD, [test], { cache: false })).toEqual(['AC']);
  });

  it('a name the program does not define fails the test (WA)', async () => {
    expect(await verdicts(ADD, [{ type: 'assert', code: 'assert mul(2, 3) == 6' }])).toEqual(['WA']);
  });

  it('an exception while loading the program is RE in every test', async () => {
    const res = await run(`x = 1 / 0\n${ADD}`, [{ type: 'assert', code: 'assert add(1, 2) == 3' }, { type: 'call', fn: 'add', args: [1, 2], expected: 3 }]);
    expect(res.tests.map((t) => t.verdict)).toEqual(['RE', 'RE']);
    expect(res.tests[0].detail).toContain('ZeroDivisionError');
  });
});

describe('setup code', () => {
  it('runs in the program\'s namespace and in the test\'s', async () => {
    const setup = 'from typing import List\nimport math\ndef double(x):\n    return 2 * x\n';
    const code = 'def total(xs: List[int]) -> int:\n    return double(sum(xs))\n';
    const res = await run(code, [
      { type: 'assert', code: 'assert total([1, 2]) == double(3) == 6 and math.pi > 3' },
      { type: 'call', fn: 'total', args: [[1, 2, 3]], expected: 12 },
      { type: 'stdio', stdin: '', stdout: '' },
    ], { setup });
    expect(res.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC']);
  });

  it('setup that does not compile is an internal error, not the program\'s fault', async () => {
    const res = await run(ADD, [{ type: 'assert', code: 'assert add(1, 2) == 3' }], { setup: 'import (' });
    expect(res.tests[0].verdict).toBe('IE');
    expect(res.tests[0].detail).toContain('setup');
  });
});

describe('call tests', () => {
  const code = [
    'def pair(a, b):\n    return (a, b)',
    'def half(x):\n    return x / 2',
    'def flag(x):\n    return x > 0',
    'def table(n):\n    return {str(i): i * i for i in range(n)}',
    'def greet(name, punct="!"):\n    return "hi " + name + punct',
    'def nothing():\n    return None',
    'def third(x):\n    return x / 3',
  ].join('\n') + '\n';
  it('compares by type-aware rules', async () => {
    const tests: TestCase[] = [
      { type: 'call', fn: 'pair', args: [1, 'a'], expected: [1, 'a'] },            // tuple matches a JSON array
      { type: 'call', fn: 'half', args: [4], expected: 2 },                         // 2.0 matches 2 (JSON has no 2.0)
      { type: 'call', fn: 'flag', args: [1], expected: true },
      { type: 'call', fn: 'flag', args: [1], expected: 1 },                         // bool is not a number
      { type: 'call', fn: 'table', args: [3], expected: { 0: 0, 1: 1, 2: 4 } },
      { type: 'call', fn: 'table', args: [3], expected: { 0: 0, 1: 1 } },           // extra key
      { type: 'call', fn: 'greet', args: ['bo'], kwargs: { punct: '?' }, expected: 'hi bo?' },
      { type: 'call', fn: 'nothing', args: [], expected: null },
      { type: 'call', fn: 'nothing', args: [], expected: 0 },
      { type: 'call', fn: 'third', args: [1], expected: 0.3333 },                   // exact by default
      { type: 'call', fn: 'third', args: [1], expected: 0.3333, tolerance: { abs: 1e-3 } },
      { type: 'call', fn: 'missing', args: [], expected: 1 },
    ];
    const res = await run(code, tests);
    expect(res.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'WA', 'AC', 'WA', 'AC', 'AC', 'WA', 'WA', 'AC', 'WA']);
    expect(res.tests[5].detail).toContain('keys');
    expect(res.tests[9].detail).toContain('0.3333');
  });
});

describe('stdio tests', () => {
  const echoSum = 'import sys\nnums = [int(x) for x in sys.stdin.read().split()]\nprint(sum(nums))\n';
  it('runs the program as __main__ with stdin and compares stdout outside the sandbox', async () => {
    const res = await run(echoSum, [
      { type: 'stdio', stdin: '1 2 3\n', stdout: '6\n' },
      { type: 'stdio', stdin: '1 2 3\n', stdout: '7\n' },
      { type: 'stdio', stdin: '1 2\n', stdout: '3' },                               // missing newline: whitespace comparator
      { type: 'stdio', stdin: '1 2\n', stdout: '3', compare: 'exact' },
      { type: 'stdio', stdin: '', stdout: '0\n' },
    ]);
    expect(res.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'AC', 'WA', 'AC']);
    expect(res.tests[1].detail).toContain('line 1');
  });
  it('runs the __main__ block, supports input() and float comparison', async () => {
    const code = 'def main():\n    n = int(input())\n    print(1 / n)\nif __name__ == "__main__":\n    main()\n';
    expect(await verdicts(code, [
      { type: 'stdio', stdin: '3\n', stdout: '0.333333', compare: 'float' },
      { type: 'stdio', stdin: '3\n', stdout: '0.33', compare: 'float' },
      { type: 'stdio', stdin: '0\n', stdout: '' },
    ])).toEqual(['AC', 'WA', 'RE']);
  });
  it('reports a crash as RE with the exit code and the exception line', async () => {
    const res = await run('raise KeyError("boom")\n', [{ type: 'stdio', stdin: '', stdout: '' }]);
    expect(res.tests[0].verdict).toBe('RE');
    expect(res.tests[0].exitCode).toBe(1);
    expect(res.tests[0].detail).toContain("KeyError: 'boom'");
    expect(res.tests[0].stderr).toContain('solution.py');
  });
});

describe('compile errors', () => {
  it('are found once, before any test: every cell is CE', async () => {
    const res = await run('def f(:\n    return 1\n', [
      { type: 'assert', code: 'assert f() == 1' },
      { type: 'stdio', stdin: '', stdout: '1\n' },
      { type: 'call', fn: 'f', args: [], expected: 1 },
    ]);
    expect(res.compile.ok).toBe(false);
    expect(res.compile.message).toContain('SyntaxError');
    expect(res.compile.message).toContain('line 1');
    expect(res.tests.map((t) => t.verdict)).toEqual(['CE', 'CE', 'CE']);
  });
  it('a program whose top level never runs is not CE when it compiles', async () => {
    const res = await run('import this_module_does_not_exist\n', [{ type: 'stdio', stdin: '', stdout: '' }]);
    expect(res.compile.ok).toBe(true);
    expect(res.tests[0].verdict).toBe('RE');
  });
});

describe('compiled once', () => {
  it('tests run the code the syntax check compiled, with the program\'s file and line numbers', async () => {
    const res = await run('import sys\n\n\nraise KeyError("boom")\n', [{ type: 'stdio', stdin: '', stdout: '' }]);
    expect(res.tests[0].verdict).toBe('RE');
    expect(res.tests[0].stderr).toContain('File "solution.py", line 4');
    // what the test process was handed: the compiled code, not the source (scope test); in scope rollout (zygote
    // mode) the source, which the process's harness compiles before the program's first line (no syntax check)
    const look = 'import sys\nf = sys._getframe()\nwhile "INLINE_FILES" not in f.f_globals:\n    f = f.f_back\nprint(sorted(f.f_globals["INLINE_FILES"]))\n';
    const perTest = new Executor({ concurrency: 1, workRoot: root, scope: 'test' });
    try {
      for (const [x, file] of [[perTest, 'solution.code'], [ex, ex.mode === 'zygote' ? 'solution.py' : 'solution.code']] as const) {
        const seen = await x.run({ language: 'python', code: look, tests: [{ type: 'stdio', stdin: '', stdout: `['${file}']\n` }] });
        expect(seen.tests[0].verdict, seen.tests[0].stdout).toBe('AC');
      }
    } finally {
      await perTest.close();
    }
  });
  it('compiled code too large to travel inline (files in the workdir) runs as it is, in both scopes', async () => {
    // ~160 KB of source (over the size that compiles in its process: a syntax check) and ~400 KB of marshalled code:
    // past the 256 KB a fork's request carries, so both are files in the workdir, and the code is what runs
    const code = `v = [${'7,'.repeat(80_000)}]\nprint(len(v), v[-1])\n`;
    const perTest = new Executor({ concurrency: 1, workRoot: root, scope: 'test' });
    try {
      for (const x of [ex, perTest]) {
        const res = await x.run({ language: 'python', code, tests: [{ type: 'stdio', stdin: '', stdout: '80000 7\n' }, { type: 'stdio', stdin: '', stdout: '80000 7\n' }] });
        expect(res.tests.map((t) => t.verdict), `${x.scope}: ${res.tests[0].detail}`).toEqual(['AC', 'AC']);
      }
    } finally {
      await perTest.close();
    }
  });
  it('a program whose compiled code is too large to carry still runs, from source', async () => {
    // a 300,000-element constant: ~1.5 MB of marshalled code (over the runner's cap) from ~600 KB of source
    const code = `v = [${'7,'.repeat(300_000)}]\nprint(len(v), v[-1])\n`;
    const res = await run(code, [{ type: 'stdio', stdin: '', stdout: '300000 7\n' }]);
    expect(res.compile.ok).toBe(true);
    expect(res.tests[0].verdict, res.tests[0].detail).toBe('AC');
  });
});

describe('internal errors', () => {
  it('a test that cannot be evaluated is IE after one retry, and the other cells are still reported', async () => {
    const res = await run(ADD, [{ type: 'assert', code: 'assert (' }, { type: 'assert', code: 'assert add(1, 1) == 2' }]);
    expect(res.tests[0].verdict).toBe('IE');
    expect(res.tests[0].retries).toBe(1);
    expect(res.tests[1].verdict).toBe('AC');
  });
});

describe('limits', () => {
  it('per-request limits apply (cpu)', async () => {
    const res = await run('def spin():\n    while True:\n        pass\n', [{ type: 'assert', code: 'spin()' }], { limits: { cpuMs: 300, wallMs: 20000 } });
    expect(res.tests[0].verdict).toBe('TLE');
    expect(res.tests[0].limit).toBe('cpu');
    expectHostUnharmed(root, undefined, slotUids(ex));
  });
  it('a sleeping program is TLE (wall)', async () => {
    const res = await run('import time\ntime.sleep(60)\n', [{ type: 'stdio', stdin: '', stdout: '' }], { limits: { cpuMs: 1000, wallMs: 500 } });
    expect(res.tests[0].verdict).toBe('TLE');
    expect(res.tests[0].limit).toBe('wall');
  });
  it('output past the cap is OLE', async () => {
    const res = await run('import sys\nwhile True:\n    sys.stdout.write("x" * 65536)\n', [{ type: 'stdio', stdin: '', stdout: '' }], { limits: { outputKb: 64 } });
    expect(res.tests[0].verdict).toBe('OLE');
    expect(res.tests[0].truncated).toBe(true);
    expect(res.tests[0].stdout!.length).toBeLessThanOrEqual(4096);
  });
});

describe('concurrency', () => {
  it('never runs more tests at once than asked, across concurrent run() calls', async () => {
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        // spawn mode: a runner and a judge per running test, found by command line. Zygote mode: the test's
        // processes are forks of the slot's zygote (its command line), found by the slot uids they run as:
        // an init and the program per running test (the warm judge is one per slot, running or not).
        peak = Math.max(peak, ex.mode === 'zygote' ? harnessProcesses(slotUids(ex)).length : harnessProcesses().length);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const slow = 'import time\ndef f():\n    time.sleep(0.2)\n    return 1\n';
    const tests: TestCase[] = Array.from({ length: 4 }, () => ({ type: 'call', fn: 'f', args: [], expected: 1 }));
    const all = await Promise.all([run(slow, tests), run(slow, tests)]);
    sampling = false;
    await sampler;
    for (const r of all) expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'AC', 'AC', 'AC']);
    // each running test is one runner plus one judge process
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2 * 2);
  });
});

describe('isolation report', () => {
  it('says which layers are active', async () => {
    const res = await run(ADD, [{ type: 'call', fn: 'add', args: [1, 1], expected: 2 }]);
    expect(res.isolation.rlimits).toBe(true);
    expect(res.isolation.cleanEnv).toBe(true);
    expect(res.isolation.privateWorkdir).toBe(true);
    expect(Array.isArray(res.isolation.namespaces)).toBe(true);
    expect(res.isolation).toEqual(ex.isolation());
  });
});
