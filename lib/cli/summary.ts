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

export function summarize(outputs: Iterable<OutputLine>): Summary {
  const verdicts: Record<string, number> = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
  let lines = 0, failed = 0, rows = 0, rewardRows = 0, rewardSum = 0, traj = 0, solvedTraj = 0, groups = 0, zero = 0;
  for (const o of outputs) {
    lines++;
    if (o.error !== null) {
      failed++;
      continue;
    }
    const all: RowResult[] = o.rollouts ?? (o.turns ?? []).flat();
    const finals: RowResult[] = o.rollouts ?? (o.turns ?? []).map((t) => t[t.length - 1]);
    rows += all.length;
    traj += finals.length;
    solvedTraj += finals.filter(solved).length;
    for (const r of all) for (const v of r.verdicts ?? []) verdicts[v] = (verdicts[v] ?? 0) + 1;
    if (all.length && typeof all[0].reward === 'number') {
      groups++;
      if (all.every((r) => r.advantage === 0)) zero++;
      for (const r of all) rewardSum += r.reward, rewardRows++;
    }
  }
  return {
    lines, failed, verdicts, rows,
    meanReward: rewardRows ? rewardSum / rewardRows : null,
    pass1: traj ? solvedTraj / traj : null,
    zeroAdvantageGroups: groups ? zero / groups : null,
  };
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
