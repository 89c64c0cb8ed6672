// C++ rollouts (issue 12 item 4): compiled once per program text in the sandbox (CE with the compiler's
// message), the binary run per test under the same limits, verdicts and isolation as Python, in an executor of
// either mode (a C++ test always starts fresh: there is no warm interpreter to fork it from).
import { describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import type { TestResult } from '../../lib/exec';
import { hostCheckedExecutor, runUnprivileged } from './host';

const show = (ts: TestResult[]) => ts.map((t) => `${t.verdict}${t.limit ? '/' + t.limit : ''}: ${t.detail ?? ''} ${t.stderr ?? ''}`).join('\n');

const SUM = '#include <cstdio>\nint main(){ long long a, b; if (scanf("%lld %lld", &a, &b) != 2) return 1; printf("%lld\\n", a + b); }\n';
const TESTS = [{ type: 'stdio' as const, stdin: '2 3\n', stdout: '5\n' }, { type: 'stdio' as const, stdin: '10 -4\n', stdout: '6\n' }];
const LIMITS = { cpuMs: 1500, wallMs: 6000, memoryMb: 128 };

describe.each(['zygote', 'spawn'] as const)('%s mode', (mode) => {
  const fixture = hostCheckedExecutor(`cpp-${mode}`, { concurrency: 2, mode });

  it('right, wrong and crashing programs get AC, WA and RE', async () => {
    const cases: Array<[string, string, string]> = [
      ['AC', SUM, ''],
      ['WA', '#include <cstdio>\nint main(){ int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a - b); }\n', 'expected "'],
      ['RE', 'int main(){ volatile int *p = nullptr; *p = 1; }\n', 'SIGSEGV'],
      ['RE', '#include <cstdlib>\nint main(){ std::abort(); }\n', 'SIGABRT'],
      ['RE', 'int main(){ return 3; }\n', 'exit code 3'],
    ];
    for (const [verdict, code, detail] of cases) {
      const r = await fixture.ex.run({ language: 'cpp', code, tests: TESTS, limits: LIMITS });
      expect(r.compile.ok).toBe(true);
      for (const t of r.tests) {
        expect(t.verdict, `${code}\n${show(r.tests)}`).toBe(verdict);
        expect(t.detail ?? '').toContain(detail);
      }
    }
  });

  it('limits: CPU is TLE, memory MLE, output OLE, a refused syscall SV', async () => {
    const cases: Array<[string, string, string]> = [
      ['TLE', 'int main(){ volatile unsigned long x = 0; for (;;) x++; }\n', 'cpu'],
      ['MLE', '#include <cstdlib>\n#include <cstring>\nint main(){ for (;;) { char *p = (char*)malloc(1 << 20); memset(p, 1, 1 << 20); } }\n', 'memory'],
      ['OLE', '#include <cstdio>\nint main(){ for (;;) fputs("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\n", stdout); }\n', 'output'],
    ];
    for (const [verdict, code, limit] of cases) {
      const r = await fixture.ex.run({ language: 'cpp', code, tests: TESTS.slice(0, 1), limits: LIMITS });
      expect(r.tests[0].verdict, show(r.tests)).toBe(verdict);
      expect(r.tests[0].limit).toBe(limit);
    }
    const sv = await fixture.ex.run({
      language: 'cpp', tests: TESTS.slice(0, 1), limits: LIMITS,
      code: '#include <sys/socket.h>\n#include <cstdio>\nint main(){ printf("%d\\n", socket(AF_INET, SOCK_STREAM, 0)); }\n',
    });
    expect(sv.tests[0].verdict, show(sv.tests)).toBe('SV');
    expect(sv.tests[0].syscall).toBe('socket');
  });

  it('a program that does not compile is CE on every test, with the compiler\'s message', async () => {
    const r = await fixture.ex.run({ language: 'cpp', code: 'int main() { return undefined_name; }\n', tests: TESTS, limits: LIMITS });
    expect(r.compile.ok).toBe(false);
    expect(r.compile.message).toContain('undefined_name');
    expect(r.tests.map((t) => t.verdict)).toEqual(['CE', 'CE']);
  });

  it('compiles each program text once, as Codeforces does (gnu++17, ONLINE_JUDGE), and runs it in the sandbox', async () => {
    const code = [
      '#include <bits/stdc++.h>',
      'int main() {',
      '#ifdef ONLINE_JUDGE',
      '  std::cout << "judge ";',
      '#endif',
      '  if constexpr (__cplusplus >= 201703L) std::cout << "cxx17 ";',
      '  std::cout << (std::fopen("/usr/verpo-probe", "w") ? "wrote-host" : "host-read-only") << " ";',
      '  std::ifstream shadow("/etc/shadow");',
      '  std::cout << (shadow.good() ? "read-shadow" : "no-shadow") << "\\n";',
      '}',
    ].join('\n');
    const before = fixture.ex.counters();
    const tests = [{ type: 'stdio' as const, stdin: '', stdout: 'judge cxx17 host-read-only no-shadow\n' }];
    const a = await fixture.ex.run({ language: 'cpp', code, tests, limits: { ...LIMITS, cpuMs: 3000 }, cache: false });
    const b = await fixture.ex.run({ language: 'cpp', code, tests, limits: { ...LIMITS, cpuMs: 3000 }, cache: false });
    expect(show(a.tests)).toMatch(/^AC/);
    expect(b.tests[0].verdict).toBe('AC');
    const after = fixture.ex.counters();
    // one compile and two runs; the second run found the binary compiled
    expect(after.executions - before.executions).toBe(3);
    expect(after.compileCacheHits - before.compileCacheHits).toBe(1);
  });

  it('Python and C++ programs share the executor\'s slots without disturbing each other', async () => {
    const py = 'a, b = map(int, input().split())\nprint(a + b)\n';
    const runs = await Promise.all([0, 1, 2, 3].map((i) => fixture.ex.run({
      language: i % 2 ? 'cpp' : 'python', code: i % 2 ? SUM : py, tests: TESTS, limits: LIMITS, cache: false,
    })));
    for (const r of runs) expect(r.tests.map((t) => t.verdict), show(r.tests)).toEqual(['AC', 'AC']);
  });
});

describe('compile outcomes', () => {
  it('a compile that meets its wall limit is an internal error (retried, never cached as CE); CPU or memory is CE', async () => {
    const { compiledFromRun } = await import('../../lib/exec/cpp');
    const run = (limit: 'wall' | 'cpu' | 'memory') => ({
      candidate: { exitCode: null, signal: 'SIGKILL', cpuMs: 0, wallMs: 0, memoryKb: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), stdoutTruncated: false, stderrTruncated: false, limit, violation: null },
      judge: null, isolation: {} as never, judgeRecycled: false, internalError: null, compileError: null,
    });
    expect(compiledFromRun(run('wall'), 4096)).toEqual({ internal: expect.stringMatching(/wall limit/) });
    expect(compiledFromRun(run('cpu'), 4096)).toEqual({ ok: false, message: 'compilation exceeded the cpu limit' });
    expect(compiledFromRun(run('memory'), 4096)).toEqual({ ok: false, message: 'compilation exceeded the memory limit' });
  });
});

