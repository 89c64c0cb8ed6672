// From what the sandbox observed (and, for assert/call tests, the trusted judge's one-line verdict) to a
// cell of the verdict matrix. Facts the supervisor observed outside the program come first (internal
// error, sandbox violation, a limit), so nothing the program prints or sends can override them; AC is
// only ever the judge's AC or a stdout comparison done here, never an exit code.
import { compareOutput } from './compare';
import type { CandidateResult, SandboxResult } from '../native/types';
import type { CheckerOutcome } from './checker';
import type { CompileResult, StdioTest, TestResult, Verdict } from './types';

/** How every producer (the syntax check, the judge, a stdio process's harness) begins a setup's compile error. */
export const SETUP_DOES_NOT_COMPILE = 'setup code does not compile: ';

export interface JudgeVerdict {
  verdict: 'AC' | 'WA' | 'RE' | 'OLE' | 'IE' | 'CE';
  /** Pair mode (kind 'pairs'): each test's report, in order, and whether every test reported. */
  tests?: PairReport[];
  complete?: boolean;
  detail?: string | null;
  /** Builtin name of the candidate's exception class, when the program raised. */
  exc?: string;
  /** The candidate process ended during the test (the channel hit end of file). */
  gone?: boolean;
  calls?: number;
}

/** One test's report in pair mode (judge.py judge_pairs, checked there). */
export interface PairReport {
  verdict: 'AC' | 'WA' | 'RE' | 'OLE' | 'IE' | 'CE' | 'TLE';
  detail?: string;
  exc?: string;
  limit?: string;
  cpu_ms?: number;
  wall_ms?: number;
  arcs?: number[];
}

/** A pair-mode run (runner.py run_pairs): the cells of the tests that reported (each ran in processes of its own,
 *  with its own limits, so they stand whatever ended the run later), and, when not every test reported, the
 *  cell the run itself came to (a limit of the whole batch, a violation, an internal error): for a batch of one
 *  test that is the test's cell. */
export function pairCells(r: SandboxResult, ctx: CellContext): { cells: TestResult[]; run: TestResult | null } {
  const j = r.judge;
  const v = j === null ? null : parseJudgeOutput(j.stdout);
  const reports = v !== null && Array.isArray(v.tests) ? v.tests : [];
  const cells = reports.map((t): TestResult => {
    // the program side's MemoryError is its memory limit (RLIMIT_DATA on each of the test's processes)
    const verdict = t.verdict === 'RE' && t.exc === 'MemoryError' ? 'MLE' : t.verdict;
    const cell: TestResult = { verdict, cpuMs: t.cpu_ms ?? 0, wallMs: t.wall_ms ?? 0, memoryKb: r.candidate.memoryKb };
    if (verdict !== 'AC' && t.detail !== undefined) cell.detail = t.detail;
    if (verdict === 'MLE') cell.limit = 'memory';
    if (t.verdict === 'TLE') cell.limit = t.limit === 'wall' ? 'wall' : 'cpu';
    if (Array.isArray(t.arcs)) cell.arcs = t.arcs;
    return cell;
  });
  if (v !== null && v.complete === true) return { cells, run: null };
  const early = supervisorVerdict(r, ctx);
  if (early !== null) return { cells, run: early };
  const why = j === null ? 'no judge result' : v === null ? `judge exit ${j.exitCode ?? j.signal}: ${j.stderr.toString('utf8').slice(-300)}` : v.detail ?? 'incomplete';
  const c = r.candidate;
  if (c.signal !== null || (c.exitCode !== null && c.exitCode !== 0)) return { cells, run: crashCell(c, ctx, 'the pair harness ended') };
  return { cells, run: baseCell(c, ctx, 'IE', `pair mode: ${why}`) };
}

// CE: the runner compiled the sources itself and they do not compile (scope rollout, no separate syntax check)
const JUDGE_VERDICTS = new Set(['AC', 'WA', 'RE', 'OLE', 'IE', 'CE']);
/** Share of the memory limit above which an unexplained SIGKILL is read as the OOM killer. */
const OOM_SHARE = 0.9;

/** The judge prints exactly one JSON line; anything else means the judge failed (IE). */
export function parseJudgeOutput(stdout: Buffer): JudgeVerdict | null {
  const text = stdout.toString('utf8').trim();
  if (text === '' || text.includes('\n')) return null;
  try {
    const v = JSON.parse(text) as JudgeVerdict;
    if (v === null || typeof v !== 'object' || !JUDGE_VERDICTS.has(v.verdict)) return null;
    return v;
  } catch {
    return null;
  }
}

export interface CellContext {
  excerptBytes: number;
  memoryMb: number;
}

