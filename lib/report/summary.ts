// What `verpo report` plots, computed from scored JSONL (the output of `verpo score`): per input file (a series,
// e.g. one file per scheme) the reward and advantage of every row, the verdict counts, each test's weight
// against its pass rate, the lint profile, and the held-out gap of each line with hidden tests. Pure: the HTML
// page (html.ts) only draws these numbers.
import type { OutputLine, RowResult } from '../pipeline/contract';

export interface Histogram {
  /** Bin edges: bins.length + 1 of them, ascending (one bin of width 0 when every value is equal). */
  edges: number[];
  counts: number[];
}

export interface SeriesSummary {
  name: string;
  lines: number;
  /** Lines that carry an error instead of results (a bad input line, a failed problem). */
  errorLines: number;
  rows: number;
  /** Every row's reward and advantage (binned together across series by the page: html.ts). */
  rewards: number[];
  advantages: number[];
  /** Rows whose advantage is 0 (no learning signal), as a share of rows. */
  zeroAdvantageShare: number;
  meanReward: number;
  verdicts: Record<string, number>;
  /** One point per test of a line with weights: its pass rate over the line's rows and its weight. */
  weightPoints: Array<{ passRate: number; weight: number }>;
  /** Rows with a lint result: violations by severity, and the most frequent rule codes (at most 15). */
  lint: { rows: number; bySeverity: Record<string, number>; topCodes: Array<[string, number]>; meanScore: number | null };
  /** Lines with hidden tests: visible − hidden pass rate, per line. */
  heldOut: Array<{ id: string; gap: number; visible: number; hidden: number }>;
}

const BINS = 20;

/** Histograms of several value lists over the same bins (so series can be drawn side by side). */
export function histograms(lists: number[][], bins = BINS): Histogram[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const list of lists) {
    for (const v of list) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lists.map((list) => binned(list.filter(Number.isFinite), lo, hi, bins));
}

function binned(finite: number[], lo: number, hi: number, bins: number): Histogram {
  if (!Number.isFinite(lo)) return { edges: [], counts: [] };
  if (lo === hi) return { edges: [lo, hi], counts: [finite.length] };
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  return { edges, counts };
}

function rowsOf(line: OutputLine): RowResult[] {
  if (Array.isArray(line.rollouts)) return line.rollouts;
  if (Array.isArray(line.turns)) return line.turns.flat();
  return [];
}

/** A series from its scored lines (already parsed). Lines that are not objects count as error lines. */
export function summarize(name: string, lines: unknown[]): SeriesSummary {
  const rewards: number[] = [];
  const advantages: number[] = [];
  const verdicts: Record<string, number> = {};
  const weightPoints: SeriesSummary['weightPoints'] = [];
  const bySeverity: Record<string, number> = {};
  const codes = new Map<string, number>();
  const heldOut: SeriesSummary['heldOut'] = [];
  let lintRows = 0;
  let lintScore = 0;
  let errorLines = 0;
  let zero = 0;
  for (const raw of lines) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      errorLines++;
      continue;
    }
    const line = raw as OutputLine;
    if (typeof line.error === 'string') errorLines++;
    const rows = rowsOf(line);
    for (const r of rows) {
      if (typeof r.reward === 'number') rewards.push(r.reward);
      if (typeof r.advantage === 'number') {
        advantages.push(r.advantage);
        if (r.advantage === 0) zero++;
      }
      for (const v of r.verdicts ?? []) verdicts[v] = (verdicts[v] ?? 0) + 1;
      if (r.lint) {
        lintRows++;
        lintScore += r.lint.score;
        for (const [sev, n] of Object.entries(r.lint.by_severity)) bySeverity[sev] = (bySeverity[sev] ?? 0) + n;
        for (const [code, n] of Object.entries(r.lint.codes)) codes.set(code, (codes.get(code) ?? 0) + n);
      }
    }
    if (Array.isArray(line.weights) && rows.length > 0) {
      line.weights.forEach((w, j) => {
        if (typeof w !== 'number') return;
        let pass = 0;
        let seen = 0;
        for (const r of rows) {
          const p = r.passed?.[j];
          if (typeof p === 'number') {
            pass += p;
            seen++;
          }
        }
        if (seen > 0) weightPoints.push({ passRate: pass / seen, weight: w });
      });
    }
    if (line.hidden) {
      heldOut.push({ id: String(line.id), gap: line.hidden.gap, visible: line.hidden.visible_pass_rate, hidden: line.hidden.hidden_pass_rate });
    }
  }
  const topCodes = [...codes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 15);
  return {
    name,
    lines: lines.length,
    errorLines,
    rows: rewards.length,
    rewards,
    advantages,
    zeroAdvantageShare: advantages.length ? zero / advantages.length : 0,
    meanReward: rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : 0,
    verdicts,
    weightPoints,
    lint: { rows: lintRows, bySeverity, topCodes, meanScore: lintRows ? lintScore / lintRows : null },
    heldOut,
  };
}
