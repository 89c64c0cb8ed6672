// The end-of-run summary, computed from output lines (so a resumed run counts what it resumed).
import type { OutputLine, RowResult } from '../pipeline/contract';
import { VERDICTS, type LineStats } from '../pipeline/score';
import { Sample } from '../pipeline/diagnostics';

export interface Summary {
  lines: number;
  failed: number;
  verdicts: Record<string, number>;
  rows: number;
  meanReward: number | null;
  /** Fraction of trajectories (rollouts) whose final program passed every test. */
  pass1: number | null;
  /** Fraction of scored groups whose advantages are all zero (no learning signal). */
  zeroAdvantageGroups: number | null;
  /** Diagnostics of the lines scored in this run (a resumed run's earlier lines have none). */
  diagnostics: {
    programs: number;
    chars: { p50: number | null; p90: number | null };
    lines: { p50: number | null; p90: number | null };
    runtimeErrors: Record<string, number>;
    lint: { error: number; warning: number; style: number; codes: Record<string, number> } | null;
    /** Mean visible - hidden pass rate over the lines with hidden tests. */
    heldOutGap: number | null;
    heldOutLines: number;
  };
}

/** A row's cells: a program's verdicts, or a test file's matrix (its tests on the focal and on each mutant). */
function verdictsOf(row: RowResult): string[] {
  const m = (row as { matrix?: { focal?: string[]; mutants?: string[][] } }).matrix;
  if (m === undefined) return row.verdicts ?? [];
  return [...(m.focal ?? []), ...(m.mutants ?? []).flat()];
}

function solved(row: RowResult): boolean {
  return row.passed.every((p) => p === 1);
}

/** Accumulates the summary line by line, so a long run keeps no output in memory. */
export class SummaryBuilder {
  private readonly verdicts: Record<string, number> = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
  private lines = 0;
  private failed = 0;
  private rows = 0;
  private rewardRows = 0;
  private rewardSum = 0;
  private trajectories = 0;
  private solvedTrajectories = 0;
  private groups = 0;
  private zeroGroups = 0;
  private readonly chars = new Sample();
  private readonly lineCounts = new Sample();
  private programs = 0;
  private readonly runtimeErrors: Record<string, number> = {};
  private lint: { error: number; warning: number; style: number; codes: Record<string, number> } | null = null;
  private gapSum = 0;
  private gapLines = 0;

  /** `stats`: the line's own, when it was scored in this run (its diagnostics). */
  add(o: OutputLine, stats?: LineStats | null): void {
    const d = stats?.diagnostics;
    if (d) {
      for (const c of d.chars) this.chars.add(c);
      for (const l of d.lines) this.lineCounts.add(l);
      this.programs += d.chars.length;
      for (const [k, n] of Object.entries(d.runtimeErrors)) this.runtimeErrors[k] = (this.runtimeErrors[k] ?? 0) + n;
      if (d.lint) {
        this.lint ??= { error: 0, warning: 0, style: 0, codes: {} };
        this.lint.error += d.lint.bySeverity.error;
        this.lint.warning += d.lint.bySeverity.warning;
        this.lint.style += d.lint.bySeverity.style;
        for (const [c, n] of Object.entries(d.lint.codes)) this.lint.codes[c] = (this.lint.codes[c] ?? 0) + n;
      }
      if (d.heldOutGap !== null) (this.gapSum += d.heldOutGap), this.gapLines++;
    }
    this.lines++;
    if (o.error !== null) {
      this.failed++;
      return;
    }
    const all: RowResult[] = o.rollouts ?? (o.turns ?? []).flat();
    const finals: RowResult[] = o.rollouts ?? (o.turns ?? []).map((t) => t[t.length - 1]);
    this.rows += all.length;
    // a task 'tests' line's rows are test files: rewarded, but nothing of them is a solved program (pass@1)
    if ((o as { task?: unknown }).task !== 'tests') {
      this.trajectories += finals.length;
      this.solvedTrajectories += finals.filter(solved).length;
    }
    for (const r of all) for (const v of verdictsOf(r)) this.verdicts[v] = (this.verdicts[v] ?? 0) + 1;
    if (all.length && typeof all[0].reward === 'number') {
      this.groups++;
      if (all.every((r) => r.advantage === 0)) this.zeroGroups++;
      for (const r of all) (this.rewardSum += r.reward), this.rewardRows++;
    }
  }

  result(): Summary {
    return {
      lines: this.lines, failed: this.failed, verdicts: { ...this.verdicts }, rows: this.rows,
      meanReward: this.rewardRows ? this.rewardSum / this.rewardRows : null,
      pass1: this.trajectories ? this.solvedTrajectories / this.trajectories : null,
      zeroAdvantageGroups: this.groups ? this.zeroGroups / this.groups : null,
      diagnostics: {
        programs: this.programs,
        chars: { p50: this.chars.quantile(0.5), p90: this.chars.quantile(0.9) },
        lines: { p50: this.lineCounts.quantile(0.5), p90: this.lineCounts.quantile(0.9) },
        runtimeErrors: { ...this.runtimeErrors },
        lint: this.lint && { ...this.lint, codes: { ...this.lint.codes } },
        heldOutGap: this.gapLines ? this.gapSum / this.gapLines : null,
        heldOutLines: this.gapLines,
      },
    };
  }
}

export function summarize(outputs: Iterable<OutputLine>): Summary {
  const b = new SummaryBuilder();
  for (const o of outputs) b.add(o);
  return b.result();
}

export function formatSummary(s: Summary): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
  const hist = Object.entries(s.verdicts).filter(([, n]) => n > 0).map(([v, n]) => `${v} ${n}`).join('  ') || 'none';
  const cells = Object.values(s.verdicts).reduce((a, b) => a + b, 0);
  const share = (v: string) => (cells ? `${(100 * (s.verdicts[v] ?? 0) / cells).toFixed(1)}%` : 'n/a');
  const top = (counts: Record<string, number>, n = 6) =>
    Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([k, v]) => `${k} ${v}`).join('  ') || 'none';
  const d = s.diagnostics;
  const out = [
    `verpo: ${s.lines} lines (${s.failed} failed), ${s.rows} rows`,
    `  verdicts: ${hist}   (TLE ${share('TLE')}, IE ${share('IE')} of cells)`,
    `  mean reward: ${s.meanReward === null ? 'n/a' : s.meanReward.toFixed(4)}   pass@1: ${pct(s.pass1)}   groups with all-zero advantages: ${pct(s.zeroAdvantageGroups)}`,
  ];
  if (d.programs > 0) {
    out.push(`  programs: ${d.programs}, characters p50 ${d.chars.p50} p90 ${d.chars.p90}, lines p50 ${d.lines.p50} p90 ${d.lines.p90}`);
    out.push(`  runtime errors (RE cells by exception): ${top(d.runtimeErrors)}`);
  }
  if (d.lint) out.push(`  lint: ${d.lint.error} errors, ${d.lint.warning} warnings, ${d.lint.style} style; top codes ${top(d.lint.codes)}`);
  if (d.heldOutGap !== null) out.push(`  held-out gap (visible - hidden pass rate): mean ${d.heldOutGap.toFixed(4)} over ${d.heldOutLines} lines`);
  return out.join('\n');
}
