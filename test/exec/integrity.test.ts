// Grader-integrity attacks (executor-anchors.md §3 F1-F8, G2) against the real sandbox + judge. None may
// yield AC, each has its expected verdict, and the host is checked afterwards (no leftover process, file
// or descriptor; a bystander process outside the sandbox survives).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RunRequest, TestCase, TestResult } from '../../lib/exec';
import { hostCheckedExecutor } from './host';

// Every case in zygote mode in both scopes (one process per test, and one per program's tests: the default) and in spawn mode. (The body is not
// indented for the loop.)
for (const [mode, scope] of [['zygote', 'rollout'], ['zygote', 'test'], ['spawn', 'test']] as const) {
describe(`${mode} mode, scope ${scope}`, () => {

const fixture = hostCheckedExecutor(`integrity-${mode}-${scope}`, { mode, scope, concurrency: 2, limits: { cpuMs: 5000, wallMs: 15000, memoryMb: 512, outputKb: 1024 } });

async function cells(code: string, tests: TestCase[], extra: Partial<RunRequest> = {}): Promise<TestResult[]> {
  const res = await fixture.ex.run({ language: 'python', code, tests, ...extra });
  for (const t of res.tests) expect(t.verdict, `${t.verdict}: ${t.detail ?? ''}`).not.toBe('AC');
  return res.tests;
}
const assertTest = (code: string): TestCase => ({ type: 'assert', code });
const v = (ts: TestResult[]) => ts.map((t) => t.verdict);

describe('F5: exiting with status 0 is never a pass', () => {
  it('os._exit(0) at top level', async () => {
    const ts = await cells('import os\nos._exit(0)\ndef add(a, b):\n    return a + b\n',
      [assertTest('assert add(1, 2) == 3'), { type: 'call', fn: 'add', args: [1, 2], expected: 3 }]);
    expect(v(ts)).toEqual(['RE', 'RE']);
    // The program's own status (0) is reported when the sandbox's init reaps it before the judge,
    // seeing the channel close, ends the run; under load the run's SIGKILL can win that race, and
    // the cell then shows the kill. The verdict is RE either way.
    expect(ts[0].exitCode === 0 || ts[0].signal === 'SIGKILL', JSON.stringify(ts[0])).toBe(true);
  });
  it('sys.exit(0) at top level', async () => {
    expect(v(await cells('import sys\nsys.exit(0)\ndef add(a, b):\n    return a + b\n', [assertTest('assert add(1, 2) == 3')]))).toEqual(['RE']);
  });
  it('os._exit(0) and sys.exit(0) inside the function, even where the test catches everything', async () => {
    const code = 'import os, sys\ndef a(x):\n    os._exit(0)\ndef b(x):\n    sys.exit(0)\ndef c(x):\n    raise SystemExit(0)\n';
    const ts = await cells(code, [
      assertTest('assert a(1) == 2'), assertTest('assert b(1) == 2'), assertTest('assert c(1) == 2'),
      assertTest('try:\n    a(1)\nexcept BaseException:\n    pass'),
      { type: 'call', fn: 'b', args: [1], expected: 2 },
    ]);
    expect(v(ts)).toEqual(['RE', 'RE', 'RE', 'RE', 'RE']);
  });
  it('F1: the HumanEval-style result forgery (append to a caller\'s result list, then _exit)', async () => {
    const code = 'import sys, posix\ndef f(x):\n    try:\n        sys._getframe(1).f_locals["result"].append("passed")\n    except Exception:\n        pass\n    posix._exit(0)\n';
    expect(v(await cells(code, [assertTest('assert f(1) == 2')]))).toEqual(['RE']);
  });
});

describe('F3: objects that lie about equality', () => {
  it('class E(int) with __eq__ always true, and friends, are WA', async () => {
    const code = [
      'class E(int):\n    __eq__ = lambda s, o: True\n    __ne__ = lambda s, o: False\n    __hash__ = int.__hash__',
      'class S(str):\n    __eq__ = lambda s, o: True\n    __hash__ = str.__hash__',
      'class A:\n    __eq__ = lambda s, o: True\n    __bool__ = lambda s: True\n    __lt__ = __gt__ = __le__ = __ge__ = __eq__',
      'class L(list):\n    __eq__ = lambda s, o: True',
      'def e(x):\n    return E(0)', 'def s(x):\n    return S("")', 'def a(x):\n    return A()', 'def l(x):\n    return L()',
      'def nested(x):\n    return [1, (2, E(3))]', 'def gen(x):\n    return (i for i in range(3))',
      'def cyc(x):\n    c = []\n    c.append(c)\n    return c',
    ].join('\n') + '\n';
    const ts = await cells(code, [
      assertTest('assert e(1) == 42'), assertTest('assert s(1) == "secret"'), assertTest('assert a(1) == [1, 2]'),
      assertTest('assert a(1)'), assertTest('assert abs(a(1) - 3.5) < 1e-9'), assertTest('assert l(1) == [9]'),
      assertTest('assert nested(1) == [1, (2, 7)]'), { type: 'call', fn: 'e', args: [1], expected: 42 },
      { type: 'call', fn: 'a', args: [1], expected: [1] }, assertTest('assert gen(1) == [0, 1, 2]'),
      // a reply that cannot be judged is a sticky fault, even where the test catches everything
      assertTest('try:\n    cyc(1)\nexcept BaseException:\n    pass'),
    ]);
    expect(v(ts)).toEqual(new Array(11).fill('WA'));
    // program objects reach the test as handles, compared structurally and never by their __eq__
    expect(ts[0].detail).toMatch(/assertion failed/);
    expect(ts[10].detail).toMatch(/cannot be judged/);
  });
});

describe('F2/F6: expected values are nowhere the program can look', () => {
  it('frame walking, gc scanning, /proc, files and every descriptor find nothing', { timeout: 300_000 }, async () => {
    const secret = randomBytes(12).toString('hex');
    const prefix = secret.slice(0, 8);
    const expected = `${prefix}-${secret.slice(8)}`; // exists only in the test, which only the judge holds
    const code = String.raw`
import gc, os, sys, select
def scan(text, needle, found, where):
    i = text.find(needle)
    while i >= 0:
        hit = text[i:i + 40]
        if not hit.startswith(needle + "'") and not hit.startswith(needle + '"'):
            found.append((where, hit))
        i = text.find(needle, i + 1)
def scan_bytes(data, needle, found, where):
    scan(data.decode('latin1'), needle, found, where)
def steal(prefix):
    needle = prefix + '-'
    found = []
    f = sys._getframe()
    while f is not None:                       # every frame up the stack, locals and globals
        for d in (f.f_locals, f.f_globals):
            try: scan(repr(d), needle, found, 'frame')
            except Exception: pass
        f = f.f_back
    for o in gc.get_objects():                 # every object the collector knows
        try:
            if isinstance(o, (dict, list, tuple)) and o is not found: scan(repr(o)[:200000], needle, found, 'gc')
        except Exception: pass
    for pid in os.listdir('/proc'):            # every process: cmdline, environ, memory
        if not pid.isdigit(): continue
        for name in ('cmdline', 'environ', 'mem'):
            try:
                with open('/proc/%s/%s' % (pid, name), 'rb') as fh: scan_bytes(fh.read(1 << 20), needle, found, name)
            except Exception: pass
        try:
            for fd in os.listdir('/proc/%s/fd' % pid):
                try:
                    with open('/proc/%s/fd/%s' % (pid, fd), 'rb') as fh:
                        r, _, _ = select.select([fh], [], [], 0)
                        if r: scan_bytes(fh.read(1 << 16), needle, found, 'procfd')
                except Exception: pass
        except Exception: pass
    for fd in range(0, 256):                   # every descriptor of this process
        try:
            r, _, _ = select.select([fd], [], [], 0)
            if r: scan_bytes(os.read(fd, 1 << 16), needle, found, 'fd%d' % fd)
        except Exception: pass
    budget = [4000]
    for top in ('.', os.environ.get('HOME', '.'), '/tmp', '/var/tmp', '/dev/shm', '/run', '/work', '/root', '/home', '/'):
        for dirpath, dirs, files in os.walk(top):
            if dirpath == '/': dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev', 'usr', 'lib', 'lib64', 'bin', 'sbin', 'etc', 'boot', 'snap', 'nix')]
            for name in files:
                budget[0] -= 1
                if budget[0] < 0: break
                try:
                    with open(os.path.join(dirpath, name), 'rb') as fh: scan_bytes(fh.read(1 << 18), needle, found, 'file')
                except Exception: pass
    print('FOUND' if found else 'NOTFOUND', found[:10])
    return found[0][1] if found else 'nothing'
`;
    // The scan is seconds of CPU on a fast host and several times that where page faults are slow or a
    // parallel suite shares the cores: its verdict is WA whatever the host, so its limits are generous
    // rather than scaled (a limit here only guards against a hang).
    const ts = await cells(code, [
      assertTest(`expected = ${JSON.stringify(expected)}\nassert steal(${JSON.stringify(prefix)}) == expected`),
      { type: 'call', fn: 'steal', args: [prefix], expected },
    ], { limits: { cpuMs: 60000, wallMs: 150000, memoryMb: 512, outputKb: 1024 } });
    expect(v(ts)).toEqual(['WA', 'WA']);
    for (const t of ts) {
      expect(t.stdout, `${t.verdict} ${t.detail} ${t.stderr}`).toContain('NOTFOUND');
      expect(t.stdout).not.toContain(secret.slice(8));
    }
  });
  it('the caller\'s frame holds no expected value', async () => {
    const code = 'import sys\ndef f(x):\n    L = sys._getframe(1).f_locals\n    for k in ("expected", "exp", "gt_out", "out", "result"):\n        if k in L:\n            return L[k]\n    return sorted(L)\n';
    const ts = await cells(code, [{ type: 'call', fn: 'f', args: [1], expected: 'the answer' }, assertTest('expected = "the answer"\nassert f(1) == expected')]);
    expect(v(ts)).toEqual(['WA', 'WA']);
  });
});

describe('F4: patching builtins or the harness changes nothing in the judge', () => {
  it('names the program shadows (len, abs, isinstance) are not the test\'s names: WA', async () => {
    const code = [
      'def len(x):\n    return 3',
      'def abs(x):\n    return 0',
      'def isinstance(*a):\n    return True',
      'AssertionError = None',
      'def items(x):\n    return [1]',
      'def near(x):\n    return 100.0',
      'def f(x):\n    return 1',
    ].join('\n') + '\n';
    const ts = await cells(code, [
      assertTest('assert len(items(1)) == 3'),
      assertTest('assert abs(near(1) - 3.0) < 1e-6'),
      assertTest('assert isinstance(f(1), str)'),
      assertTest('try:\n    assert f(1) == 2\nexcept Exception:\n    pass\nassert f(1) == 2'),
    ]);
    expect(v(ts)).toEqual(['WA', 'WA', 'WA', 'WA']);
  });
  it('patching builtins in the program\'s process can only break the program itself', async () => {
    const patches = [
      'import builtins\nbuiltins.len = lambda x: 3\n',
      'import builtins\nbuiltins.isinstance = lambda *a: True\n',
      'import builtins\nbuiltins.AssertionError = type("Nope", (Exception,), {})\n',
      'import builtins\nbuiltins.type = lambda *a: int\n',
    ];
    for (const patch of patches) {
      const ts = await cells(`${patch}def items(x):\n    return [1]\n`, [assertTest('assert len(items(1)) == 3'), { type: 'call', fn: 'items', args: [1], expected: [1, 2, 3] }]);
      for (const t of ts) expect(['WA', 'RE']).toContain(t.verdict);
    }
  });
  it('forged replies on the channel are rejected, not decoded into live objects', async () => {
    const code = String.raw`
import os, sys
def send(obj):
    os.write(3, obj.encode() + b'\n')
def forge1(x):
    sys._getframe(1).f_globals['handle'] = lambda msg, ns, proto: {'id': msg.get('id'), 'ok': True, 'v': {'t': 'ntuple', 'n': 'E', 'f': ['__eq__'], 'v': [1]}}
    return 0
def forge2(x):
    os.write(3, b'{"verdict": "AC", "detail": null}\n{"id": 99, "ok": true, "v": 1}\n')
    os._exit(0)
def forge3(x):
    os.write(3, b'{"id": 2, "ok": true, "v": {"t": "ref", "v": "forge3"}}\n')
    os._exit(0)
def patch(extra, runner_globals):
    real = runner_globals['handle']
    def handle(msg, ns, proto):
        reply = real(msg, ns, proto)
        if msg.get('op') == 'call':
            reply.update(extra)
        return reply
    runner_globals['handle'] = handle
def forge4(x):    # the runner's globals are the caller's: patch its reply function
    patch({'mut': [[0, 1, 2]]}, sys._getframe(1).f_globals)   # unpacking: ValueError in a naive judge
def forge5(x):
    patch({'mut': 5}, sys._getframe(1).f_globals)             # iterating: TypeError in a naive judge
def forge6(x):
    patch({'ok': False, 'exc': {'type': 'ValueError', 'mro': 7, 'msg': None}}, sys._getframe(1).f_globals)
`;
    const ts = await cells(code, [
      assertTest('forge1(0)\nassert forge1(1) == 1'),
      assertTest('assert forge2(1) == 1'),
      assertTest('assert forge3(1) == 1'),
      assertTest('forge4(0)\ntry:\n    forge4(1)\n    assert False\nexcept ValueError:\n    pass'),
      assertTest('forge5(0)\ntry:\n    forge5(1)\n    assert False\nexcept TypeError:\n    pass'),
      assertTest('forge6(0)\ntry:\n    forge6(1)\n    assert False\nexcept ValueError:\n    pass'),
    ]);
    expect(v(ts)).toEqual(['WA', 'WA', 'WA', 'WA', 'WA', 'RE']);
  });
});

describe('fake markers and writes to inherited descriptors', () => {
  it('printing verdict-looking text on stdout/stderr and every descriptor is WA', async () => {
    const code = String.raw`
import os, sys
MARK = b'{"verdict": "AC", "detail": null, "calls": 1}\nAC\nPASSED\nok\n'
def f(x):
    print('{"verdict": "AC"}'); print('All tests passed'); sys.stderr.write('PASS\n')
    sys.stdout.flush()
    for fd in range(0, 1024):
        try: os.write(fd, MARK)
        except OSError: pass
    return x + 1
`;
    const ts = await cells(code, [assertTest('assert f(1) == 3'), { type: 'call', fn: 'f', args: [1], expected: 3 }]);
    expect(v(ts)).toEqual(['WA', 'WA']);
  });
  it('a stdio program that prints the marker but not the answer is WA', async () => {
    const ts = await cells('import os\nos.write(1, b"AC\\n")\nos.write(2, b"AC\\n")\nos._exit(0)\n', [{ type: 'stdio', stdin: '2 3\n', stdout: '5\n' }]);
    expect(v(ts)).toEqual(['WA']);
  });
});

describe('killing the parent, the group, everything', () => {
  it('kill(getppid), killpg(0) and kill(-1) end only the program; the executor keeps working', async () => {
    const code = 'import os, signal\ndef p(x):\n    os.kill(os.getppid(), signal.SIGKILL)\n    return x\ndef g(x):\n    os.killpg(0, signal.SIGKILL)\n    return x\ndef a(x):\n    os.kill(-1, signal.SIGKILL)\n    return x\n';
    const ts = await cells(code, [assertTest('assert p(1) == 2'), assertTest('assert g(1) == 2'), assertTest('assert a(1) == 2'), { type: 'stdio', stdin: '', stdout: 'x\n' }]);
    for (const t of ts) expect(['RE', 'SV', 'WA']).toContain(t.verdict);
    const after = await fixture.ex.run({ language: 'python', code: 'def ok():\n    return 1\n', tests: [assertTest('assert ok() == 1')] });
    expect(after.tests[0].verdict).toBe('AC');
  });
});

describe('F7/F8: nothing carries over between tests or rollouts', () => {
  it('files left by one rollout are invisible to the next (workdir, HOME, /tmp)', async () => {
    const tag = randomBytes(6).toString('hex');
    const writer = `import os\nfor p in ('./leak_${tag}', os.path.join(os.environ['HOME'], 'leak_${tag}'), '/tmp/leak_${tag}', '/dev/shm/leak_${tag}', '/var/tmp/leak_${tag}'):\n    try:\n        open(p, 'w').write('answer')\n    except OSError:\n        pass\ndef f():\n    return 0\n`;
    const reader = `import os\ndef f():\n    for p in ('./leak_${tag}', os.path.join(os.environ['HOME'], 'leak_${tag}'), '/tmp/leak_${tag}', '/dev/shm/leak_${tag}', '/var/tmp/leak_${tag}'):\n        try:\n            return open(p).read()\n        except OSError:\n            pass\n    return 'nothing'\n`;
    const w = await fixture.ex.run({ language: 'python', code: writer, tests: [assertTest('assert f() == 0')] });
    expect(w.tests[0].verdict).toBe('AC');
    const [r1, r2] = await Promise.all([
      cells(reader, [assertTest('assert f() == "answer"')]),
      cells(reader, [{ type: 'call', fn: 'f', args: [], expected: 'answer' }]),
    ]);
    expect(v(r1)).toEqual(['WA']);
    expect(v(r2)).toEqual(['WA']);
    for (const p of [`/tmp/leak_${tag}`, `/dev/shm/leak_${tag}`, `/var/tmp/leak_${tag}`]) expect(existsSync(p), p).toBe(false);
  });
  it('attributes and times a program set on its workdir, /tmp and /dev/shm do not reach the next program', async () => {
    // xattrs (user.*, and a POSIX ACL, which would also decide the next program's permissions) outlive the files
    // removed between programs, and os.utime can write any value into a time: each would carry bits across.
    const roots = "('.', '/tmp', '/dev/shm')";
    // a POSIX ACL, as the kernel takes it in system.posix_acl_access: version 2, then (tag, perm, id) entries
    const acl = "struct.pack('<I', 2) + b''.join(struct.pack('<HHI', t, p, i) for t, p, i in ((1, 7, 0xffffffff), (2, 4, 4242), (4, 5, 0xffffffff), (16, 5, 0xffffffff), (32, 5, 0xffffffff)))";
    const writer = `import os, struct\ndef f():\n    return 0\nfor d in ${roots}:\n    for name, value in (('user.leak', b'answer'), ('system.posix_acl_access', ${acl})):\n        try:\n            os.setxattr(d, name, value)\n        except OSError:\n            pass\n    try:\n        os.utime(d, (123456789, 123456789))\n    except OSError:\n        pass\n`;
    const reader = `import os\ndef f():\n    seen = []\n    for d in ${roots}:\n        try:\n            seen += [d + ':' + n for n in os.listxattr(d) if not n.startswith('security.')]\n            st = os.stat(d)\n            if 123456789 in (int(st.st_mtime), int(st.st_atime)):\n                seen.append(d + ':time')\n        except OSError:\n            pass\n    return seen\n`;
    const w = await fixture.ex.run({ language: 'python', code: writer, tests: [assertTest('assert f() == 0')] });
    expect(w.tests[0].verdict).toBe('AC');
    // the writer's attributes are there while it runs (where the filesystem takes them): the reader would see them
    const probe = await fixture.ex.run({ language: 'python', code: `${writer}${reader.replace('def f():', 'def g():')}`, tests: [{ type: 'call', fn: 'g', args: [], expected: [] }] });
    expect(probe.tests[0].verdict, 'the writer sets nothing here: the test would check nothing').toBe('WA');
    const r = await fixture.ex.run({ language: 'python', code: reader, tests: [{ type: 'call', fn: 'f', args: [], expected: [] }] });
    expect(r.tests[0].verdict, r.tests[0].detail ?? '').toBe('AC');
  });
  // Each program is pid 2 of its namespace (spawn: under our init; zygote: the fork server resets the last pid,
  // which needs root: the isolation notes say so otherwise), so its pid cannot tell what ran before it.
  const pidsReset = () => fixture.ex.isolation().namespaces.includes('pid') && (mode === 'spawn' || process.getuid?.() === 0);
  it('the pid a program gets does not tell how many processes the programs before it made', async (ctx) => {
    if (!pidsReset()) {
      expect(fixture.ex.isolation().notes.some((n) => n.startsWith('pids:')) || !fixture.ex.isolation().namespaces.includes('pid')).toBe(true);
      ctx.skip();
    }
    const pid: TestCase[] = [{ type: 'stdio', stdin: '', stdout: '2\n' }];
    const forker = 'import os\nfor _ in range(64):\n    p = os.fork()\n    if p == 0:\n        os._exit(0)\n    os.waitpid(p, 0)\nprint(os.getpid())\n';
    // both slots make processes, then both run a reader (twice, in parallel: either may land on either slot)
    const made = await Promise.all([0, 1].map((i) => fixture.ex.run({ language: 'python', code: `${forker}#${i}`, tests: pid, cache: false })));
    for (const m of made) expect(m.tests[0].verdict, m.tests[0].detail ?? '').toBe('AC');
    const read = await Promise.all([0, 1].map((i) => fixture.ex.run({ language: 'python', code: `import os\nprint(os.getpid())\n#${i}`, tests: [...pid, ...pid], cache: false })));
    for (const r of read) expect(r.tests.map((t) => t.stdout)).toEqual(['2\n', '2\n']);
  });
  it('a mutated global: per test in scope test; in scope rollout it carries over between one program\'s tests (documented), never to another run', async () => {
    const code = 'n = 0\ndef bump():\n    global n\n    n += 1\n    return n\n';
    const tests: TestCase[] = [assertTest('assert bump() == 1'), assertTest('assert bump() == 1'), { type: 'call', fn: 'bump', args: [], expected: 1 }];
    const want = scope === 'test' ? ['AC', 'AC', 'AC'] : ['AC', 'WA', 'WA'];
    for (const again of ['', '\n# the same program again: a new run']) {
      const res = await fixture.ex.run({ language: 'python', code: code + again, tests, cache: false });
      expect(res.tests.map((t) => t.verdict)).toEqual(want);
    }
    // and a test that would only pass if state persisted from an earlier run fails
    const ts = await cells(code, [assertTest('assert bump() == 2')]);
    expect(v(ts)).toEqual(['WA']);
  });
});

describe('G2: deterministic execution', () => {
  it('string hashing and set order are fixed (PYTHONHASHSEED=0) and equal across runs', async () => {
    const expected = execFileSync('/usr/bin/env', ['-i', 'PYTHONHASHSEED=0', fixture.ex.python, '-S', '-c', 'print(hash("verpo"), list({"a", "b", "c", "d", "e"}))'], { encoding: 'utf8' });
    const code = 'print(hash("verpo"), list({"a", "b", "c", "d", "e"}))\n';
    const a = await fixture.ex.run({ language: 'python', code, tests: [{ type: 'stdio', stdin: '', stdout: expected }] });
    const b = await fixture.ex.run({ language: 'python', code, tests: [{ type: 'stdio', stdin: '', stdout: expected }] });
    expect(a.tests[0].verdict).toBe('AC');
    expect(b.tests[0].verdict).toBe('AC');
    expect(a.tests[0].stdout).toBe(b.tests[0].stdout);
  });
});

describe('the judge survives hostile replies', () => {
  it('an oversized reply is OLE, a deeply nested one is WA, a closed channel is RE', async () => {
    const code = 'import os\ndef big(x):\n    return "x" * (40 << 20)\ndef deep(x):\n    v = []\n    for _ in range(5000):\n        v = [v]\n    return v\ndef closed(x):\n    os.close(3)\n    return 1\n';
    const ts = await cells(code, [assertTest('assert big(1) == 1'), assertTest('assert deep(1) == 1'), assertTest('assert closed(1) == 1')], { limits: { memoryMb: 1024 } });
    expect(v(ts)).toEqual(['OLE', 'WA', 'RE']);
  });

  it('a value of the program\'s that the test passes back and that cannot be sent is WA, never the test\'s IE', async () => {
    // (an IE is not a failure: a trainer may mask it. HumanEval's decode_cyclic(encode_cyclic(s)) passes a returned
    // value back; one nested at the wire's limit is a level deeper inside the call's arguments)
    const nest = (k: number) => `def enc(s):\n    v = s\n    for _ in range(${k}):\n        v = [v]\n    return v\ndef dec(v):\n    return "x"\n`;
    for (const k of [400, 401]) {
      const ts = await cells(nest(k), [assertTest('assert dec(enc("abc")) == "abc"'), assertTest('assert dec([[enc("abc")]]) == "abc"')]);
      expect(v(ts), `${k}`).toEqual(['WA', 'WA']);
    }
    // a reply the program writes itself, deeper than its runner would send one
    const forged = 'import os, time\ndef enc(s):\n    os.write(3, b\'{"id":1,"ok":true,"v":\' + b"[" * 470 + b\'"abc"\' + b"]" * 470 + b"}\\n")\n    time.sleep(2)\n    return s\ndef dec(v):\n    return "x"\n';
    expect(v(await cells(forged, [assertTest('assert dec(enc("abc")) == "abc"')]))).toEqual(['WA']);
    // an argument the program deepened in place (written back to the test's list)
    const grow = 'def grow(xs):\n    v = 0\n    for _ in range(400):\n        v = [v]\n    xs.append(v)\n    return len(xs)\n';
    expect(v(await cells(grow, [assertTest('xs = []\ngrow(xs)\nassert grow(xs) == 2')]))).toEqual(['WA']);
    // the test's own value too deep to send stays the test's error
    const own = await cells(nest(1), [assertTest('v = []\nfor _ in range(450):\n    v = [v]\nassert dec(v) == "x"')]);
    expect(v(own)).toEqual(['IE']);
    expect(own[0].detail).toMatch(/the test passes an argument that cannot be sent/);
  });
});

});
}
