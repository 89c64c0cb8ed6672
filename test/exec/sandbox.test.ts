// Process-level tests of the native sandbox with real python3 programs: each hostile program of
// executor-anchors §3 (groups A–E, the ones about the process and the host) gets its expected
// outcome AND a check that the host is unharmed (no process left with the sandbox's uid, no
// workdir left, no file of the sandbox's uid in shared temp dirs, the test process's fds intact).
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { probeIsolation, Sandbox, sweepStaleWorkRoots, type SandboxLimits, type SandboxResult, type SandboxSpec } from '../../lib/exec/sandbox';

const LIMITS: SandboxLimits = { cpuMs: 800, wallMs: 2000, memoryMb: 128, outputKb: 64, fileKb: 1024, nproc: 32 };
const ENV = { PYTHONHASHSEED: '0', HOME: '{workdir}', LANG: 'C.UTF-8', OPENBLAS_NUM_THREADS: '1' };
const SYSCALL = process.arch === 'arm64'
  ? { ptrace: 117, process_vm_readv: 270 }
  : { ptrace: 101, process_vm_readv: 310 };

const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'verpo-sandbox-test-'));
let sandbox: Sandbox;
let python = '';

/** The real interpreter (a pyenv shim may come first on PATH), if the sandbox uid can run it. */
function interpreters(): string[] {
  const real = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  return [real, '/usr/bin/python3'].filter((p, i, all) => p && all.indexOf(p) === i && fs.existsSync(p));
}

function spec(code: string, extra: Partial<SandboxSpec> = {}, limits: Partial<SandboxLimits> = {}): SandboxSpec {
  return { candidate: { argv: [python, '-I', '-S', '-c', code], env: { ...ENV } }, limits: { ...LIMITS, ...limits }, ...extra };
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Pids (host view) of every process whose real uid is `uid` and that still runs. A killed
 *  process reparented to the host's init can stay a zombie until init reaps it: it runs nothing,
 *  holds no resource but its pid, and is not the sandbox's to reap. */
function processesOfUid(uid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      const zombieOfInit = /^State:\s+Z/m.test(status) && /^PPid:\s+1$/m.test(status);
      if (m && Number(m[1]) === uid && !zombieOfInit) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Files owned by `uid` directly inside the shared temp dirs. */
function sharedTempFilesOf(uid: number): string[] {
  const found: string[] = [];
  for (const dir of ['/tmp', '/var/tmp', '/dev/shm']) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        if (fs.lstatSync(path.join(dir, n)).uid === uid) found.push(path.join(dir, n));
      } catch {
        // raced with someone else's cleanup
      }
    }
  }
  return found;
}

/** Runs one spec and asserts the host is unharmed afterwards. */
async function runChecked(s: SandboxSpec, sb: Sandbox = sandbox): Promise<SandboxResult> {
  const fdsBefore = openFds();
  const r = await sb.run(s);
  expect(r.internalError).toBeNull();
  const uid = r.isolation.uid;
  if (r.isolation.dropUid) expect(processesOfUid(uid)).toEqual([]);
  if (r.isolation.dropUid) expect(sharedTempFilesOf(uid)).toEqual([]);
  expect(fs.readdirSync(workRoot)).toEqual([]);
  expect(openFds()).toBeLessThanOrEqual(fdsBefore);  // vitest's own fds may close meanwhile, never ours open
  return r;
}

const text = (b: Buffer) => b.toString('utf8');

beforeAll(async () => {
  sandbox = new Sandbox({ concurrency: 2, workRoot });
  for (const candidate of interpreters()) {
    python = candidate;
    const r = await sandbox.run(spec('print(6 * 7)'));
    if (r.internalError === null && text(r.candidate.stdout) === '42\n') return;
  }
  throw new Error('no python3 the sandbox uid can execute');
});

afterAll(async () => {
  await sandbox?.close();
  fs.rmSync(workRoot, { recursive: true, force: true });
});

