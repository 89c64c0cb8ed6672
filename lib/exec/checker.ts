// Checkers (special judges) for stdio tests with compare: 'checker'. A checker is dataset code, not the
// program's: it runs in a sandbox of its own after the program's run, started as testlib starts one,
// `checker input.txt output.txt answer.txt` in its workdir, and decides by exit code: 0 AC, 1 WA, 2 WA
// (presentation error); anything else, a crash, a limit or a sandbox violation is an internal error (IE),
// never the program's fault.
import type { SandboxLimits, SandboxResult } from '../native/types';
import type { SandboxSpec } from './sandbox';
import { DEFAULT_LIMITS, defaultTmpfsMb } from './limits';

export interface CheckerSpec {
  language: 'python' | 'cpp';
  /** The checker's source: a Python script, or C++ (which may include "testlib.h"; ExecutorOptions.testlib). */
  source: string;
}

/** The checker's own limits (the program's are the problem's): generous, since a slow checker is never the
 *  program's fault and its time is not counted against the program. */
export const CHECKER_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  cpuMs: 10000, wallMs: 30000, memoryMb: 1024, outputKb: 64, tmpfsMb: defaultTmpfsMb(1024), inodes: DEFAULT_LIMITS.inodes,
});

/** The three files a checker is given, in its workdir (relative paths, as testlib's argv). */
export const CHECKER_ARGS: readonly string[] = Object.freeze(['input.txt', 'output.txt', 'answer.txt']);

/** A Python checker runs as __main__ with testlib's argv; an exception other than SystemExit (a bug in the
 *  checker, or a syntax error) exits 3, testlib's "fail", so that it reads as IE and never as exit code 1 (WA). */
export const PYTHON_CHECKER_BOOT = [
  'import runpy, sys, traceback',
  'sys.argv = sys.argv[1:]',
  'try:',
  "    runpy.run_path(sys.argv[0], run_name='__main__')",
  'except SystemExit:',
  '    raise',
  'except BaseException:',
  '    traceback.print_exc()',
  '    sys.exit(3)',
].join('\n');

/** Whether a C++ checker needs testlib.h. */
export function includesTestlib(source: string): boolean {
  return /^\s*#\s*include\s*[<"]testlib\.h[>"]/m.test(source);
}

/** The files of one check: the test's input, the program's output, the expected answer. */
export function checkFiles(input: string, output: Buffer, answer: string): Record<string, string | Buffer> {
  return { 'input.txt': input, 'output.txt': output, 'answer.txt': answer };
}

export type CheckerOutcome = { verdict: 'AC' | 'WA'; detail?: string; cpuMs: number } | { internal: string; cpuMs: number };

/** The checker's verdict from its run. */
export function checkerVerdict(r: SandboxResult): CheckerOutcome {
  const c = r.candidate;
  // what it said (testlib: one line on stderr); a traceback's end is the part that tells
  const text = (c.stderr.length > 0 ? c.stderr : c.stdout).toString('utf8').trim();
  const said = text.length <= 500 ? text : '…' + text.slice(-500);
  const cpuMs = c.cpuMs;
  if (r.internalError !== null) return { internal: `checker: sandbox: ${r.internalError}`, cpuMs };
  if (c.violation !== null) return { internal: `checker stopped by the sandbox (${c.violation.syscall})`, cpuMs };
  if (c.limit !== null) return { internal: `checker exceeded its ${c.limit} limit`, cpuMs };
  if (c.signal !== null) return { internal: `checker killed by ${c.signal}${said ? `: ${said}` : ''}`, cpuMs };
  switch (c.exitCode) {
    case 0: return { verdict: 'AC', cpuMs };
    case 1: return { verdict: 'WA', detail: `checker: ${said || 'wrong answer'}`, cpuMs };
    case 2: return { verdict: 'WA', detail: `checker (presentation error): ${said || 'wrong output format'}`, cpuMs };
    default: return { internal: `checker failed (exit code ${c.exitCode})${said ? `: ${said}` : ''}`, cpuMs };
  }
}

/** A Python checker's run. */
export function pythonCheckerSpec(python: string, flags: readonly string[], source: string, files: Record<string, string | Buffer>,
  env: Record<string, string>, limits: SandboxLimits = CHECKER_LIMITS): SandboxSpec {
  return {
    candidate: { argv: [python, ...flags, '-c', PYTHON_CHECKER_BOOT, 'checker.py', ...CHECKER_ARGS], env, stdin: '' },
    files: { ...files, 'checker.py': source },
    limits,
  };
}