describe('requests and options', () => {
  it('a cpp program takes stdio tests only and no setup; errors name the field', async () => {
    const ex = new Executor({ concurrency: 1, mode: 'spawn' });
    try {
      await expect(ex.run({ language: 'cpp', code: SUM, tests: [{ type: 'assert', code: 'assert True' }] })).rejects.toThrow(/tests\[0\]\.type .*stdio tests only/);
      await expect(ex.run({ language: 'cpp', code: SUM, setup: 'import os', tests: TESTS })).rejects.toThrow(/setup/);
      await expect(ex.run({ language: 'rust' as 'cpp', code: SUM, tests: TESTS })).rejects.toThrow(/language must be 'python' or 'cpp'/);
    } finally {
      await ex.close();
    }
  });

  it('a compiler that is not there: a given path throws at once; one from VERPO_CXX makes the cells IE saying so', async () => {
    expect(() => new Executor({ cxx: '/nonexistent/g++' })).toThrow(/cxx: .*not an executable file/);
    const saved = process.env.VERPO_CXX;
    process.env.VERPO_CXX = '/nonexistent/g++';
    const ex = new Executor({ concurrency: 1, mode: 'spawn' });
    try {
      const r = await ex.run({ language: 'cpp', code: SUM, tests: TESTS });
      expect(r.tests.map((t) => t.verdict)).toEqual(['IE', 'IE']);
      expect(r.tests[0].detail).toContain('VERPO_CXX');
      // Python programs are unaffected
      const py = await ex.run({ language: 'python', code: 'print(5)', tests: TESTS.slice(0, 1) });
      expect(py.tests[0].verdict).toBe('AC');
    } finally {
      if (saved === undefined) delete process.env.VERPO_CXX;
      else process.env.VERPO_CXX = saved;
      await ex.close();
    }
  });

  it('cxxFlags reach the compiler', async () => {
    const ex = new Executor({ concurrency: 1, mode: 'spawn', cxxFlags: ['-O0', '-std=c++20', '-DVERPO_FLAG=7'] });
    try {
      const code = '#include <cstdio>\nint main(){ printf("%d %d\\n", VERPO_FLAG, __cplusplus >= 202002L); }\n';
      const r = await ex.run({ language: 'cpp', code, tests: [{ type: 'stdio', stdin: '', stdout: '7 1\n' }] });
      expect(r.tests[0].verdict, show(r.tests)).toBe('AC');
    } finally {
      await ex.close();
    }
  });
});

describe('as an unprivileged user', () => {
  it('compiles and judges a C++ program in both modes', () => {
    const wrong = '#include <cstdio>\nint main(){ puts("0"); }\n';
    const { runs } = runUnprivileged(['zygote', 'spawn'], { concurrency: 1 }, [
      { language: 'cpp', code: SUM, tests: TESTS, limits: LIMITS },
      { language: 'cpp', code: wrong, tests: TESTS, limits: LIMITS },
    ]);
    for (const run of runs) {
      expect(run.outcomes[0].tests.map((t) => t.verdict), `${run.mode}: ${show(run.outcomes[0].tests)}`).toEqual(['AC', 'AC']);
      expect(run.outcomes[1].tests.map((t) => t.verdict)).toEqual(['WA', 'WA']);
    }
  }, 240_000);
});
