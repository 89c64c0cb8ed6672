// Rollout scope (the default): a program's tests share one sandboxed process, and each keeps its own verdict and
// limits. The same programs get the same verdicts in scope test; what a test does to the process (a crash, a
// limit, a child left behind, threads, files, replaced streams) never decides another test's verdict, and the
// process never carries anything into another program's run.
import { describe, expect, it } from 'vitest';
import { compileHarness, pythonDir, ZYGOTE_BOOT } from '../../lib/exec/interpreter';
import { Sandbox, type SandboxSpec } from '../../lib/exec/sandbox';
import type { RunRequest, TestCase, TestResult } from '../../lib/exec';
import { hostCheckedExecutor, kernelAtLeast } from './host';

// A generous wall limit: CPU decides TLE, so a loaded host (a CPU hog beside the suite) changes no verdict here.
const LIMITS = { cpuMs: 1000, wallMs: 30000, memoryMb: 256, outputKb: 64 };
const rollout = hostCheckedExecutor('rollout-scope', { scope: 'rollout', concurrency: 2, cache: false, limits: LIMITS });
const perTest = hostCheckedExecutor('rollout-scope-test', { scope: 'test', concurrency: 2, cache: false, limits: LIMITS });

async function both(req: Omit<RunRequest, 'language'>): Promise<{ r: TestResult[]; t: TestResult[] }> {
  const [r, t] = await Promise.all([rollout.ex.run({ language: 'python', ...req }), perTest.ex.run({ language: 'python', ...req })]);
  return { r: r.tests, t: t.tests };
}
const v = (cells: TestResult[]) => cells.map((c) => c.verdict);
const call = (fn: string, args: unknown[], expected: unknown): TestCase => ({ type: 'call', fn, args, expected });
const stdio = (stdin: string, stdout: string): TestCase => ({ type: 'stdio', stdin, stdout });