function excerpt(buf: Buffer, cap: number): { text: string; cut: boolean } {
  if (buf.length <= cap) return { text: buf.toString('utf8'), cut: false };
  return { text: buf.subarray(0, cap).toString('utf8'), cut: true };
}

/** Measurements and output excerpts shared by every kind of cell. */
export function baseCell(c: CandidateResult, ctx: CellContext, verdict: Verdict, detail?: string): TestResult {
  const out = excerpt(c.stdout, ctx.excerptBytes);
  const err = excerpt(c.stderr, ctx.excerptBytes);
  const cell: TestResult = {
    verdict, cpuMs: c.cpuMs, wallMs: c.wallMs, memoryKb: c.memoryKb,
    exitCode: c.exitCode, signal: c.signal,
    stdout: out.text, stderr: err.text,
    truncated: out.cut || err.cut || c.stdoutTruncated || c.stderrTruncated,
  };
  if (detail !== undefined) cell.detail = detail;
  if (c.limit !== null) cell.limit = c.limit;
  return cell;
}

/** Verdicts decided by the supervisor alone, before looking at the judge or at stdout. */
function supervisorVerdict(r: SandboxResult, ctx: CellContext): TestResult | null {
  const c = r.candidate;
  if (r.internalError !== null) return { ...baseCell(c, ctx, 'IE', `sandbox: ${r.internalError}`) };
  if (c.violation !== null) {
    const cell = baseCell(c, ctx, 'SV', `sandbox violation: ${c.violation.syscall} (syscall ${c.violation.nr})`);
    cell.syscall = c.violation.syscall;
    return cell;
  }
  switch (c.limit) {
    case 'cpu': return baseCell(c, ctx, 'TLE', `cpu time limit exceeded (${c.cpuMs} ms cpu)`);
    case 'wall': return baseCell(c, ctx, 'TLE', `wall time limit exceeded (${c.wallMs} ms wall)`);
    case 'memory': return baseCell(c, ctx, 'MLE', `memory limit exceeded (${c.memoryKb} KiB peak)`);
    case 'output': return baseCell(c, ctx, 'OLE', 'output limit exceeded');
    case 'file': return baseCell(c, ctx, 'OLE', 'file size limit exceeded');
    default: return null;
  }
}

function looksLikeOom(c: CandidateResult, ctx: CellContext): boolean {
  return c.signal === 'SIGKILL' && c.memoryKb >= OOM_SHARE * ctx.memoryMb * 1024;
}

/** The program ended on its own with a failure status: RE (or MLE when Python ran out of memory). */
function crashCell(c: CandidateResult, ctx: CellContext, what: string): TestResult {
  if (looksLikeOom(c, ctx)) return baseCell(c, ctx, 'MLE', `killed near the memory limit (${c.memoryKb} KiB peak)`);
  if (c.signal !== null) return baseCell(c, ctx, 'RE', `${what}: killed by ${c.signal}`);
  return baseCell(c, ctx, 'RE', `${what}: exit code ${c.exitCode}`);
}

/** An assert or call test: the judge's verdict, refined by what the sandbox saw; with the CPU time the judge
 *  spent on it (`judgeCpuMs`) whenever a judge ran. */
export function judgedCell(r: SandboxResult, ctx: CellContext): TestResult {
  const cell = judgedVerdict(r, ctx);
  if (r.judge !== null) cell.judgeCpuMs = r.judge.cpuMs;
  return cell;
}

function judgedVerdict(r: SandboxResult, ctx: CellContext): TestResult {
  const early = supervisorVerdict(r, ctx);
  if (early !== null) return early;
  const c = r.candidate;
  const j = r.judge;
  const v = j === null ? null : parseJudgeOutput(j.stdout);
  if (j === null || v === null || j.exitCode !== 0) {
    const why = j === null ? 'no judge result' : `judge exit ${j.exitCode ?? j.signal}: ${j.stderr.toString('utf8').slice(-500)}`;
    return baseCell(c, ctx, 'IE', `judge failed (${why})`);
  }
  const detail = v.detail ?? undefined;
  if (v.verdict === 'RE' && v.gone) {
    // the program's own end decided the verdict: its exit status is the evidence, so it is kept
    if (c.signal === null && c.exitCode === 0) {
      return baseCell(c, ctx, 'RE', 'the program exited with code 0 before the test finished');
    }
    return crashCell(c, ctx, 'the program ended before the test finished');
  }
  // Otherwise the program was still serving when the judge finished, and the sandbox then killed it:
  // that SIGKILL says nothing about the program, so no exit status is reported.
  const verdict = v.verdict === 'RE' && v.exc === 'MemoryError' ? 'MLE' : v.verdict;
  const cell = baseCell(c, ctx, verdict, verdict === 'AC' ? undefined : detail);
  delete cell.exitCode;
  delete cell.signal;
  return cell;
}

