// C++ programs (and C++ checkers): the compiler found once, a compile that runs in the sandbox under limits
// of its own with the binary coming back on stdout, and the spec that runs a compiled binary per test.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { reachableByOthers } from './interpreter';
import { DEFAULT_LIMITS } from './limits';
import { WORKDIR_EXE, type SandboxSpec } from './sandbox';
import type { SandboxLimits, SandboxResult } from '../native/types';

/** Codeforces' GNU C++17 line: optimised, GNU dialect, ONLINE_JUDGE defined (programs test it to skip their
 *  local file redirections). */
export const DEFAULT_CXX_FLAGS: readonly string[] = Object.freeze(['-O2', '-std=gnu++17', '-DONLINE_JUDGE']);

/** A compile's own limits: the compiler's whole tree (cc1plus, as, ld) with room for <bits/stdc++.h> at -O2;
 *  the binary comes back on stdout, so the output cap is its size bound. */
export const COMPILE_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  cpuMs: 30000, wallMs: 60000, memoryMb: 2048, outputKb: 65536, tmpfsMb: 512, fileKb: 65536, inodes: DEFAULT_LIMITS.inodes,
});

/** The binary's name in the workdir. */
export const BINARY = 'prog';

/** Compiles `solution.cpp` into `prog` (diagnostics on stderr) and writes the binary to stdout. Arguments:
 *  the compiler and its flags. */
const COMPILE_SCRIPT = `"$@" -o ${BINARY} solution.cpp >&2 && exec cat ${BINARY}`;

const ENV = Object.freeze({ HOME: '{workdir}', TMPDIR: '{workdir}', LANG: 'C.UTF-8', PATH: '/usr/bin:/bin' });

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

export type CompilerLookup = { path: string } | { missing: string };

/** The C++ compiler: `given` (ExecutorOptions.cxx), else $VERPO_CXX, else /usr/bin/g++, else g++ on PATH. A
 *  compiler the sandbox's unprivileged uid cannot run counts as missing (`dropUid`). */
export function findCompiler(given: string | undefined, dropUid: boolean): CompilerLookup {
  const asked = given ?? (process.env.VERPO_CXX || undefined);
  let found: string | null;
  if (asked !== undefined) {
    found = asked.includes('/') ? (executable(path.resolve(asked)) ? path.resolve(asked) : null) : onPath(asked);
    if (found === null) return { missing: `the C++ compiler '${asked}' (${given !== undefined ? 'cxx' : 'VERPO_CXX'}) is not an executable file` };
  } else {
    found = existsSync('/usr/bin/g++') && executable('/usr/bin/g++') ? '/usr/bin/g++' : onPath('g++');
    if (found === null) return { missing: 'no C++ compiler: install g++ (Debian: apt-get install g++) or give its path (cxx, --cxx, VERPO_CXX)' };
  }
  if (dropUid && !reachableByOthers(found, 0o001)) {
    return { missing: `the C++ compiler ${found} is not executable by the sandbox's unprivileged uid` };
  }
  return { path: found };
}

/** The sandboxed compile of `source` (with extra read-only `files` beside it, such as testlib.h). */
export function compileSpec(compiler: string, flags: readonly string[], source: string,
  files: Record<string, string | Buffer> = {}, limits: SandboxLimits = COMPILE_LIMITS): SandboxSpec {
  return {
    candidate: { argv: ['/bin/sh', '-c', COMPILE_SCRIPT, 'sh', compiler, ...flags], env: ENV, stdin: '' },
    files: { ...files, 'solution.cpp': source },
    limits,
  };
}

export type CompiledOutcome = { ok: true; binary: Buffer } | { ok: false; message: string } | { internal: string };

/** The compile's result: the binary, the compiler's message (CE), or an internal error (retry, IE). */
export function compiledFromRun(r: SandboxResult, messageBytes: number): CompiledOutcome {
  const c = r.candidate;
  if (r.internalError !== null) return { internal: `sandbox: ${r.internalError}` };
  if (c.violation !== null) return { internal: `the compiler was stopped by the sandbox (${c.violation.syscall})` };
  if (c.limit === 'output' || c.stdoutTruncated) return { ok: false, message: `the compiled program is larger than ${COMPILE_LIMITS.outputKb} KiB` };
  // the wall clock is the host's (a loaded machine), not the program's: retried, and never cached as CE
  if (c.limit === 'wall') return { internal: `the compile met its wall limit (${COMPILE_LIMITS.wallMs} ms): the host is overloaded` };
  if (c.limit !== null) return { ok: false, message: `compilation exceeded the ${c.limit} limit` };
  const message = c.stderr.subarray(0, messageBytes).toString('utf8').trim();
  if (c.signal !== null) return { internal: `the compiler was killed by ${c.signal}: ${message.slice(-300)}` };
  if (c.exitCode !== 0) return { ok: false, message: message || `the compiler exited with code ${c.exitCode}` };
  if (c.stdout.length < 4 || c.stdout.readUInt32BE(0) !== 0x7f454c46) return { internal: 'the compiler produced no executable' };
  return { ok: true, binary: Buffer.from(c.stdout) };
}

/** A compiled binary's run: itself as the candidate, `args` after it, with this stdin. */
export function binarySpec(binary: Buffer, stdin: string | Buffer, limits: SandboxLimits, args: string[] = [],
  files: Record<string, string | Buffer> = {}): SandboxSpec {
  return {
    candidate: { argv: [WORKDIR_EXE + BINARY, ...args], env: ENV, stdin },
    files: { ...files, [BINARY]: binary },
    executables: [BINARY],
    limits,
  };
}
