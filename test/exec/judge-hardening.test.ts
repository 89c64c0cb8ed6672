// Holes a second hostile suite found in the trusted side (issue 17), each checked in both modes: no trusted
// process imports what a program wrote; a program's control-flow exceptions cannot end a test's own
// iteration; replies that are cheap for the program and costly for the judge are refused on the wire; the
// same program gets the same verdict (and output) as plain CPython gives it; exit()/quit() exist.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCase, TestResult } from '../../lib/exec';
import { Executor } from '../../lib/exec/executor';
import { resolvePython } from '../../lib/exec/interpreter';
import { hostCheckedExecutor } from './host';

const assertTest = (code: string): TestCase => ({ type: 'assert', code });
const stdioTest = (stdout: string, stdin = ''): TestCase => ({ type: 'stdio', stdin, stdout, compare: 'exact' });
const show = (ts: TestResult[]) => ts.map((t) => `${t.verdict}: ${t.detail ?? ''}`).join('\n');

/** What plain CPython prints and returns for a program run as a script (with `site`, as `python3 file.py`). */
function plainCPython(code: string): { stdout: string; status: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'verpo-plain-'));
  try {
    const file = path.join(dir, 'solution.py');
    writeFileSync(file, code);
    try {
      return { stdout: execFileSync(resolvePython(), [file], { cwd: dir, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] }), status: 0 };
    } catch (e) {
      const err = e as { stdout: string; status: number };
      return { stdout: err.stdout, status: err.status };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(['zygote', 'spawn'] as const)('%s mode', (mode) => {
  const fixture = hostCheckedExecutor(`judge-${mode}`, {
    concurrency: 2, mode, cache: false, limits: { cpuMs: 5000, wallMs: 20000, memoryMb: 512, outputKb: 1024 },
  });

  describe('no trusted process imports from a place the program can write', () => {
    let marks: string;
    beforeAll(() => {
      marks = mkdtempSync(path.join(tmpdir(), 'verpo-marks-'));
      chmodSync(marks, 0o777);
    });
    afterAll(() => rmSync(marks, { recursive: true, force: true }));

    /** Runs a program that writes fake stdlib modules into its working directory; each fake leaves a mark
     *  (its name, the importing process's boot line and uid) when imported. */
    async function fakeModules(ex: Executor): Promise<void> {
      const fake = [
        'import posix',
        'try:',
        '    _f = posix.open("/proc/self/cmdline", posix.O_RDONLY); _c = posix.read(_f, 4096); posix.close(_f)',
        'except OSError:',
        '    _c = b""',
        '_k = "judge" if b"verpo judge" in _c or b"verpo warm judge" in _c else "zygote" if b"verpo zygote" in _c else ""',
        'if _k:',
        `    posix.close(posix.open("%s/imported-%s-%s-%d" % (${JSON.stringify(marks)}, __name__, _k, posix.getuid()), posix.O_WRONLY | posix.O_CREAT, 0o666))`,
      ].join('\n');
      const names = ['decimal', 'fractions', 'collections', 'traceback', 'importlib', 'math', 'socket', 'json', 're',
        'numbers', 'operator', 'keyword', 'functools', 'copy', 'weakref', 'types', 'enum', 'string', 'typing'];
      const code = [
        'import decimal, fractions, collections',
        `FAKE = ${JSON.stringify(fake + '\n')}`,
        `for _n in ${JSON.stringify(names)}:`,
        '    with open(_n + ".py", "w") as _f:',
        '        _f.write(FAKE)',
        'P = collections.namedtuple("P", "x y")',
        'def d():\n    return decimal.Decimal("1.5")',
        'def fr():\n    return fractions.Fraction(1, 3)',
        'def od():\n    return collections.OrderedDict(a=1)',
        'def p():\n    return P(1, 2)',
        'def boom():\n    raise ValueError("no")',
      ].join('\n') + '\n';
      const tests = [
        assertTest('from decimal import Decimal\nassert d() == Decimal("1.5")'),
        assertTest('from fractions import Fraction\nassert fr() == Fraction(1, 3)'),
        assertTest('import collections\nassert od() == collections.OrderedDict(a=1)'),
        assertTest('assert p() == (1, 2)'),
        assertTest('import math, json, re\nassert math.isclose(1.0, 1.0) and json.loads("[1]") == [1]'),
        assertTest('try:\n    boom()\n    assert False\nexcept ValueError:\n    pass'),
      ];
      const first = await ex.run({ language: 'python', code, tests });
      // a second run in the same slots: the warm judge and zygote have now served a program that wrote them
      const second = await ex.run({ language: 'python', code, tests });
      for (const r of [first, second]) expect(r.tests.map((t) => t.verdict), show(r.tests)).toEqual(tests.map(() => 'AC'));
      // A judge mark is always a trusted import. A zygote mark is one only when made with our own uid while
      // tests run as other uids (as root): a test process is a fork of the zygote and shares its boot line.
      const me = process.getuid?.() ?? -1;
      const trusted = readdirSync(marks).filter((m) => m.includes('-judge-') || (me === 0 && ex.isolation().dropUid && m.endsWith(`-zygote-${me}`)));
      expect(trusted, 'modules a trusted process imported from the program\'s directory').toEqual([]);
    }

    it('modules the judge loads lazily, written into the program\'s working directory, are never imported by it', async () => {
      await fakeModules(fixture.ex);
    });

    it('the same without namespaces, where the program\'s directory is a host directory', async () => {
      const ex = new Executor({ concurrency: 1, mode, cache: false, workRoot: fixture.root, layers: { namespaces: false },
        limits: { cpuMs: 5000, wallMs: 20000, memoryMb: 512, outputKb: 1024 } });
      try {
        await fakeModules(ex);
      } finally {
        await ex.close();
      }
    });

    it('the program itself still finds the modules it wrote in its own directory, as `python solution.py` does', async () => {
      const code = 'with open("helper_mod.py", "w") as f:\n    f.write("X = 41\\n")\nimport helper_mod\ndef x():\n    return helper_mod.X + 1\n';
      const r = await fixture.ex.run({ language: 'python', code, tests: [assertTest('assert x() == 42')] });
      expect(r.tests[0].verdict, show(r.tests)).toBe('AC');
      const s = await fixture.ex.run({ language: 'python', code: 'import sys, os\nprint(sys.path[0] == os.getcwd())\n', tests: [stdioTest('True\n')] });
      expect(s.tests[0].verdict, show(s.tests)).toBe('AC');
    });
  });

  describe('a program\'s exception never acts as control flow in the test', () => {
    it('StopIteration from a proxied call cannot end all(map(...)), zip or filter early', async () => {
      const code = [
        'class Done(StopIteration):\n    pass',
        'def f(x):\n    raise StopIteration',
        'def g(x):\n    if x > 1:\n        raise StopIteration\n    return x',
        'def h(x):\n    raise Done()',
        'def a(x):\n    raise StopAsyncIteration',
      ].join('\n') + '\n';
      const tests = [
        assertTest('assert all(map(f, [1, 2, 3]))'),
        assertTest('assert not list(filter(f, [1, 2]))'),
        assertTest('for got, want in zip(map(g, [1, 2, 3]), [1, 5, 7]):\n    assert got == want'),
        assertTest('assert all(h(x) for x in [1])'),
        assertTest('assert all(map(a, [1]))'),
        assertTest('assert sum(map(f, [1, 2])) == 0'),
      ];
      const r = await fixture.ex.run({ language: 'python', code, tests });
      expect(r.tests.map((t) => t.verdict), show(r.tests)).toEqual(tests.map(() => 'RE'));
      expect(r.tests[0].detail).toMatch(/StopIteration/);
    });

    it('a test that expects the call to raise still catches it as an error', async () => {
      const r = await fixture.ex.run({
        language: 'python', code: 'def f():\n    raise StopIteration\n',
        tests: [assertTest('try:\n    f()\n    assert False\nexcept Exception as e:\n    assert "StopIteration" in str(e)')],
      });
      expect(r.tests[0].verdict, show(r.tests)).toBe('AC');
    });

    it('a reply to a name lookup cannot carry an exception (a forged runner reply is a protocol violation)', async () => {
      // The program rewrites its runner's request handler so that looking up CONST raises StopIteration in
      // the judge: inside map() that would have ended the test's iteration with nothing checked.
      const code = [
        'import sys',
        'CONST = 0',
        'g = sys._getframe(1).f_globals',
        '_real = g["handle"]',
        'def evil(msg, ns, proto):',
        '    if msg.get("op") == "get" and msg.get("name") == "CONST":',
        '        return {"id": msg.get("id"), "ok": False, "exc": {"type": "StopIteration", "mro": ["StopIteration", "Exception", "BaseException"], "msg": ""}}',
        '    return _real(msg, ns, proto)',
        'g["handle"] = evil',
      ].join('\n') + '\n';
      const r = await fixture.ex.run({ language: 'python', code, tests: [assertTest('assert all(map(lambda i: CONST == 1, [1, 2]))')] });
      expect(r.tests[0].verdict, show(r.tests)).not.toBe('AC');
    });
  });

  describe('the judge\'s work per reply is bounded on the wire', () => {
    it('replies that are cheap to make and costly to judge are WA, decided before any arithmetic', async () => {
      const code = [
        'import fractions, collections',
        'M = (1 << 61) - 1',
        'def big():\n    return 1 << (1 << 22)',
        'def collide():\n    return {i * M for i in range(1, 200)}',
        'def frac():\n    return fractions.Fraction((1 << (1 << 22)) + 1, 3)',
        'def classes():\n    return [collections.namedtuple("N%d" % i, "a")(i) for i in range(1000)]',
      ].join('\n') + '\n';
      const tests = [
        assertTest('assert big() == 1'), assertTest('assert len(collide()) == 1'),
        assertTest('assert frac() == 1'), assertTest('assert len(classes()) == 1'),
      ];
      const r = await fixture.ex.run({ language: 'python', code, tests });
      expect(r.tests.map((t) => t.verdict), show(r.tests)).toEqual(tests.map(() => 'WA'));
      for (const t of r.tests) expect(t.detail).toMatch(/malformed reply/);
    });

    it('a large but allowed answer is judged, and a wrong one is described by its size, not its digits', async () => {
      const code = 'def f(n):\n    return 3 ** n\n';
      const r = await fixture.ex.run({
        language: 'python', code,
        tests: [assertTest('assert f(150000) == 3 ** 150000'), assertTest('assert f(150000) == 1'),
          { type: 'call', fn: 'f', args: [150000], expected: 1 }],
      });
      expect(r.tests.map((t) => t.verdict), show(r.tests)).toEqual(['AC', 'WA', 'WA']);
      expect(r.tests[1].detail).toMatch(/<int of \d+ bits>/);
      expect(r.tests[2].detail).toMatch(/<int of \d+ bits>/);
    });
  });

  describe('the same verdict and output as plain CPython', () => {
    const programs: Record<string, string> = {
      'a __del__ that prints at exit': 'class A:\n    def __del__(self):\n        print("bye")\na = A()\nprint("hi")\n',
      'atexit, then a cycle with __del__, then a private global': [
        'import atexit', 'atexit.register(lambda: print("atexit"))',
        'class N:\n    def __init__(self, name):\n        self.name = name\n        self.me = self\n    def __del__(self):\n        print("del", self.name)',
        'x = N("x")', '_y = N("_y")', 'def f():\n    return 1', 'print("body")',
      ].join('\n') + '\n',
      'an uncaught exception, then __del__': 'class A:\n    def __del__(self):\n        print("bye")\na = A()\nprint("hi")\nraise ValueError("boom")\n',
      'sys.exit with a message, then __del__': 'import sys\nclass A:\n    def __del__(self):\n        print("bye")\na = A()\nsys.exit("stop")\n',
      'a non-daemon thread that prints last': 'import threading, time\ndef w():\n    time.sleep(0.05)\n    print("thread")\nthreading.Thread(target=w).start()\nprint("main")\n',
      'exit() and quit() exist, as under site': 'print(1)\nquit() if False else None\nexit(3)\nprint(2)\n',
      'exit() with no code': 'print("x")\nexit()\n',
    };
    for (const [name, code] of Object.entries(programs)) {
      it(name, async () => {
        const plain = plainCPython(code);
        const r = await fixture.ex.run({ language: 'python', code, tests: [stdioTest(plain.stdout)] });
        const t = r.tests[0];
        expect(t.stdout ?? '', show(r.tests)).toBe(plain.stdout);
        expect(t.verdict, show(r.tests)).toBe(plain.status === 0 ? 'AC' : 'RE');
        if (plain.status !== 0) expect(t.exitCode).toBe(plain.status);
      });
    }

    it('exit() inside a function under test ends the program: RE, never AC', async () => {
      const r = await fixture.ex.run({ language: 'python', code: 'def f(x):\n    exit(0)\n', tests: [assertTest('assert f(1) == 2')] });
      expect(r.tests[0].verdict, show(r.tests)).toBe('RE');
    });
  });
});