describe('rollout scope: per-test verdicts in one process', () => {
  it('a crash, an exception, a limit or an exit in one test decides that test only; the same verdicts as scope test', async () => {
    const code = [
      'import os, sys',
      'def f(x):',
      '    if x == "exit": os._exit(0)',
      '    if x == "raise": raise ValueError(x)',
      '    if x == "sysexit": sys.exit(3)',
      '    if x == "spin":',
      '        while True: pass',
      '    if x == "mem":',
      '        xs = []',
      '        while True: xs.append(bytearray(1 << 24))',
      '    if x == "segv":',
      '        import ctypes; ctypes.string_at(0)',
      '    return x',
    ].join('\n');
    const xs = ['a', 'exit', 'b', 'raise', 'c', 'sysexit', 'd', 'spin', 'e', 'mem', 'f', 'segv', 'g'];
    const tests = xs.map((x) => call('f', [x], x));
    // (a small memory limit and a large CPU limit: reaching the memory limit costs page faults, ~12 us each on a slow host)
    const { r, t } = await both({ code, tests, limits: { memoryMb: 64, cpuMs: 2000, wallMs: 60000 } });
    expect(v(r)).toEqual(['AC', 'RE', 'AC', 'RE', 'AC', 'RE', 'AC', 'TLE', 'AC', 'MLE', 'AC', 'RE', 'AC']);
    expect(v(r)).toEqual(v(t));
    expect(r[7].limit).toBe('cpu');
  });

  it('each test has its own CPU limit: tests that each use most of it all pass, one past it is TLE', async () => {
    const code = 'import time\ndef burn(s):\n    end = time.process_time() + s\n    while time.process_time() < end: pass\n    return 1\n';
    const tests = [0.6, 0.6, 0.6, 1.5, 0.6].map((s) => call('burn', [s], 1));
    const { r, t } = await both({ code, tests });
    expect(v(r)).toEqual(['AC', 'AC', 'AC', 'TLE', 'AC']);
    expect(v(t)).toEqual(v(r));
    for (const c of [r[0], r[1], r[2], r[4]]) expect(c.cpuMs).toBeLessThan(LIMITS.cpuMs);
  });

  it('CPU a child used in one test cannot be taken out of a later test\'s count: past the limit is TLE', async () => {
    // test 0 leaves a child that burns CPU and then exits unreaped in test 1, which itself spins past the limit
    const code = [
      'import os, time',
      'def burn(s):',
      '    end = time.process_time() + s',
      '    while time.process_time() < end: pass',
      'def f(i):',
      '    if i == 0:',
      '        if os.fork() == 0:',
      '            burn(0.8)',
      '            time.sleep(0.3)',
      '            os._exit(0)',
      '        return 1',
      '    burn(1.6)',
      '    return 1',
    ].join('\n');
    const { r } = await both({ code, tests: [call('f', [0], 1), call('f', [1], 1)] });
    expect(v(r)).toEqual(['AC', 'TLE']);
  });

  it('output excerpts are per test; the top level\'s prints belong to the first test', async () => {
    const code = 'print("top")\ndef f(x):\n    print("in", x)\n    return x\n';
    const { r } = await both({ code, tests: [call('f', [1], 1), call('f', [2], 2), call('f', [3], 3)] });
    expect(r.map((c) => c.stdout?.trim())).toEqual(['top\nin 1', 'in 2', 'in 3']);
  });

  it("a later test sees the program's names as an earlier test left them (rebound, new, no longer callable); scope test starts over", async () => {
    // The program sends its top-level names again with each reply after which they changed, and the judge keeps the
    // last of them for the process's next test (or asks, `hello`): what a test sees is the program's module as the
    // tests before it left it, in this process only.
    const code = [
      'def f():',
      '    return 1',
      'h = None',
      'def k():',
      '    return 4',
      'def change():',
      '    global f, g, h, k',
      '    f = lambda: 2',
      '    g = lambda: 3',
      '    h = 5',
      '    k = 7',
      '    return 0',
    ].join('\n');
    const tests: TestCase[] = [
      { type: 'assert', code: 'assert f() == 1\nassert change() == 0\nassert f() == 2' },
      { type: 'assert', code: 'assert k == 7\nassert h == 5\nassert f() == 2\nassert g() == 3' },
      { type: 'assert', code: 'assert f() == 1' },
      { type: 'assert', code: 'assert h is None\nassert k() == 4' },
    ];
    const { r, t } = await both({ code, tests });
    expect(v(r), JSON.stringify(r.map((c) => c.detail))).toEqual(['AC', 'AC', 'WA', 'WA']);
    expect(v(t), JSON.stringify(t.map((c) => c.detail))).toEqual(['AC', 'WA', 'AC', 'AC']);
  });

  it("names the program changes while its output is flushed (its own stream's flush) are the next test's; a list too long for a reply is asked for", async () => {
    const code = [
      'import sys',
      'calls = []',
      'class Out:',
      '    def __init__(self, w): self.w = w',
      '    def write(self, s): return self.w.write(s)',
      '    def flush(self):',
      '        global f',
      '        if calls: f = 3',
      '        return self.w.flush()',
      'def f():',
      '    calls.append(1)',
      '    return 1',
      'sys.stdout = Out(sys.stdout)',
    ].join('\n');
    const tests: TestCase[] = [{ type: 'assert', code: 'assert f() == 1' }, { type: 'assert', code: 'assert f == 3' }];
    const { r, t } = await both({ code, tests });
    expect(v(r), JSON.stringify(r.map((c) => c.detail))).toEqual(['AC', 'AC']);
    expect(v(t)).toEqual(['AC', 'WA']);
    // names too long to ride on a reply: the next test asks for them
    const many = [
      'def make():',
      '    for i in range(300):',
      '        globals()["a_rather_long_function_name_%d" % i] = lambda i=i: i',
      '    global g',
      '    g = 7',
      '    return 0',
      'def g():',
      '    return 1',
    ].join('\n');
    const { r: r2 } = await both({ code: many, tests: [{ type: 'assert', code: 'assert make() == 0' }, { type: 'assert', code: 'assert g == 7\nassert a_rather_long_function_name_5() == 5' }] });
    expect(v(r2), JSON.stringify(r2.map((c) => c.detail))).toEqual(['AC', 'AC']);
  });

  it('a thread that ends the process after its test answered: the next test runs in a fresh process', async () => {
    const code = 'import os, threading, time\ndef f():\n    threading.Thread(target=lambda: (time.sleep(0.02), os._exit(0))).start()\n    return 1\n';
    const { r } = await both({ code, tests: [call('f', [], 1), call('f', [], 1), call('f', [], 1), call('f', [], 1)] });
    for (const c of r) expect(['AC', 'RE']).toContain(c.verdict);
    expect(r[0].verdict).toBe('AC');
  });

  it('files a test writes stay for the next test of the same program only; one at the file limit is OLE', async () => {
    const code = [
      'import os',
      'def put():',
      '    open("note", "w").write("x")',
      '    return 1',
      'def get():',
      '    return os.path.exists("note")',
      'def big():',
      '    with open("big", "wb") as f:',
      '        while True: f.write(b"x" * (1 << 20))',
    ].join('\n');
    const tests = [call('put', [], 1), call('get', [], true), call('big', [], 1), call('get', [], false)];
    const { r, t } = await both({ code, tests });
    expect(v(r)).toEqual(['AC', 'AC', 'OLE', 'AC']);  // after the OLE the process is a fresh one, its files gone
    expect(v(t)).toEqual(['AC', 'WA', 'OLE', 'AC']);
    const again = await rollout.ex.run({ language: 'python', code: `${code}\n# another run`, tests: [call('get', [], false), call('get', [], false)] });
    expect(v(again.tests)).toEqual(['AC', 'AC']);
  });
});

