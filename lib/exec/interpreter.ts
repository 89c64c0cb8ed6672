// Locating the Python side: the interpreter binary, and the harness scripts shipped in lib/exec/python.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  const chosen = python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  let out: string;
  try {
    out = execFileSync(chosen, ['-S', '-c', 'import sys; print(sys.executable); print(sys.version_info >= (3, 8))'],
      { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new TypeError(`python: ${chosen} is not a working Python interpreter (${(e as Error).message.split('\n')[0]})`);
  }
  const [exe, recent] = out.trim().split('\n');
  if (recent !== 'True') throw new TypeError(`python: ${chosen} is older than Python 3.8`);
  return exe && existsSync(exe) ? exe : chosen;
}
