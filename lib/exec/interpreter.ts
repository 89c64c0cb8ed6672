// Locating the Python side: the interpreter binary, and the harness scripts shipped in lib/exec/python.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Where runner.py / judge.py / protocol.py live: lib/exec/python, from dist/exec (compiled) or lib/exec (vitest). */
export function pythonDir(): string {
  const candidates = [
    path.resolve(__dirname, 'python'),
    path.resolve(__dirname, '..', '..', 'lib', 'exec', 'python'),
  ];
  const found = candidates.find((d) => existsSync(path.join(d, 'judge.py')));
  if (found === undefined) throw new Error(`verpo: Python harness not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The real interpreter binary (a pyenv shim is a bash script costing ~80 ms per start and needs $HOME). */
export function resolvePython(python?: string): string {
  return describePython(python).executable;
}

export interface PythonInfo {
  executable: string;
  /** The directory of the standard library (os.py). */
  stdlib: string;
}

export function describePython(python?: string): PythonInfo {
  const chosen = python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  let out: string;
  try {
    out = execFileSync(chosen, ['-S', '-c',
      'import sys, os; print(sys.executable); print(sys.version_info >= (3, 8)); print(os.path.dirname(os.__file__))'],
      { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new TypeError(`python: ${chosen} is not a working Python interpreter (${(e as Error).message.split('\n')[0]})`);
  }
  const [exe, recent, stdlib] = out.trim().split('\n');
  if (recent !== 'True') throw new TypeError(`python: ${chosen} is older than Python 3.8`);
  return { executable: exe && existsSync(exe) ? exe : chosen, stdlib: stdlib ?? '' };
}

/** Whether a process of another uid can reach `file` (x on every directory, `mode` bits for others on it). */
export function reachableByOthers(file: string, mode: number): boolean {
  try {
    const parts = path.resolve(file).split('/').filter(Boolean);
    let dir = '/';
    for (const part of parts.slice(0, -1)) {
      dir = path.join(dir, part);
      if ((statSync(dir).mode & 0o001) === 0) return false;
    }
    return (statSync(file).mode & mode) === mode;
  } catch {
    return false;
  }
}

/** The harness as marshalled code objects, made by the interpreter that will run them: starting from
 *  bytecode skips compiling ~1000 lines of source per test (about 10 ms per process on this machine). */
export interface CompiledHarness {
  /** marshal((runner, protocol)): written into the workdir as verpo_runner.bin. */
  runner: Buffer;
  /** marshal((judge, protocol)): sent ahead of the test on the judge's stdin. */
  judge: Buffer;
  /** marshal((runner, protocol, zygote)): sent once to each warm zygote (zygote mode). */
  zygote: Buffer;
}

const COMPILE_HARNESS = [
  'import marshal, sys, binascii',
  'd = sys.argv[1]',
  'def c(name, as_name):',
  '    with open(d + "/" + name, "rb") as f:',
  '        return compile(f.read(), as_name, "exec", dont_inherit=True)',
  'p = c("protocol.py", "verpo_protocol.py")',
  'for name, as_name in (("runner.py", "verpo_runner.py"), ("judge.py", "verpo_judge.py")):',
  '    sys.stdout.write(binascii.b2a_base64(marshal.dumps((c(name, as_name), p))).decode())',
  'sys.stdout.write(binascii.b2a_base64(marshal.dumps((c("runner.py", "verpo_runner.py"), p, c("zygote.py", "verpo_zygote.py")))).decode())',
].join('\n');

export function compileHarness(python: string, dir: string): CompiledHarness {
  const out = execFileSync(python, ['-S', '-s', '-B', '-c', COMPILE_HARNESS, dir], { encoding: 'utf8', timeout: 60000 });
  const [runner, judge, zygote] = out.trim().split('\n').map((l) => Buffer.from(l, 'base64'));
  if (!runner?.length || !judge?.length || !zygote?.length) throw new Error('verpo: compiling the Python harness failed');
  return { runner, judge, zygote };
}

/** First lines of every TRUSTED process's bootstrap (judge, warm judge, zygote), before any import that is
 *  not built in: `python -c` puts '' (the working directory) first on sys.path, and a spawn-mode judge
 *  starts in the program's workdir, so a lazy `import decimal` would load a decimal.py the program wrote
 *  there, as root, outside the sandbox. The working directory becomes '/', and sys.path keeps only the
 *  interpreter's own absolute directories (sys and posix are built into every CPython). */
export const TRUSTED_PRELUDE =
  "import sys, posix\nposix.chdir('/')\nsys.path[:] = [_p for _p in sys.path if _p.startswith('/')]\n";

/** Candidate bootstrap (`python -c`): run the runner from verpo_runner.bin in the workdir (cwd). */
export const RUNNER_BOOT = '# verpo runner\n' +
  "import marshal\nwith open('verpo_runner.bin', 'rb') as f:\n    _r, PROTOCOL_CODE = marshal.loads(f.read())\n" +
  'exec(_r)\n'; // in __main__'s own namespace, as if run as a script

/** Judge bootstrap (`python -c`): stdin = "<length>\n" + marshal((judge, protocol)) + the test JSON. */
export const JUDGE_BOOT = '# verpo judge\n' + TRUSTED_PRELUDE +
  'import marshal\n_b = sys.stdin.buffer\n_j, PROTOCOL_CODE = marshal.loads(_b.read(int(_b.readline())))\n' +
  'exec(_j)\n';

/** Zygote bootstrap (`python -c`, zygote mode): fd 0 is a SOCK_SEQPACKET control socket whose first message
 *  is marshal((runner, protocol, zygote)); runner.py is exec'd for its functions only, then zygote.py serves. */
export const ZYGOTE_BOOT = '# verpo zygote (one per slot, lives until close)\n' + TRUSTED_PRELUDE +
  'import marshal, socket\n_ctl = socket.socket(fileno=0)\n_r, PROTOCOL_CODE, _z = marshal.loads(_ctl.recv(1 << 24))\n' +
  'VERPO_ZYGOTE = True\nexec(_r)\nexec(_z)\n';

/** Warm judge bootstrap (`python -c`, zygote mode): fd 0 is a stream socket carrying "<length>\\n" +
 *  marshal((judge, protocol)) once, then one test after another (judge.py serve_forever). */
export const JUDGE_SERVER_BOOT = '# verpo warm judge (one per slot, lives until close)\n' + TRUSTED_PRELUDE +
  'import marshal, socket\n_c = socket.socket(fileno=0)\n_h = b""\n' +
  'while not _h.endswith(b"\\n"):\n    _b = _c.recv(1)\n    if not _b: raise SystemExit(0)\n    _h += _b\n' +
  '_n = int(_h)\n_p = []\nwhile _n > 0:\n    _b = _c.recv(min(_n, 1 << 20))\n    if not _b: raise SystemExit(0)\n    _p.append(_b)\n    _n -= len(_b)\n' +
  '_c.detach()\n_j, PROTOCOL_CODE = marshal.loads(b"".join(_p))\nVERPO_JUDGE_SERVER = True\nexec(_j)\n';
