// The end-of-run summary, computed from output lines (so a resumed run counts what it resumed).
import type { OutputLine, RowResult } from '../pipeline/contract';
import { VERDICTS } from '../pipeline/score';

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

  add(o: OutputLine): void {
    this.lines++;
    if (o.error !== null) {
      this.failed++;
      return;
    }
    const all: RowResult[] = o.rollouts ?? (o.turns ?? []).flat();
    const finals: RowResult[] = o.rollouts ?? (o.turns ?? []).map((t) => t[t.length - 1]);
    this.rows += all.length;
    this.trajectories += finals.length;
    this.solvedTrajectories += finals.filter(solved).length;
    for (const r of all) for (const v of r.verdicts ?? []) this.verdicts[v] = (this.verdicts[v] ?? 0) + 1;
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
  return [
    `verpo: ${s.lines} lines (${s.failed} failed), ${s.rows} rows`,
    `  verdicts: ${hist}`,
    `  mean reward: ${s.meanReward === null ? 'n/a' : s.meanReward.toFixed(4)}   pass@1: ${pct(s.pass1)}   groups with all-zero advantages: ${pct(s.zeroAdvantageGroups)}`,
  ].join('\n');
}