describe('sandbox: ordinary programs', () => {
  it('runs a program with stdin, files, a private cwd and exactly the given environment', async () => {
    const code = [
      'import os, sys',
      'print(sys.stdin.read().upper())',
      "print(open('data.txt').read())",
      "print(sorted(k for k in open('/proc/self/environ', 'rb').read().decode().split('\\0') if k))",
      'print(os.getcwd() == os.environ["HOME"], os.listdir("."))',
      "try:\n  open('data.txt', 'w')\nexcept OSError as e:\n  print('readonly', e.errno)",
      "sys.exit(3)",
    ].join('\n');
    const base = spec(code, { files: { 'data.txt': 'payload' } });
    const r = await runChecked({ ...base, candidate: { ...base.candidate, stdin: 'hello' } });
    const lines = text(r.candidate.stdout).split("\n");
    expect(r.candidate.exitCode).toBe(3);
    expect(lines[0]).toBe('HELLO');
    expect(lines[1]).toBe('payload');
    expect(lines[2]).toMatch(/^\['HOME=[^']+', 'LANG=C\.UTF-8', 'OPENBLAS_NUM_THREADS=1', 'PYTHONHASHSEED=0'\]$/);
    expect(lines[3]).toBe("True ['data.txt']");
    if (r.isolation.dropUid) expect(lines[4]).toBe('readonly 13');
    expect(r.candidate.limit).toBeNull();
    expect(r.candidate.violation).toBeNull();
  }, 20_000);

  it('supports deep recursion (large explicit stack) and reports cpu, wall and memory', async () => {
    const code = 'import sys\nsys.setrecursionlimit(300000)\ndef f(n): return 0 if n == 0 else 1 + f(n - 1)\nprint(f(200000))';
    const r = await runChecked(spec(code, {}, { memoryMb: 512 }));
    expect(text(r.candidate.stdout)).toBe('200000\n');
    expect(r.candidate.memoryKb).toBeGreaterThan(1000);
    expect(r.candidate.wallMs).toBeGreaterThanOrEqual(0);
    expect(r.candidate.cpuMs).toBeGreaterThanOrEqual(0);
  });

  it('lets a trusted judge talk to the candidate over fd 3; the judge exit ends the run', async () => {
    const judgeCode = 'import os\nos.write(3, b"ping\\n")\nprint(os.read(3, 100).decode().strip())';
    const r = await runChecked(spec('import os, time\nmsg = os.read(3, 100)\nos.write(3, b"pong:" + msg)\ntime.sleep(60)', {
      judge: { argv: [python, '-I', '-S', '-c', judgeCode], env: { LANG: 'C.UTF-8' } },
    }, { wallMs: 5000 }));
    expect(r.judge).not.toBeNull();
    expect(r.judge!.exitCode).toBe(0);
    expect(text(r.judge!.stdout)).toBe('pong:ping\n');
    expect(r.candidate.signal).toBe('SIGKILL');
    expect(r.candidate.limit).toBeNull();
  });
});

describe('sandbox: A. resource exhaustion', () => {
  it('A1 fork bomb: stopped by the limits, the host process table untouched', async () => {
    const r = await runChecked(spec('import os\nwhile True:\n  try:\n    os.fork()\n  except OSError:\n    pass', {}, { cpuMs: 500, wallMs: 1500 }));
    expect(['cpu', 'wall', 'memory']).toContain(r.candidate.limit);  // the tree's sum decides which comes first
  });

  it('A2 thread bomb: thread creation fails (RE), nothing survives', async () => {
    const r = await runChecked(spec('import threading, time\nwhile True:\n  threading.Thread(target=time.sleep, args=(100,), daemon=True).start()'));
    expect(r.candidate.exitCode === 1 || r.candidate.limit !== null).toBe(true);
    if (r.candidate.exitCode === 1) expect(text(r.candidate.stderr)).toMatch(/can't start new thread/);
  });

  it('A3 memory bomb: growing allocation hits the memory limit; a huge one fails cleanly', async () => {
    const grow = await runChecked(spec('x = []\nwhile True:\n  x.append(b"x" * (16 << 20))'));
    expect(grow.candidate.limit).toBe('memory');
    expect(grow.candidate.signal).toBe('SIGKILL');
    const huge = await runChecked(spec('b = bytearray(1 << 40)'));
    expect(huge.candidate.limit === 'memory' || /MemoryError/.test(text(huge.candidate.stderr))).toBe(true);
  });

  it('A3 memory and CPU count for the whole tree: a forked child cannot hide either', async () => {
    const mem = await runChecked(spec('import os, time\nif os.fork() == 0:\n  x = []\n  while True:\n    x.append(b"x" * (16 << 20))\nos.wait()'));
    expect(mem.candidate.limit).toBe('memory');
    const cpu = await runChecked(spec('import os\nfor _ in range(2):\n  if os.fork() == 0:\n    while True: pass\nos.wait()', {}, { cpuMs: 400, wallMs: 5000 }));
    expect(cpu.candidate.limit).toBe('cpu');
  });

  it('A4 10 GiB file: stopped at the file-size limit', async () => {
    const r = await runChecked(spec("f = open('big', 'wb')\nfor _ in range(10 * 1024):\n  f.write(b'0' * (1 << 20))"));
    expect(r.candidate.limit).toBe('file');
    expect(r.candidate.exitCode === 1 || r.candidate.signal === 'SIGXFSZ').toBe(true);
  });

  it('A6 fd exhaustion: EMFILE inside the sandbox only', async () => {
    const r = await runChecked(spec("fs = [open('/dev/null') for _ in range(10 ** 6)]"));
    expect(r.candidate.exitCode).toBe(1);
    expect(text(r.candidate.stderr)).toMatch(/Too many open files/);
  });

  it('A7 unbounded recursion: ends with a signal or a limit, nothing else harmed', async () => {
    const r = await runChecked(spec('import sys\nsys.setrecursionlimit(10 ** 9)\nf = lambda n: f(n + 1)\nf(0)'));
    expect(r.candidate.exitCode).not.toBe(0);
    expect(r.candidate.signal !== null || r.candidate.limit !== null).toBe(true);
  });
});

describe('sandbox: B. time', () => {
  it('B1 CPU spin: cpu limit', async () => {
    const r = await runChecked(spec('while True: pass', {}, { cpuMs: 400 }));
    expect(r.candidate.limit).toBe('cpu');
    expect(r.candidate.signal).toBe('SIGKILL');
    expect(r.candidate.cpuMs).toBeGreaterThanOrEqual(400);
  });

  it('B2 sleep: wall limit', async () => {
    const r = await runChecked(spec('import time\ntime.sleep(10 ** 6)', {}, { wallMs: 800 }));
    expect(r.candidate.limit).toBe('wall');
    expect(r.candidate.signal).toBe('SIGKILL');
  });

  it('B3-B6 ignoring SIGALRM/SIGTERM/SIGXCPU does not escape the cpu limit', async () => {
    const code = 'import signal\nfor s in (signal.SIGALRM, signal.SIGTERM, signal.SIGXCPU):\n  signal.signal(s, signal.SIG_IGN)\nsignal.setitimer(signal.ITIMER_REAL, 0)\nwhile True:\n  try:\n    pass\n  except BaseException:\n    pass';
    const r = await runChecked(spec(code, {}, { cpuMs: 400 }));
    expect(r.candidate.limit).toBe('cpu');
    expect(r.candidate.signal).toBe('SIGKILL');
  });
});

describe('sandbox: C. output', () => {
  it('C1 output flood: output limit quickly, capture capped', async () => {
    const r = await runChecked(spec("while True: print('x' * 10 ** 6)", {}, { outputKb: 32 }));
    expect(r.candidate.limit).toBe('output');
    expect(r.candidate.stdoutTruncated).toBe(true);
    expect(r.candidate.stdout.length).toBe(32 * 1024);
    expect(r.candidate.wallMs).toBeLessThan(LIMITS.wallMs);
  });

  it('C2 large legitimate output within the cap is kept whole', async () => {
    const r = await runChecked(spec("import sys\nsys.stdout.write('y' * 300000)", {}, { outputKb: 400 }));
    expect(r.candidate.limit).toBeNull();
    expect(r.candidate.stdout.length).toBe(300000);
    expect(r.candidate.stdoutTruncated).toBe(false);
  });
});

describe('sandbox: D. escape and host access', () => {
  it('D2 network: socket(AF_INET) is a violation naming the syscall; AF_UNIX is allowed', async () => {
    const r = await runChecked(spec("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\ns.connect(('1.1.1.1', 80))"));
    expect(r.candidate.violation).toMatchObject({ syscall: 'socket' });
    expect(r.candidate.signal).toBe('SIGKILL');
    const ok = await runChecked(spec("import socket\na, b = socket.socketpair()\na.send(b'x')\nprint(b.recv(1))"));
    expect(ok.candidate.violation).toBeNull();
    expect(text(ok.candidate.stdout)).toBe("b'x'\n");
  });

  it('D7 ptrace and process_vm_readv are violations', async () => {
    const call = (nr: number) => `import ctypes\nctypes.CDLL(None).syscall(${nr}, 1, 0, 0, 0, 0, 0)\nprint('survived')`;
    const pt = await runChecked(spec(call(SYSCALL.ptrace)));
    expect(pt.candidate.violation).toEqual({ syscall: 'ptrace', nr: SYSCALL.ptrace });
    expect(text(pt.candidate.stdout)).toBe('');
    const vm = await runChecked(spec(call(SYSCALL.process_vm_readv)));
    expect(vm.candidate.violation).toEqual({ syscall: 'process_vm_readv', nr: SYSCALL.process_vm_readv });
  });

  it("D7 the judge's memory is out of reach: /proc/<judge pid>/mem cannot be read", async () => {
    const judgeCode = 'import os\nos.write(3, str(os.getpid()).encode())\nprint(os.read(3, 200).decode())';
    const candCode = [
      'import os',
      'pid = os.read(3, 20).decode()',
      'try:',
      "  open(f'/proc/{pid}/mem', 'rb').read(1)",
      "  os.write(3, b'READ')",
      'except OSError as e:',
      "  os.write(3, type(e).__name__.encode())",
    ].join('\n');
    const r = await runChecked(spec(candCode, { judge: { argv: [python, '-I', '-S', '-c', judgeCode], env: {} } }));
    expect(text(r.judge!.stdout)).toMatch(/^(FileNotFoundError|PermissionError|ProcessLookupError)\n$/);
  });

  it('D10 raising an rlimit fails (EPERM, not a violation)', async () => {
    const code = 'import resource\ntry:\n  resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n  print("raised")\nexcept (OSError, ValueError):\n  print("denied", resource.getrlimit(resource.RLIMIT_CPU)[0] > 0)';
    const r = await runChecked(spec(code));
    expect(text(r.candidate.stdout)).toBe('denied True\n');
    expect(r.candidate.violation).toBeNull();
  });

  it('D1/D5 writes outside the workdir fail; /tmp is the private workdir and vanishes', async () => {
    const code = [
      'import os',
      "for p in ['/etc/verpo-x', '/root/verpo-x', '/var/tmp/verpo-x', '/dev/shm/verpo-x', '/usr/verpo-x', '/tmp/verpo-x', 'here']:",
      '  try:',
      "    open(p, 'w').write('x')",
      "    print(p, 'ok')",
      '  except OSError as e:',
      "    print(p, 'denied')",
    ].join('\n');
    const r = await runChecked(spec(code));
    const out = text(r.candidate.stdout);
    for (const p of ['/etc/verpo-x', '/root/verpo-x', '/usr/verpo-x']) expect(out).toContain(`${p} denied`);
    if (r.isolation.namespaces.includes('mount')) {
      expect(out).toContain('/var/tmp/verpo-x denied');
      // /dev/shm: the run's own tmpfs (writable, gone with the run), else hidden like /var/tmp
      expect(out).toContain(r.isolation.privateTmpfs ? '/dev/shm/verpo-x ok' : '/dev/shm/verpo-x denied');
    }
    expect(out).toContain('here ok');
    for (const p of ['/etc/verpo-x', '/root/verpo-x', '/var/tmp/verpo-x', '/dev/shm/verpo-x', '/usr/verpo-x']) expect(fs.existsSync(p)).toBe(false);
    if (r.isolation.namespaces.includes('mount')) expect(fs.existsSync('/tmp/verpo-x')).toBe(false);
  });

  it('D1 no host environment leaks: os.environ holds only what was passed', async () => {
    process.env.VERPO_SECRET_TEST = 'do-not-leak';
    try {
      const code = "import os\nprint(sorted(os.environ))\nprint(open('/proc/self/environ', 'rb').read().count(b'\\0'))";
      const r = await runChecked({ ...spec(code), candidate: { argv: [python, '-I', '-S', '-c', code], env: { ONLY: '1' } } });
      const [keys, count] = text(r.candidate.stdout).trim().split('\n');
      expect(keys).not.toContain('VERPO_SECRET_TEST');
      expect(keys).not.toContain('PATH');
      expect(count).toBe('1');
    } finally {
      delete process.env.VERPO_SECRET_TEST;
    }
  });
});

describe('sandbox: E. process lifetime', () => {
  it('E1 a double-forked setsid daemon does not survive the run', async () => {
    const code = 'import os, time\nif os.fork() == 0:\n  os.setsid()\n  if os.fork() == 0:\n    time.sleep(30)\n  os._exit(0)\nprint("parent done")';
    const r = await runChecked(spec(code));
    expect(r.candidate.exitCode).toBe(0);
    expect(text(r.candidate.stdout)).toBe('parent done\n');
  });

  it('E1 without a pid namespace the uid-wide kill still removes the daemon', async () => {
    const code = 'import os, time\nif os.fork() == 0:\n  os.setsid()\n  if os.fork() == 0:\n    time.sleep(30)\n  os._exit(0)\nprint("parent done")';
    const r = await runChecked(spec(code, { layers: { namespaces: false } }));
    expect(r.isolation.namespaces).toEqual([]);
    expect(text(r.candidate.stdout)).toBe('parent done\n');
  });

  it('E3 kill(-1, 9) and kill(getppid(), 9) leave the test runner and its children alive', async () => {
    const bystander = spawn('sleep', ['30']);
    try {
      const r = await runChecked(spec('import os\nfor target in (os.getppid(), -1, 1):\n  try:\n    os.kill(target, 9)\n  except OSError:\n    pass\nprint("still here")'));
      expect(r.candidate.exitCode === 0 || r.candidate.signal === 'SIGKILL').toBe(true);
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
      expect(process.kill(bystander.pid!, 0)).toBe(true);
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  it('E4 supervisor death: when the host process dies mid-run, the whole sandbox dies with it', async () => {
    // A separate Node process runs a sandbox (through the addon directly), then SIGKILLs itself.
    const root = path.resolve(__dirname, '..', '..');
    const script = `
      const a = require('node-gyp-build')(${JSON.stringify(root)});
      const s = new a.ExecSandbox({ concurrency: 1, workRoot: ${JSON.stringify(workRoot)} });
      const code = 'import os, time\\nif os.fork() == 0:\\n  time.sleep(60)\\ntime.sleep(60)';
      s.run({ candidate: { argv: [${JSON.stringify(python)}, '-I', '-S', '-c', code], env: [], stdin: Buffer.alloc(0) },
              channel: true, files: [], limits: { cpuMs: 5000, wallMs: 60000, memoryMb: 128, outputKb: 64 }, layers: {} });
      setTimeout(() => { console.log(s.isolation({}).uid); process.kill(process.pid, 'SIGKILL'); }, 400);`;
    const child = spawn(process.execPath, ['-e', script], { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const signal = await new Promise((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    const uid = Number(out.trim());
    expect(uid).toBeGreaterThanOrEqual(0);
    if (sandbox.isolation().namespaces.includes('pid') && uid !== process.getuid?.()) {
      for (let i = 0; i < 50 && processesOfUid(uid).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(processesOfUid(uid)).toEqual([]);
    }
    // its workdir is left behind (nobody was alive to remove it); the next run's owner may clean it
    for (const d of fs.readdirSync(workRoot)) fs.rmSync(path.join(workRoot, d), { recursive: true, force: true });
  });

  it('in a pid namespace the program is not init: default signal actions and abort() work as usual', async () => {
    const term = await runChecked(spec('import os, signal\nprint(os.getpid() != 1, flush=True)\nos.kill(os.getpid(), signal.SIGTERM)\nprint("alive")'));
    expect(text(term.candidate.stdout)).toBe('True\n');
    expect(term.candidate.signal).toBe('SIGTERM');
    const abort = await runChecked(spec('import os\nos.abort()'));
    expect(abort.candidate.signal).toBe('SIGABRT');
    const exit = await runChecked(spec('import sys\nsys.exit(42)'));
    expect(exit.candidate.exitCode).toBe(42);
  });

  it('E2 many unreaped children leave no zombie behind', async () => {
    const r = await runChecked(spec('import os\nfor _ in range(20):\n  if os.fork() == 0:\n    os._exit(0)\nprint("ok")'));
    expect(text(r.candidate.stdout)).toBe('ok\n');
  });
});

describe('sandbox: living inside Node', () => {
  it('empty work roots left by killed processes are swept; one holding a slot dir, a symlink, or a live pid\'s is kept', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verpo-sweep-'));
    try {
      const dead = spawnSync('true').pid as number;  // exited: its pid names no process (unless reused at once)
      const stale = path.join(dir, `verpo-sandbox-${dead}-0`);
      fs.mkdirSync(stale);
      const withSlot = path.join(dir, `verpo-sandbox-${dead}-1`);
      fs.mkdirSync(path.join(withSlot, 'slot-2'), { recursive: true });
      const victim = path.join(dir, 'victim');
      fs.mkdirSync(path.join(victim, 'empty'), { recursive: true });
      fs.symlinkSync(victim, path.join(dir, `verpo-sandbox-${dead}-2`));
      const live = path.join(dir, `verpo-sandbox-${process.pid}-99`);
      const other = path.join(dir, 'verpo-sandbox-notapid');
      for (const d of [live, other]) fs.mkdirSync(d);
      expect(sweepStaleWorkRoots(dir)).toEqual(fs.existsSync(`/proc/${dead}`) ? [] : [stale]);
      for (const d of [withSlot, path.join(withSlot, 'slot-2'), path.join(victim, 'empty'), live, other]) expect(fs.existsSync(d)).toBe(true);
      expect(fs.lstatSync(path.join(dir, `verpo-sandbox-${dead}-2`)).isSymbolicLink()).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("Node's child_process keeps working while runs are in flight", async () => {
    const runs = [sandbox.run(spec('import time\ntime.sleep(0.5)')), sandbox.run(spec('import time\ntime.sleep(0.5)'))];
    expect(spawnSync('true').status).toBe(0);
    const code = await new Promise<number | null>((resolve) => spawn('sh', ['-c', 'exit 7']).on('exit', (c) => resolve(c)));
    expect(code).toBe(7);
    for (const r of await Promise.all(runs)) expect(r.candidate.exitCode).toBe(0);
  });

  it('never runs more than `concurrency` at once and queues the rest', async () => {
    const sb = new Sandbox({ concurrency: 2, workRoot });
    let maxActive = 0;
    let sawQueue = false;
    const timer = setInterval(() => {
      maxActive = Math.max(maxActive, sb.active);
      sawQueue ||= sb.queued > 0;
    }, 5);
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => sb.run(spec('import time\ntime.sleep(0.2)'))));
      for (const r of results) expect(r.candidate.exitCode).toBe(0);
    } finally {
      clearInterval(timer);
      await sb.close();
    }
    expect(maxActive).toBeGreaterThan(0);
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(sawQueue).toBe(true);
  });

  it('close() while busy kills running children, rejects every pending run, then refuses new ones', async () => {
    const sb = new Sandbox({ concurrency: 1, workRoot });
    const pending = [0, 1, 2].map(() => sb.run(spec('import time\ntime.sleep(30)', {}, { wallMs: 30000 })).then(() => 'resolved', (e: Error) => e.message));
    await new Promise((r) => setTimeout(r, 300));
    const uid = sb.isolation().uid;
    await sb.close();
    expect(await Promise.all(pending)).toEqual(Array(3).fill('Sandbox closed: the run was cancelled before it finished'));
    await expect(sb.run(spec('print(1)'))).rejects.toThrow(/closed/);
    if (sb.isolation().dropUid) expect(processesOfUid(uid)).toEqual([]);
    expect(fs.readdirSync(workRoot)).toEqual([]);
    await sb.close();  // idempotent
  });

  it('many sandboxes created and closed in turn: no leak of threads, fds or uid leases', async () => {
    const fdsBefore = openFds();
    for (let i = 0; i < 150; i++) {
      const sb = new Sandbox({ concurrency: 1, workRoot });
      if (i % 50 === 0) expect(text((await sb.run(spec('print(1)'))).candidate.stdout)).toBe('1\n');
      await sb.close();
      new Array(5000).fill({ i });  // churn the heap so collected handles' addresses get reused
    }
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
    const threads = fs.readdirSync('/proc/self/task').length;
    expect(threads).toBeLessThan(64);
  });

  it('reports the isolation layers', () => {
    const iso = sandbox.isolation();
    const probe = probeIsolation();
    expect(iso.rlimits && iso.noNewPrivs && iso.privateWorkdir && iso.cleanEnv).toBe(true);
    expect(probe.seccomp).toBe(iso.seccomp);
    expect(Array.isArray(iso.notes)).toBe(true);
    if (process.getuid?.() === 0) {
      expect(iso.dropUid).toBe(true);
      expect(iso.uid).toBeGreaterThan(0);
      expect(iso.namespaces).toEqual(expect.arrayContaining(['pid', 'net', 'mount', 'ipc']));
      expect(iso.seccomp).toBe(true);
    }
    const off = new Sandbox({ concurrency: 1, workRoot, layers: { seccomp: false, namespaces: false, dropUid: false } });
    const offIso = off.isolation();
    expect(offIso.seccomp).toBe(false);
    expect(offIso.namespaces).toEqual([]);
    expect(offIso.dropUid).toBe(false);
    void off.close();
  });
});

describe('sandbox: validation (before anything runs)', () => {
  it('names the field of a bad spec', async () => {
    const good = spec('print(1)');
    await expect(sandbox.run({ ...good, candidate: { ...good.candidate, argv: [] } })).rejects.toThrow(TypeError);
    await expect(sandbox.run({ ...good, candidate: { ...good.candidate, argv: [] } })).rejects.toThrow(/candidate\.argv/);
    await expect(sandbox.run({ ...good, candidate: { ...good.candidate, argv: ['/nonexistent/python9'] } })).rejects.toThrow(/candidate\.argv\[0\]/);
    await expect(sandbox.run({ ...good, limits: { ...good.limits, cpuMs: 0 } })).rejects.toThrow(RangeError);
    await expect(sandbox.run({ ...good, limits: { ...good.limits, wallMs: Number.NaN } })).rejects.toThrow(/limits\.wallMs/);
    await expect(sandbox.run({ ...good, limits: { ...good.limits, memoryMb: Infinity } })).rejects.toThrow(/limits\.memoryMb/);
    await expect(sandbox.run({ ...good, files: { '../escape': 'x' } })).rejects.toThrow(/files/);
    await expect(sandbox.run({ ...good, layers: { seccomp: 'yes' as unknown as boolean } })).rejects.toThrow(/layers\.seccomp/);
    expect(() => new Sandbox({ concurrency: 0 })).toThrow(RangeError);
  });
});
