// Zygote mode (the default): hostile programs forked from the slot's warm interpreter get the same
// verdicts as in spawn mode, the isolation is in place before the program's first line, the supervisor
// owns every limit, the warm processes are bounded and gone after close(), a dead zygote never yields
// AC, and duplicate rollouts run once (content-hash cache).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import nodeGypBuild from 'node-gyp-build';
import { describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import { compileHarness, pythonDir, ZYGOTE_BOOT } from '../../lib/exec/interpreter';
import { Sandbox, type SandboxSpec } from '../../lib/exec/sandbox';
import type { RunRequest, TestCase, TestResult } from '../../lib/exec';
import { hostCheckedExecutor, kernelAtLeast, slotUids, writableDirOutsideTmp } from './host';

// Every case in both scopes: one process per test, and one per program's tests (the default). (The body is not
// indented for the loop.)
for (const scope of ['rollout', 'test'] as const) {
describe(`scope ${scope}`, () => {

const fixture = hostCheckedExecutor(`zygote-${scope}`, { scope, concurrency: 2, cache: false, limits: { cpuMs: 2000, wallMs: 6000, memoryMb: 256, outputKb: 256 } });

async function cells(code: string, tests: TestCase[], extra: Partial<RunRequest> = {}): Promise<TestResult[]> {
  const res = await fixture.ex.run({ language: 'python', code, tests, ...extra });
  return res.tests;
}
const call = (fn: string, expected: unknown = 1): TestCase => ({ type: 'call', fn, args: [], expected });

/** Warm processes of this test process (zygotes and warm judges), by their command lines. */
function warmProcesses(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && (cmd.includes('# verpo zygote') || cmd.includes('# verpo warm judge'))) out.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

describe('zygote mode', () => {
  it('is the default mode', () => {
    expect(fixture.ex.mode).toBe('zygote');
  });

  it('every layer is in place before the program runs: uid, no_new_privs, seccomp, rlimits, the slot\'s own pid namespace, an empty private /tmp', async () => {
    const code = [
      'import os, resource',
      'st = open("/proc/self/status").read()',
      'def facts():',
      '    f = dict(l.split(":\\t", 1) for l in st.splitlines() if ":\\t" in l)',
      '    return [os.getuid(), f["NoNewPrivs"].strip(), f["Seccomp"].strip(), resource.getrlimit(resource.RLIMIT_NOFILE)[0],',
      '            os.getpid(), sorted(os.listdir("/tmp")), sorted(int(x) for x in os.listdir("/proc/self/fd")),',
      '            sorted(int(x) for x in os.listdir("/proc") if x.isdigit())]',
    ].join('\n');
    const iso = fixture.ex.isolation();
    const r = await fixture.ex.run({ language: 'python', code, tests: [{ type: 'assert', code: 'print(facts())\nassert False' }] });
    expect(r.tests[0].verdict).toBe('WA');
    const detail = r.tests[0].detail ?? '';
    const facts = JSON.parse(/returned (\[.*\])$/.exec(detail)![1].replace(/'/g, '"')) as unknown[];
    if (iso.dropUid) expect(slotUids(fixture.ex)).toContain(facts[0]);
    else expect(facts[0]).toBe(process.getuid!());
    expect(facts[1]).toBe('1');
    expect(facts[2]).toBe(iso.seccomp ? '2' : '0');
    expect(facts[3]).toBe(64);
    if (iso.namespaces.includes('pid')) {
      // not pid 1 (ordinary signal semantics); the only other process it can see is the slot's zygote
      expect(facts[4]).toBeGreaterThan(1);
      expect(facts[7]).toEqual([1, facts[4]]);
      expect(facts[5]).toEqual([]);  // the sources reach it in memory; the workdir starts empty
    }
    // stdin, stdout, stderr and the judge channel only (the listing's own descriptor is the 5th)
    expect((facts[6] as number[]).slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect((facts[6] as number[]).length).toBeLessThanOrEqual(5);
  });

  it("sys.stdin (made once in the zygote) reads the test's own stdin file from its start, seeks, and holds nothing of the zygote's", async () => {
    // The zygote makes sys.stdin on fd 0 before its forks, its control socket moved above every number a test
    // process keeps: each test finds an unread reader of its own file there, as one made for it would be.
    const facts = [
      'import json, os, stat, sys',
      'def facts():',
      '    first = sys.stdin.readline()',
      '    sys.stdin.seek(0)',
      '    return [sys.stdin is sys.__stdin__, sys.stdin.fileno(), sys.stdin.seekable(), stat.S_ISREG(os.fstat(0).st_mode),',
      '            first, sys.stdin.read(), sys.stdin.tell() == os.fstat(0).st_size, os.path.exists("/proc/self/fd/64")]',
    ].join('\n');
    // call tests (an empty stdin), twice: in scope rollout the second runs in the same process
    const empty = [true, 0, true, true, '', '', true, false];
    const called = await cells(facts, [call('facts', empty), call('facts', empty)]);
    expect(called.map((t) => t.verdict), JSON.stringify(called.map((t) => t.detail))).toEqual(['AC', 'AC']);
    // stdio tests with their own inputs
    const tests: TestCase[] = ['7 8\nnine\n', 'other\n', ''].map((input) => ({
      type: 'stdio', stdin: input, compare: 'exact',
      stdout: JSON.stringify([true, 0, true, true, input.slice(0, input.indexOf('\n') + 1), input, true, false]) + '\n',
    }));
    const printed = await cells(`${facts}\nprint(json.dumps(facts(), separators=(",", ":")))\n`, tests);
    expect(printed.map((t) => t.verdict), JSON.stringify(printed.map((t) => t.stdout))).toEqual(['AC', 'AC', 'AC']);
  });

  it('the filesystem is read-only but the workdir, whatever its permissions (both modes)', async () => {
    // a world-writable directory outside /tmp that the shared-dir hiding does not cover
    const open = mkdtempSync(path.join(writableDirOutsideTmp(), 'verpo-ro-'));
    chmodSync(open, 0o777);
    const code = `import errno
def probe():
    out = []
    for p in (${JSON.stringify(path.join(open, 'x'))}, 'x'):  # (then the workdir, the cwd)
        try:
            with open(p, 'w') as f:
                f.write('1')
            out.append('written')
        except OSError as e:
            out.append(errno.errorcode.get(e.errno, str(e.errno)))
    return out
`;
    const spawnEx = new Executor({ concurrency: 1, mode: 'spawn', workRoot: fixture.root, cache: false });
    try {
      for (const ex of [fixture.ex, spawnEx]) {
        const iso = ex.isolation();
        const r = await ex.run({ language: 'python', code, tests: [{ type: 'call', fn: 'probe', args: [], expected: ['EROFS', 'written'] }] });
        const noView = iso.notes.some((n) => n.includes('no read-only view'));
        if (iso.namespaces.includes('mount') && kernelAtLeast(5, 12)) expect(noView).toBe(false);
        if (iso.namespaces.includes('mount') && !noView) {
          expect(r.tests[0].verdict, `${ex.mode}: ${r.tests[0].detail}`).toBe('AC');
          expect(readdirSync(open)).toEqual([]);
        } else {
          expect(r.tests[0].verdict).toBe('WA');  // (no mount namespace or no mount_setattr: said in the notes)
        }
      }
    } finally {
      await spawnEx.close();
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('a test process has the interpreter\'s own signal handlers back (SIGINT raises KeyboardInterrupt)', async () => {
    const code = 'import os, signal, time\ndef interrupt():\n    try:\n        os.kill(os.getpid(), signal.SIGINT)\n' +
      '        time.sleep(1)\n        return "no signal"\n    except KeyboardInterrupt:\n        return "KeyboardInterrupt"\n';
    expect((await cells(code, [call('interrupt', 'KeyboardInterrupt')])).map((c) => c.verdict)).toEqual(['AC']);
  });

  it("the interpreter's code reaches a test process with its page tables (an anonymous side made once in the zygote), and no mapping is writable and executable", async () => {
    // The fork server gives each read-only private file mapping one private page, so that fork copies its
    // page-table entries (fork_server.cpp, CopyFilePagesAtFork). Without it the executable's code mapping has
    // no anonymous memory at all; with it, every protection must still be what the loader set.
    const code = 'import os\ndef maps():\n    exe = os.path.realpath("/proc/self/exe")\n    anon, wx, code = 0, [], 0\n' +
      '    with open("/proc/self/smaps") as f:\n        cur = None\n        for line in f:\n            p = line.split()\n' +
      '            if "-" in p[0] and len(p) >= 5:\n                cur = p\n                if "w" in p[1] and "x" in p[1]:\n                    wx.append(line.strip())\n' +
      '                if len(p) >= 6 and p[5] == exe and p[1] == "r-xp":\n                    code += 1\n' +
      '            elif p[0] == "Anonymous:" and cur is not None and len(cur) >= 6 and cur[5] == exe and cur[1] == "r-xp":\n' +
      '                anon += int(p[1])\n    return [code, anon >= 4, wx]\n';
    expect((await cells(code, [call('maps', [1, true, []])])).map((c) => [c.verdict, c.detail])).toEqual([['AC', undefined]]);
  });

  it('the zygote was started with LD_BIND_NOW (symbols bound once, not in each test process); the program\'s environment does not have it', async () => {
    // /proc/self/environ is the environment the zygote was exec'd with (a fork keeps it); os.environ is the test's.
    const code = 'import os\ndef env():\n    start = open("/proc/self/environ", "rb").read().split(b"\\0")\n' +
      '    return [b"LD_BIND_NOW=1" in start, "LD_BIND_NOW" in os.environ]\n';
    expect((await cells(code, [call('env', [true, false])])).map((c) => [c.verdict, c.detail])).toEqual([['AC', undefined]]);
  });

  it("memory of processes a program's thread forked counts (each thread has its own children list): MLE", async () => {
    // The supervisor reads one children list for a process with one thread, every thread's for one with more:
    // these children are listed under the thread that forked them (kept alive), not under the main thread.
    const code = 'import os, threading, time\ndef hog():\n    def forker():\n        for i in range(4):\n' +
      '            if os.fork() == 0:\n                x = b"x" * (32 << 20)\n                time.sleep(30)\n                os._exit(0)\n' +
      '        time.sleep(30)\n    threading.Thread(target=forker, daemon=True).start()\n    time.sleep(15)\n    return 1\n';
    const [c] = await cells(code, [call('hog')], { limits: { memoryMb: 64, cpuMs: 5000, wallMs: 20000 } });
    expect([c.verdict, c.limit]).toEqual(['MLE', 'memory']);
  });

  it('the zygote holds no test data: the expected value is nowhere in the program process', async () => {
    const secret = `s${Date.now()}x${Math.random().toString(36).slice(2)}`;
    const code = [
      'import gc, os',
      'def probe():',
      `    needle = "${secret.slice(0, 6)}" + "${secret.slice(6)}"`,
      '    hits = 0',
      '    for o in gc.get_objects():',
      '        try:',
      '            if needle in repr(o) and o is not needle and "needle" not in repr(o): hits += 1',
      '        except Exception: pass',
      '    for fd in os.listdir("/proc/self/fd"):',
      '        try:',
      '            if needle.encode() in os.pread(int(fd), 1 << 20, 0): hits += 1',
      '        except OSError: pass',
      '    return hits',
    ].join('\n');
    const ts = await cells(code, [{ type: 'assert', code: `assert probe() == 0, "${secret}"` }]);
    expect(ts[0].verdict).toBe('AC');
  });

  it('fork bomb, kill(-1), memory bomb, file bomb, sleeping and spinning: limits from outside, host unharmed', async () => {
    const code = [
      'import os, signal, time',
      'def bomb():',
      '    while True:',
      '        try: os.fork()',
      '        except OSError: pass',
      'def killall():',
      '    os.kill(-1, signal.SIGKILL)',
      '    return 1',
      'def mem():',
      '    xs = []',
      '    while True: xs.append(bytearray(1 << 24))',
      'def big():',
      '    with open("f", "wb") as f:',
      '        while True: f.write(b"x" * (1 << 20))',
      'def nap():',
      '    time.sleep(100)',
      'def spin():',
      '    while True: pass',
    ].join('\n');
    const ts = await cells(code, [call('bomb'), call('killall'), call('mem'), call('big'), call('nap'), call('spin')]);
    // the bomb ends on whichever limit it reaches first; kill(-1) reaches only the program's own namespace
    expect(['TLE', 'MLE', 'RE']).toContain(ts[0].verdict);
    expect(['AC', 'RE']).toContain(ts[1].verdict);
    expect(ts.slice(2).map((t) => t.verdict)).toEqual(['MLE', 'OLE', 'TLE', 'TLE']);
    expect(ts[4].limit).toBe('wall');
    expect(ts[5].limit).toBe('cpu');
    expect(ts[5].cpuMs).toBeGreaterThanOrEqual(2000);
  });

  it('seccomp violations are SV with the syscall', async () => {
    const code = [
      'import socket, ctypes',
      'def net():',
      '    socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
      'def unix():',
      '    a, b = socket.socketpair()',
      '    a.send(b"x")',
      '    return b.recv(1) == b"x"',
      'def trace():',
      '    ctypes.CDLL(None).ptrace(16, 1, 0, 0)',
    ].join('\n');
    const ts = await cells(code, [call('net'), { type: 'call', fn: 'unix', args: [], expected: true }, call('trace')]);
    expect(ts.map((t) => t.verdict)).toEqual(['SV', 'AC', 'SV']);
    expect(ts[0].syscall).toBe('socket');
    expect(ts[2].syscall).toBe('ptrace');
  });

  it('a daemon left by one test is gone before the next test of the slot, and files do not carry over', async () => {
    const code = [
      'import os, time',
      'def leave():',
      '    if os.fork() == 0:',
      '        os.setsid()',
      '        while True: time.sleep(1)',
      '    open("/tmp/mark", "w").write("x")',
      '    return 1',
      'def look():',
      '    return int(os.path.exists("/tmp/mark")) + len([p for p in os.listdir("/proc") if p.isdigit()]) - 1',
    ].join('\n');
    const first = await cells(code, [call('leave')]);
    expect(first[0].verdict).toBe('AC');
    const second = await cells(code, [{ type: 'call', fn: 'look', args: [], expected: 1 }]);
    expect(second[0].verdict, second[0].detail).toBe('AC');  // only itself (and init) in /proc, no mark
  });

  it('one slot, test after test: nothing a test leaves reaches the next (daemons, files, cwd mode, SysV IPC)', async () => {
    // concurrency 1: every test below runs in the same slot, forked from the same zygote
    const own = new Executor({ concurrency: 1, workRoot: fixture.root, cache: false });
    try {
      const code = [
        'import ctypes, os, time',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'def leave():',
        '    if os.fork() == 0:',
        '        os.setsid()',
        '        if os.fork() == 0:',
        '            while True: time.sleep(1)',
        '        os._exit(0)',
        '    open("/tmp/mark", "w").write("x")',
        '    os.mkdir("/tmp/d")',
        '    os.chmod("/tmp", 0)',
        '    return 1',
        'def shm():',
        '    rc = libc.shmget(0, 4096, 0o1000 | 0o666)  # IPC_PRIVATE, IPC_CREAT',
        '    return [rc, ctypes.get_errno()]',
        'def look():',
        '    procs = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())',
        '    return [os.listdir("/tmp"), oct(os.stat("/tmp").st_mode & 0o777), procs == [1, os.getpid()]]',
      ].join('\n');
      const r = await own.run({ language: 'python', code, tests: [call('leave'), { type: 'call', fn: 'shm', args: [], expected: [-1, 1] }] });
      expect(r.tests.map((t) => t.verdict), JSON.stringify(r.tests)).toEqual(['AC', 'AC']);  // shmget: EPERM
      const pidNs = own.isolation().namespaces.includes('pid');  // without it, other host processes are visible
      const after = await own.run({ language: 'python', code, tests: [{ type: 'call', fn: 'look', args: [], expected: [[], '0o700', pidNs] }] });
      expect(after.tests[0].verdict, after.tests[0].detail).toBe('AC');
    } finally {
      await own.close();
    }
  });

  it('a zygote killed mid-test is never AC; the next test gets a fresh one', async () => {
    const code = 'import time\ndef slow():\n    time.sleep(1)\n    return 1\n';
    const before = warmProcesses();
    expect(before.length).toBeGreaterThan(0);
    const pending = fixture.ex.run({ language: 'python', code, tests: [call('slow'), call('slow')] });
    await new Promise((r) => setTimeout(r, 300));
    const zygotes = warmProcesses().filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('# verpo zygote'));
    for (const pid of zygotes) process.kill(pid, 'SIGKILL');
    const res = await pending;
    for (const t of res.tests) expect(t.verdict).not.toBe('WA');  // IE (retried: then AC on a new zygote) or AC
    const again = await cells(code, [call('slow')]);
    expect(again[0].verdict).toBe('AC');
    for (const pid of zygotes) expect(warmProcesses()).not.toContain(pid);
  });

  it('an isolation step that fails in the forked process is an internal error with its stage, and the slot serves on', async () => {
    // RLIMIT_NOFILE above fs.nr_open is refused (EPERM), even for root: the fork server's isolation step
    // fails before the program's first line, and reports it on the setup pipe, not as the program's exit.
    const python = fixture.ex.python;
    const sb = new Sandbox({ concurrency: 1, workRoot: fixture.root });
    try {
      const spec: SandboxSpec = {
        candidate: { argv: [python, '-S', '-s', '-B', '-c', ZYGOTE_BOOT], env: { PATH: '/usr/bin:/bin' }, stdin: '' },
        files: { 'solution.py': 'print("ran")\n' },
        zygote: { init: compileHarness(python, pythonDir()).zygote, mode: 'stdio' },
        limits: { cpuMs: 2000, wallMs: 6000, memoryMb: 256, outputKb: 64, nofile: 1 << 24 },
      };
      const bad = await sb.run(spec);
      expect(bad.internalError).toMatch(/isolation failed at setrlimit: Operation not permitted/);
      expect(bad.candidate.stdout.toString()).toBe('');
      const ok = await sb.run({ ...spec, limits: { ...spec.limits, nofile: 64 } });
      expect(ok.internalError).toBeNull();
      expect(ok.candidate.stdout.toString()).toBe('ran\n');
    } finally {
      await sb.close();
    }
  });

  it('at most one zygote and one warm judge per slot, all gone after close()', async () => {
    const own = new Executor({ concurrency: 2, workRoot: fixture.root, cache: false });
    const before = warmProcesses().length;
    await own.run({ language: 'python', code: 'def f():\n    return 1\n', tests: Array.from({ length: 6 }, () => call('f')) });
    expect(warmProcesses().length - before).toBeLessThanOrEqual(4);
    await own.close();
    expect(warmProcesses().length).toBe(before);
  });

  it('an addon without its fork server library: spawn mode by default (and said so), zygote mode refused', () => {
    // A separate Node process loads a copy of the addon alone (VERPO_NATIVE_PATH), as a hand-copied .node would be.
    const root = path.resolve(__dirname, '..', '..');
    const dir = mkdtempSync(path.join(tmpdir(), 'verpo-lone-addon-'));
    try {
      const lone = path.join(dir, 'verpo.node');
      copyFileSync(nodeGypBuild.path(root), lone);
      const script = `
        const { Executor } = require(${JSON.stringify(path.join(root, 'dist', 'exec'))});
        (async () => {
          let refused = null;
          try { new Executor({ mode: 'zygote' }); } catch (e) { refused = e.message; }
          const ex = new Executor({ concurrency: 1, workRoot: ${JSON.stringify(fixture.root)} });
          const r = await ex.run({ language: 'python', code: 'def f():\\n    return 1\\n', tests: [{ type: 'call', fn: 'f', args: [], expected: 1 }] });
          console.log(JSON.stringify({ mode: ex.mode, notes: r.isolation.notes, verdict: r.tests[0].verdict, refused }));
          await ex.close();
        })();`;
      const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, VERPO_NATIVE_PATH: lone } });
      expect(out.status, out.stderr).toBe(0);
      const got = JSON.parse(out.stdout);
      expect(got.mode).toBe('spawn');
      expect(got.verdict).toBe('AC');
      expect(got.notes.join('\n')).toContain('verpo_zygote.so');
      expect(got.refused).toContain('verpo_zygote.so');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('content-hash cache', () => {
  it('duplicate rollouts run once; hits are reported; cache: false runs everything', async () => {
    const cached = new Executor({ concurrency: 2, workRoot: fixture.root, scope });
    try {
      const code = 'def add(a, b):\n    return a + b\n';
      const tests: TestCase[] = [
        { type: 'call', fn: 'add', args: [1, 2], expected: 3 },
        { type: 'call', fn: 'add', args: [1, 2], expected: 4 },
      ];
      const group = await Promise.all(Array.from({ length: 4 }, () => cached.run({ language: 'python', code, tests })));
      for (const r of group) expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA']);
      const c = cached.counters();
      // scope test: one syntax check and two tests ran; scope rollout: the two tests, in one process that compiles
      // the program itself; the other three rollouts were answered from the cache
      const perRun = scope === 'test' ? 3 : 2;
      expect(c.executions).toBe(perRun);
      expect(c.cacheHits).toBe(6);
      expect(c.compileCacheHits).toBe(scope === 'test' ? 3 : 0);
      expect(group.flatMap((r) => r.tests).filter((t) => t.cached).length).toBe(6);
      // a different limit is a different key
      await cached.run({ language: 'python', code, tests, limits: { cpuMs: 1500 } });
      expect(cached.counters().executions).toBe(2 * perRun);
    } finally {
      await cached.close();
    }
    const before = fixture.ex.counters().executions;
    const code = 'def one():\n    return 1\n';
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push(await fixture.ex.run({ language: 'python', code, tests: [call('one')] }));
    // scope test: a syntax check and the test per run; scope rollout: a one-test request too compiles in its test's
    // process (no syntax check of its own). (A test that came back IE ran once more: a retry, counted apart.)
    const retried = runs.flatMap((r) => r.tests).reduce((k, t) => k + (t.retries ?? 0), 0);
    expect(fixture.ex.counters().executions - before - retried).toBe(scope === 'test' ? 4 : 2);
    expect(fixture.ex.counters().cacheHits).toBe(0);
  });

  it('internal errors are not cached', async () => {
    const cached = new Executor({ concurrency: 1, workRoot: fixture.root });
    try {
      // a test that passes a lambda to the program cannot be evaluated: IE (after one retry), never kept
      const code = 'def ap(f):\n    return f(1)\n';
      const tests: TestCase[] = [{ type: 'assert', code: 'assert ap(lambda x: x) == 1' }];
      const a = await cached.run({ language: 'python', code, tests });
      const b = await cached.run({ language: 'python', code, tests });
      expect(a.tests[0].verdict).toBe('IE');
      expect(b.tests[0].verdict).toBe('IE');
      expect(b.tests[0].cached).toBeUndefined();
    } finally {
      await cached.close();
    }
  });
});

});
}