describe('rollout scope: stdio tests run the program again in the same process', () => {
  const sums = [stdio('1 2\n', '3\n'), stdio('10 20\n', '30\n'), stdio('-5 5\n', '0\n'), stdio('7 8\n', '15\n')];

  it('each test gets its own stdin and stdout; exit statuses and exceptions are per test', async () => {
    const code = 'import sys\na, b = map(int, sys.stdin.read().split())\nif a == 10: sys.exit(3)\nif a == -5: raise KeyError(a)\nprint(a + b)\n';
    const { r, t } = await both({ code, tests: sums });
    expect(v(r)).toEqual(['AC', 'RE', 'RE', 'AC']);
    expect(v(t)).toEqual(v(r));
    expect(r[1].exitCode).toBe(3);
    expect(r[2].stderr).toContain('KeyError');
  });

  it('programs that keep a file object on fd 0 or 1, replace sys.stdout, or print at exit: AC on every test', async () => {
    const programs = [
      'input = open(0).readline\na, b = map(int, input().split())\nprint(a + b)\n',
      'import sys\nsys.stdout = open(1, "w")\na, b = map(int, input().split())\nprint(a + b)\n',
      'import sys, io, atexit\nout = io.StringIO()\natexit.register(lambda: sys.__stdout__.write(out.getvalue()))\na, b = map(int, input().split())\nout.write(f"{a + b}\\n")\n',
      'import os\na, b = map(int, os.read(0, 100).split())\nos.write(1, f"{a + b}\\n".encode())\n',
      'import sys\nclass Late:\n    def __del__(self):\n        print(a + b)\na, b = map(int, input().split())\nkeep = Late()\n',
    ];
    for (const code of programs) {
      const { r, t } = await both({ code, tests: sums });
      expect(v(r), code).toEqual(['AC', 'AC', 'AC', 'AC']);
      expect(v(t), code).toEqual(['AC', 'AC', 'AC', 'AC']);
    }
  });

  it('a program that leaves threads (a pool never shut down) is AC: it ends as a process ends, the next test starts fresh', async () => {
    const code = 'from concurrent.futures import ThreadPoolExecutor\npool = ThreadPoolExecutor(2)\na, b = map(int, input().split())\nprint(pool.submit(lambda: a + b).result())\n';
    const { r, t } = await both({ code, tests: sums });
    expect(v(r)).toEqual(['AC', 'AC', 'AC', 'AC']);
    expect(v(t)).toEqual(v(r));
  });

  it('a program that does not compile is CE with the compiler\'s message in both scopes; scope rollout spends one process on it', async () => {
    const code = 'a, b = map(int, input().split())\nprint((a + b)\n';
    for (const tests of [sums, sums.slice(0, 1)]) {
      const runs = [];
      for (const fx of [rollout, perTest]) {
        const before = fx.ex.counters().executions;
        const res = await fx.ex.run({ language: 'python', code, tests });
        runs.push(res);
        // scope test: the syntax check alone; scope rollout: the first test's process, which compiles before it runs
        expect(fx.ex.counters().executions - before).toBe(1);
      }
      const [r, t] = runs;
      expect(v(r.tests)).toEqual(tests.map(() => 'CE'));
      expect(r.compile.ok).toBe(false);
      expect(r.compile.message).toMatch(/SyntaxError: '\(' was never closed \(solution\.py, line 2\)/);
      expect(r.compile.message).toBe(t.compile.message);
      expect(r.tests[0].detail).toBe(t.tests[0].detail);
    }
    // a compiler's message longer than the test's output limit: still CE (the harness reports before it writes it)
    const long = await both({ code: `x = (${'1 + '.repeat(3000)}\n`, tests: sums.slice(0, 2), limits: { outputKb: 1 } });
    expect(v(long.r)).toEqual(['CE', 'CE']);
    expect(v(long.t)).toEqual(['CE', 'CE']);
  });

  it('setup code that does not compile is IE on every test, never the program\'s CE: the same words in both scopes, one process, no retry', async () => {
    const code = 'def f(x):\n    return x\nprint(sum(map(int, input().split())))\n';
    for (const tests of [sums, [call('f', [1], 1), call('f', [2], 2)], [call('f', [1], 1), sums[0]]]) {
      const out = [];
      for (const fx of [rollout, perTest]) {
        const before = fx.ex.counters().executions;
        out.push((await fx.ex.run({ language: 'python', code, setup: 'import (\n', tests })).tests);
        // scope test: the syntax check; scope rollout: the first process of each kind, which stops there
        expect(fx.ex.counters().executions - before).toBe(fx.ex.scope === 'test' ? 1 : new Set(tests.map((x) => x.type === 'stdio')).size);
      }
      const [r, t] = out;
      expect(v(r)).toEqual(tests.map(() => 'IE'));
      expect(r.map((c) => c.detail)).toEqual(t.map((c) => c.detail));
      expect(r[0].detail).toMatch(/^setup code does not compile: SyntaxError: .*\(setup\.py, line 1\)/);
      expect(r.every((c) => c.retries === undefined)).toBe(true);
    }
  });

  it('only the harness says CE: a program that prints a SyntaxError and exits 1 is RE, one that writes to every fd is WA', async () => {
    const fake = 'import sys\nsys.stderr.write("  File \\"solution.py\\", line 1\\nSyntaxError: invalid syntax\\n")\nsys.exit(1)\n';
    const { r, t } = await both({ code: fake, tests: sums });
    expect(v(r)).toEqual(['RE', 'RE', 'RE', 'RE']);
    expect(v(t)).toEqual(v(r));
    // the report pipe is closed before the program's first line: writing the harness's word on every descriptor
    // past the channel changes nothing (fd 3, the stdio rollout's channel, is the runner's: garbage there ends the
    // process, as the program's fault, RE; never CE)
    const scribble = (from: number) => `import os, sys\nfor fd in range(${from}, 256):\n    try:\n        os.write(fd, b"compile:program")\n    except OSError:\n        pass\nprint(sum(map(int, sys.stdin.read().split())))\n`;
    const s = await both({ code: scribble(4), tests: sums });
    expect(v(s.r)).toEqual(['AC', 'AC', 'AC', 'AC']);
    expect(v(s.t)).toEqual(v(s.r));
    const onChannel = await both({ code: scribble(3), tests: sums });
    expect(v(onChannel.r)).toEqual(['RE', 'RE', 'RE', 'RE']);
    expect(v(onChannel.t)).toEqual(['AC', 'AC', 'AC', 'AC']);
  });

  it('a one-test stdio request runs in one process: the program compiled by the harness before it runs', async () => {
    const before = rollout.ex.counters().executions;
    const res = await rollout.ex.run({ language: 'python', code: 'import sys\nprint(sum(map(int, sys.stdin.read().split())))\n', tests: sums.slice(0, 1) });
    expect(v(res.tests)).toEqual(['AC']);
    expect(rollout.ex.counters().executions - before).toBe(1);
    // its errors keep the program's file and line numbers
    const err = await rollout.ex.run({ language: 'python', code: 'x = 1\nraise ValueError("line two")\n', tests: sums.slice(0, 1) });
    expect(err.tests[0].verdict).toBe('RE');
    expect(err.tests[0].stderr).toMatch(/solution\.py", line 2/);
  });

  it('a program that closes its control socket gets its next tests in fresh processes', async () => {
    const code = 'import os\ntry:\n    os.close(3)\nexcept OSError:\n    pass\na, b = map(int, input().split())\nprint(a + b)\n';
    const { r } = await both({ code, tests: sums });
    expect(v(r)).toEqual(['AC', 'AC', 'AC', 'AC']);
  });
});

describe('start-up messages a program forges on the channel from its top level', () => {
  it('"the setup does not compile" is WA, never an IE a trainer might mask; "the program does not compile" is CE on every test', async () => {
    const forge = (where: string) => `import os\nos.write(3, b'{"op":"compile_error","where":"${where}","message":"forged"}\\n')\ndef f(x):\n    return x\n`;
    const tests = [1, 2, 3].map((x) => call('f', [x], x));
    for (const setup of ['X = 1\n', undefined]) {
      const { r, t } = await both({ code: forge('setup'), setup, tests });
      expect(v(r)).toEqual(['WA', 'WA', 'WA']);
      expect(v(t)).toEqual(v(r));
      expect(r[0].detail).toBe('unexpected start-up message from the program');
    }
    // (and past the size that compiles in its process, where a syntax check passed first: no test is left IE)
    for (const code of [forge('program'), `${forge('program')}#${'x'.repeat(70_000)}\n`]) {
      const { r, t } = await both({ code, tests });
      expect(v(r)).toEqual(['CE', 'CE', 'CE']);
      expect(v(t)).toEqual(v(r));
    }
  });
});

describe('stopAfterFailure: the tests after the first failing one are not run', () => {
  it('SKIPPED after the first test that is not AC, in both scopes; in scope rollout the supervisor stops the process', async () => {
    const code = 'def f(x):\n    return 0 if x == 2 else x\n';
    const tests = [1, 2, 3, 4, 5].map((x) => call('f', [x], x));
    for (const fx of [rollout, perTest]) {
      const before = fx.ex.counters().executions;
      const res = await fx.ex.run({ language: 'python', code, tests, stopAfterFailure: true });
      expect(v(res.tests)).toEqual(['AC', 'WA', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
      // two tests ran (scope test: and the syntax check)
      expect(fx.ex.counters().executions - before).toBe(fx.ex.scope === 'rollout' ? 2 : 3);
    }
    const { r } = await both({ code: 'x = int(input())\nprint(x if x != 2 else 0)\n', tests: [stdio('1', '1'), stdio('2', '2'), stdio('3', '3')], stopAfterFailure: true });
    expect(v(r)).toEqual(['AC', 'WA', 'SKIPPED']);
    const all = await rollout.ex.run({ language: 'python', code, tests: [call('f', [1], 1), call('f', [3], 3)], stopAfterFailure: true });
    expect(v(all.tests)).toEqual(['AC', 'AC']);
  });
});

describe('runRollout refuses specs that are not one program', () => {
  it('different files, limits or judge are a TypeError naming the test; so is a bad stdin', async () => {
    const sb = new Sandbox({ concurrency: 1 });
    try {
      const spec = (code: string, cpuMs: number) => ({
        candidate: { argv: ['/bin/true'], env: {}, stdin: '' }, files: { 'solution.py': code }, limits: { ...LIMITS, cpuMs },
        zygote: { init: Buffer.from('x'), mode: 'stdio' as const },
      });
      await expect(sb.runRollout([spec('a', 1000), spec('b', 1000)])).rejects.toThrow(/test 1 of the rollout is not a run of the same program/);
      await expect(sb.runRollout([spec('a', 1000), spec('a', 2000)])).rejects.toThrow(/test 1 of the rollout/);
      // the native call takes test 0's spec for them all: nothing but the stdins may differ, judge included
      const judged = (argv: string[]) => ({ ...spec('a', 1000), judge: { argv, env: {}, stdin: 't' }, zygote: { init: Buffer.from('x'), mode: 'serve' as const, judgeInit: Buffer.from('j') } });
      await expect(sb.runRollout([judged(['/bin/true']), judged(['/bin/false'])])).rejects.toThrow(/specs\[1\]: test 1 of the rollout/);
      await expect(sb.runRollout([judged(['/bin/true']), spec('a', 1000)])).rejects.toThrow(/specs\[1\]: test 1 of the rollout/);
      // the same objects but a stdin that is neither a string nor a Buffer
      const shared = spec('a', 1000);
      await expect(sb.runRollout([shared, { ...shared, candidate: { ...shared.candidate, stdin: 7 as unknown as string } }])).rejects.toThrow(/specs\[1\]\.candidate\.stdin must be a Buffer or a string/);
    } finally {
      await sb.close();
    }
  });
});

describe('the write set: pages of the zygote its processes write, learned from earlier ones and copied at once after the fork', () => {
  it('later rollouts of a slot are forked with it (none before it is learned); what programs print is unchanged', async () => {
    const python = rollout.ex.python;
    const sb = new Sandbox({ concurrency: 1, workRoot: rollout.root });
    try {
      const spec = (stdin: string): SandboxSpec => ({
        candidate: { argv: [python, '-S', '-s', '-B', '-c', ZYGOTE_BOOT], env: { PATH: '/usr/bin:/bin' }, stdin },
        files: { 'solution.py': 'import sys\nxs = [int(x) for x in sys.stdin.read().split()]\nprint(sum(xs), sorted(xs))\n' },
        zygote: { init: compileHarness(python, pythonDir()).zygote, mode: 'stdio' },
        limits: LIMITS,
      });
      const pages: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await sb.runRollout([spec(`${i} 2 1`), spec(`5 ${i}`), spec('')]);
        expect(res.map((r) => r.internalError)).toEqual([null, null, null]);
        expect(res[2].isolation).toBe(res[0].isolation);  // one policy, one report object for the rollout
        expect(res.map((r) => r.candidate.stdout.toString())).toEqual([`${i + 3} ${JSON.stringify([1, 2, i].sort((a, b) => a - b)).replace(/,/g, ', ')}\n`, `${5 + i} ${JSON.stringify([5, i].sort((a, b) => a - b)).replace(/,/g, ', ')}\n`, '0 []\n']);
        pages.push(res[2].candidate.writeSetPages);  // reported with the test in which the process ended
      }
      expect(pages[0]).toBe(0);  // nothing learned yet
      // MADV_POPULATE_WRITE is Linux >= 5.14; without it the fork server keeps no set.
      if (kernelAtLeast(5, 14)) expect(pages[pages.length - 1]).toBeGreaterThan(20);
      else expect(pages.every((p) => p === 0)).toBe(true);
    } finally {
      await sb.close();
    }
  });
});
