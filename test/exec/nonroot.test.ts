// The executor as an unprivileged user: zygote mode with the slot's namespaces made in a user namespace of
// our own (the uid mapped to itself), every layer in the report really in place, and the verdicts right.
// As root, the run happens in a separate Node process under uid/gid 65534 (a copy of the compiled library,
// the harness and the addon in a world-readable temp dir: the checkout may not be readable by that uid).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import nodeGypBuild from 'node-gyp-build';
import { describe, expect, it } from 'vitest';
import { describePython } from '../../lib/exec/interpreter';
import { kernelAtLeast, writableDirOutsideTmp } from './host';

const ROOT = path.resolve(__dirname, '..', '..');
const NOBODY = 65534;

// Runs in the program's process: what the test process sees and can do, one short fact per function (a call
// test expecting None reports the value in its WA detail).
const PROBE = (own: string) => `import os, signal
def attempt(what, path):
    try:
        if what == 'write':
            with open(path, 'w') as f:
                f.write('1')
        else:
            with open(path, 'rb') as f:
                f.read(1)
        return 'done'
    except OSError as e:
        return type(e).__name__
def uid():
    return os.getuid()
def pids():
    return [p - os.getpid() for p in sorted(int(p) for p in os.listdir('/proc') if p.isdigit())]
def tmp():
    return os.listdir('/tmp')
def zygote_files():
    return [attempt('read', '/proc/1/mem'), attempt('read', '/proc/1/environ')]
def zygote_caught():
    status = dict(l.split(':', 1) for l in open('/proc/1/status').read().splitlines() if ':' in l)
    return status['SigCgt'].strip()
def own_dir():
    return attempt('write', ${JSON.stringify(path.join(own, 'x'))})
def signal_zygote():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
        try:
            os.kill(1, sig)  # the zygote is pid 1 here: none of these may reach it
        except OSError:
            pass
    return 'sent'
def add(a, b):
    return a + b
def spin():
    while True:
        pass
`;
const FACTS = ['uid', 'pids', 'tmp', 'zygote_files', 'zygote_caught', 'own_dir', 'signal_zygote'];

function script(lib: string, python: string, own: string): string {
  return `
    const { Executor } = require(${JSON.stringify(path.join(lib, 'dist', 'exec'))});
    (async () => {
      const ex = new Executor({ concurrency: 1, python: ${JSON.stringify(python)}, limits: { cpuMs: 1000, wallMs: 5000 } });
      const tests = [
        ...${JSON.stringify(FACTS)}.map((fn) => ({ type: 'call', fn, args: [], expected: null })),
        { type: 'assert', code: 'assert add(1, 2) == 3' },
        { type: 'assert', code: 'assert add(1, 2) == 4' },
        { type: 'call', fn: 'spin', args: [], expected: 0 },
        { type: 'assert', code: 'assert add(2, 2) == 4' },
      ];
      const r = await ex.run({ language: 'python', code: ${JSON.stringify(PROBE(own))}, tests, cache: false });
      console.log(JSON.stringify({ mode: ex.mode, isolation: r.isolation, cells: r.tests, uid: process.getuid() }));
      await ex.close();
    })().catch((e) => { console.error(e); process.exit(1); });`;
}

describe('as an unprivileged user', () => {
  const root = process.getuid?.() === 0;

  it('zygote mode makes the slot namespaces in its own user namespace; the test cannot reach the zygote', () => {
    const lib = mkdtempSync(path.join(tmpdir(), 'verpo-nonroot-'));
    let own = '';
    try {
      // a directory the test's uid owns, outside /tmp: the read-only view must keep the test from writing it
      own = mkdtempSync(path.join(writableDirOutsideTmp(), 'verpo-nonroot-own-'));
      if (root) chownSync(own, NOBODY, NOBODY);
      // what the library needs at run time: compiled JS, the Python harness, the addon and its fork server
      for (const d of ['dist/exec', 'dist/native', 'lib/exec/python']) cpSync(path.join(ROOT, d), path.join(lib, d), { recursive: true });
      const addon = nodeGypBuild.path(ROOT);
      cpSync(addon, path.join(lib, 'addon', 'verpo.node'));
      cpSync(path.join(path.dirname(addon), 'verpo_zygote.so'), path.join(lib, 'addon', 'verpo_zygote.so'));
      chmodSync(lib, 0o755);
      const python = describePython(undefined).executable;
      const out = spawnSync(process.execPath, ['-e', script(lib, python, own)], {
        encoding: 'utf8', cwd: lib, timeout: 60_000,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VERPO_NATIVE_PATH: path.join(lib, 'addon', 'verpo.node') },
        ...(root ? { uid: NOBODY, gid: NOBODY } : {}),
      });
      expect(out.status, out.stderr).toBe(0);
      const got = JSON.parse(out.stdout);
      const uid = got.uid as number;
      if (root) expect(uid).toBe(NOBODY);
      expect(got.mode).toBe('zygote');
      expect(got.isolation.dropUid).toBe(false);
      expect(got.isolation.seccomp).toBe(true);
      const cells = got.cells as { verdict: string; detail?: string; retries?: number; limit?: string }[];
      const fact = (i: number) => (/got \w+ (.*)$/.exec(cells[i].detail ?? '') ?? [])[1];
      expect(cells.map((c) => c.verdict)).toEqual([...FACTS.map(() => 'WA'), 'AC', 'WA', 'TLE', 'AC']);
      expect(cells[FACTS.length + 2].limit).toBe('cpu');
      for (const c of cells) expect(c.retries).toBeUndefined();  // the zygote was never lost (no IE, no retry)
      const facts = Object.fromEntries(FACTS.map((name, i) => [name, fact(i)]));
      expect(facts.uid).toBe(String(uid));
      if (got.isolation.namespaces.length === 0) {
        // a host that refuses unprivileged user namespaces: the report says so, and claims none
        expect(got.isolation.notes.join('\n')).toMatch(/namespace/);
        return;
      }
      expect(got.isolation.namespaces).toEqual(expect.arrayContaining(['user', 'pid', 'net', 'mount', 'ipc']));
      expect(facts.pids).toMatch(/^\[-\d+, 0\]$/);  // only the zygote (pid 1) and the test itself
      // (no capability survives the zygote's exec here, so it cannot reset the last pid: said, not claimed)
      expect(got.isolation.notes.join('\n')).toMatch(/pids: a program's pid follows on/);
      expect(facts.tmp).toBe('[]');
      expect(facts.zygote_files).toBe("['PermissionError', 'PermissionError']");  // not dumpable
      expect(facts.zygote_caught).toBe("'0000000000000000'");  // as pid 1, it takes no signal from a test
      const noView = got.isolation.notes.some((n: string) => n.includes('no read-only view'));
      if (kernelAtLeast(5, 12)) expect(noView).toBe(false);
      if (!noView) expect(facts.own_dir).toBe("'OSError'");  // EROFS: read-only, whatever the permissions say
    } finally {
      rmSync(lib, { recursive: true, force: true });
      if (own) rmSync(own, { recursive: true, force: true });
    }
  }, 90_000);
});
