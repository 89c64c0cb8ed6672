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
].join('\n');

export function compileHarness(python: string, dir: string): CompiledHarness {
  const out = execFileSync(python, ['-S', '-s', '-B', '-c', COMPILE_HARNESS, dir], { encoding: 'utf8', timeout: 60000 });
  const [runner, judge] = out.trim().split('\n').map((l) => Buffer.from(l, 'base64'));
  if (!runner?.length || !judge?.length) throw new Error('verpo: compiling the Python harness failed');
  return { runner, judge };
}

/** Candidate bootstrap (`python -c`): run the runner from verpo_runner.bin in the workdir (cwd). */
export const RUNNER_BOOT = '# verpo runner\n' +
  "import marshal\nwith open('verpo_runner.bin', 'rb') as f:\n    _r, PROTOCOL_CODE = marshal.loads(f.read())\n" +
  'exec(_r)\n'; // in __main__'s own namespace, as if run as a script

/** Judge bootstrap (`python -c`): stdin = "<length>\n" + marshal((judge, protocol)) + the test JSON. */
export const JUDGE_BOOT = '# verpo judge\n' +
  'import sys, marshal\n_b = sys.stdin.buffer\n_j, PROTOCOL_CODE = marshal.loads(_b.read(int(_b.readline())))\n' +
  'exec(_j)\n';
