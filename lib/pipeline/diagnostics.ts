// Diagnostics beyond pass@1 (issue 14, as the RLVR study reports them): generation length, the exception
// types behind RE verdicts, the lint profile and the held-out gap, gathered per line while it is scored
// (LineStats.diagnostics) and summed over a run by the CLI summary and the server's /metrics.
import type { RunResult } from '../exec/types';
import type { LintResult, Severity } from '../lint/ruff';

export interface LineDiagnostics {
  /** Per program (row): its length in characters and in lines. */
  chars: number[];
  lines: number[];
  /** RE cells by what ended the program: the exception's class (IndexError), a signal (SIGSEGV), or `exit N`. */
  runtimeErrors: Record<string, number>;
  /** With lint on: violations by severity and by rule code, over the line's rows. */
  lint: { bySeverity: Record<Severity, number>; codes: Record<string, number> } | null;
  /** With hidden tests: the line's visible - hidden pass rate. */
  heldOutGap: number | null;
}

const EXCEPTION_NAME = /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Iteration|Warning)$/;

/** What ended a program that got RE, from the cell's detail (judge: "the program raised X: ..."; stdio: "the
 *  program failed: exit code 1: X: ..." or "killed by SIGSEGV"). */
export function runtimeErrorKind(detail: string | undefined): string {
  const d = detail ?? '';
  const raised = /the program raised ([A-Za-z_][\w.]*)/.exec(d);
  if (raised) return raised[1];
  const signal = /killed by (SIG[A-Z0-9]+)/.exec(d);
  if (signal) return signal[1];
  const exited = /exit code (-?\d+)(?:: ([A-Za-z_][\w.]*)(?=:|$))?/.exec(d);
  if (exited) return exited[2] !== undefined && EXCEPTION_NAME.test(exited[2]) ? exited[2] : `exit ${exited[1]}`;
  return 'other';
}

export function lineDiagnostics(programs: string[], runs: RunResult[], lint: Array<LintResult | null> | null, heldOutGap: number | null): LineDiagnostics {
  const runtimeErrors: Record<string, number> = {};
  for (const run of runs) {
    for (const cell of run.tests) {
      if (cell.verdict !== 'RE') continue;
      const k = runtimeErrorKind(cell.detail);
      runtimeErrors[k] = (runtimeErrors[k] ?? 0) + 1;
    }
  }
  let lintSum: LineDiagnostics['lint'] = null;
  if (lint !== null && lint.some((l) => l !== null)) {
    lintSum = { bySeverity: { error: 0, warning: 0, style: 0 }, codes: {} };
    for (const l of lint) {
      if (l === null) continue;
      for (const s of ['error', 'warning', 'style'] as const) lintSum.bySeverity[s] += l.by_severity[s];
      for (const [c, n] of Object.entries(l.codes)) lintSum.codes[c] = (lintSum.codes[c] ?? 0) + n;
    }
  }
  return {
    chars: programs.map((p) => p.length),
    lines: programs.map((p) => (p === '' ? 0 : p.split('\n').length - (p.endsWith('\n') ? 1 : 0))),
    runtimeErrors, lint: lintSum, heldOutGap,
  };
}

/** A bounded sample of a run's values (the first `cap`, then a deterministic reservoir), for percentiles. */
export class Sample {
  private readonly values: number[] = [];
  private seen = 0;
  private state = 0x9e3779b9;
  constructor(private readonly cap = 100_000) {}
  add(x: number): void {
    this.seen++;
    if (this.values.length < this.cap) {
      this.values.push(x);
      return;
    }
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    const j = this.state % this.seen;
    if (j < this.cap) this.values[j] = x;
  }
  /** The q-quantile (nearest rank), or null when empty. */
  quantile(q: number): number | null {
    if (this.values.length === 0) return null;
    const s = [...this.values].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  }
}