/** A stdio test's run, before its output is judged: the cell when the run alone decides it (a limit, a
 *  crash, a failing exit status, output cut at the cap), or null when the program ended well and its whole
 *  output is there to be compared (or checked). */
export function stdioRunCell(r: SandboxResult, ctx: CellContext): TestResult | null {
  if (r.internalError === null && r.compileError != null) {
    // the harness's word, before any of the program ran: the compiler's message is all the process wrote
    const message = r.candidate.stderr.toString('utf8').trimEnd() || 'the program does not compile';
    return r.compileError === 'setup'
      ? baseCell(r.candidate, ctx, 'IE', `${SETUP_DOES_NOT_COMPILE}${message}`)
      : baseCell(r.candidate, ctx, 'CE', message);
  }
  const early = supervisorVerdict(r, ctx);
  if (early !== null) return early;
  const c = r.candidate;
  if (c.signal !== null || c.exitCode !== 0) {
    const last = lastLine(c.stderr);
    if (c.signal === null && /^MemoryError\b/.test(last)) return baseCell(c, ctx, 'MLE', last);
    const cell = crashCell(c, ctx, 'the program failed');
    if (last !== '' && cell.verdict === 'RE') cell.detail = `${cell.detail}: ${last}`;
    return cell;
  }
  if (c.stdoutTruncated) return baseCell(c, ctx, 'OLE', 'output limit exceeded');
  return null;
}

/** A stdio test: exit status first, then the stdout comparison (expected output never left this process). */
export function stdioCell(r: SandboxResult, test: StdioTest, ctx: CellContext): TestResult {
  const decided = stdioRunCell(r, ctx);
  if (decided !== null) return decided;
  const c = r.candidate;
  const mode = test.compare ?? 'whitespace';
  if (mode === 'checker') throw new Error('stdioCell: a checker test is judged by its checker');
  const cmp = compareOutput(c.stdout, test.stdout, mode, test.tolerance, test.case);
  return cmp.ok ? baseCell(c, ctx, 'AC') : baseCell(c, ctx, 'WA', cmp.detail);
}

/** A stdio test judged by a checker: the checker's verdict on the program's measurements (an internal error of
 *  the checker is IE, with its reason). */
export function checkedCell(r: SandboxResult, outcome: CheckerOutcome, ctx: CellContext): TestResult {
  const cell = 'internal' in outcome
    ? baseCell(r.candidate, ctx, 'IE', outcome.internal)
    : baseCell(r.candidate, ctx, outcome.verdict, outcome.detail);
  cell.checkerCpuMs = outcome.cpuMs;
  return cell;
}

function lastLine(buf: Buffer): string {
  const lines = buf.toString('utf8').trimEnd().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 500);
}

/** The syntax check (run sandboxed, executes nothing): CompileResult, or null when the check itself failed. */
export function compileFromRun(r: SandboxResult): (CompileResult & { where?: string; code?: Buffer }) | null {
  const c = r.candidate;
  if (r.internalError !== null || c.violation !== null) return null;
  if (c.limit !== null) {
    // compiling is all this process did: a program that exhausts a limit at compile time does not compile
    return { ok: false, message: `compilation exceeded the ${c.limit} limit` };
  }
  if (c.exitCode !== 0) return null;
  try {
    // one JSON line; when it compiled, `marshal` bytes of compiled code follow it (runner.compile_check)
    const nl = c.stdout.indexOf(10);
    const v = JSON.parse(c.stdout.subarray(0, nl < 0 ? c.stdout.length : nl).toString('utf8')) as
      { ok?: unknown; message?: unknown; where?: unknown; marshal?: unknown };
    if (v.ok === true) {
      const rest = nl < 0 ? Buffer.alloc(0) : c.stdout.subarray(nl + 1);
      // kept by the syntax-check cache for as long as the program is: a buffer of its own, not a slice of a
      // shared pool slab (which would keep the slab's other, dead, allocations alive with it)
      const code = typeof v.marshal === 'number' && v.marshal > 0 && rest.length === v.marshal && !c.stdoutTruncated
        ? ownCopy(rest) : undefined;
      return code ? { ok: true, code } : { ok: true };
    }
    if (v.ok === false && typeof v.message === 'string') {
      return { ok: false, message: v.message, where: typeof v.where === 'string' ? v.where : 'program' };
    }
  } catch { /* fall through */ }
  return null;
}

function ownCopy(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}
