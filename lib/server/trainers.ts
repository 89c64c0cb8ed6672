// Routes that take a trainer's own reward-function call as JSON, so the Python side is one POST and every
// rule (labels, program extraction, grouping) lives here:
//  - POST /verl/compute_score: verl's custom reward function. The batch manager's call
//    compute_score(data_sources, solution_strs, ground_truths, extra_infos, **reward_kwargs) as
//    {"data_sources", "solution_strs", "ground_truths", "extra_infos"?, ...reward_kwargs} -> the list it
//    returns, one {"score", ...} per sample; the per-sample managers' call
//    compute_score(data_source, solution_str, ground_truth, extra_info) as {"data_source", ...} -> one dict.
//  - POST /trl/reward: TRL's reward function reward_func(prompts=..., completions=..., completion_ids=...,
//    **dataset columns) as {"prompts", "completions", "completion_ids"?, <columns>...} -> {"rewards": [...]}
//    (plain or conversational completions; the column holding the tests is ?label_key=, default
//    "ground_truth").
// A prompt's rollouts are consecutive in both trainers' batches: consecutive samples with the same prompt
// (TRL) or data source and ground truth (verl) form one group, scored together (VeRPO by default).
// A sample that cannot be scored (its label is empty, has no tests, is malformed) is answered with 200,
// never a retryable status: verl gets score 0.0 (it has no way to mask a sample) and the reason in "error"
// (the same keys for every sample: verl gathers each key into a per-sample list); TRL gets None (null),
// which it turns into NaN and leaves out of the sum over reward functions. Numbers are JSON floats.
import type { OutputLine, RowResult } from '../pipeline/contract';
import { ESTIMATORS, SCHEMES } from '../reward/codes';
import { HttpError } from './errors';
import { scoreGroups, type RequestScoreOptions, type ScoringContext } from './scoring';

const OPTION_KEYS = ['scheme', 'alpha', 'beta', 'gamma', 'delta', 'advantage'] as const;

/** Runs of equal consecutive keys: a prompt's rollouts are consecutive in verl's and TRL's batches. */
export function consecutiveRuns(keys: readonly string[]): number[][] {
  const runs: number[][] = [];
  keys.forEach((k, i) => {
    const last = runs[runs.length - 1];
    if (last !== undefined && keys[last[0]] === k) last.push(i);
    else runs.push([i]);
  });
  return runs;
}

function keyOf(v: unknown): string {
  return typeof v === 'string' ? `s${v}` : `j${JSON.stringify(v) ?? 'null'}`;
}

/** Reward options from verl's reward_kwargs or TRL's query string; other keys (url, token...) are ignored. */
function optionsFrom(source: Record<string, unknown>, fromQuery: boolean, defaults: RequestScoreOptions): RequestScoreOptions {
  const o: Record<string, unknown> = { ...defaults };
  for (const k of OPTION_KEYS) {
    let v = source[k];
    if (v === undefined) continue;
    if (fromQuery && typeof v === 'string' && k !== 'scheme' && k !== 'advantage') v = Number(v);
    if ((k === 'scheme' && !(SCHEMES as readonly unknown[]).includes(v)) || (k === 'advantage' && !(ESTIMATORS as readonly unknown[]).includes(v))) {
      throw new HttpError(400, `invalid request: ${k}: ${JSON.stringify(v)} is not one of ${(k === 'scheme' ? SCHEMES : ESTIMATORS).join(', ')}`);
    }
    if (k !== 'scheme' && k !== 'advantage' && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new HttpError(400, `invalid request: ${k}: expected a number, got ${JSON.stringify(source[k])}`);
    }
    o[k] = v;
  }
  return o as RequestScoreOptions;
}

/** Scores runs of samples as groups; per sample its result row, or the reason it has none. */
async function scoreRuns(ctx: ScoringContext, runs: number[][], group: (run: number[], id: number) => Record<string, unknown>,
  options: RequestScoreOptions, signal: AbortSignal, lane: string, n: number): Promise<Array<RowResult | string>> {
  const outputs: OutputLine[] = await Promise.all(scoreGroups(ctx, runs.map((run, id) => group(run, id)), options, signal, lane));
  const rows: Array<RowResult | string> = new Array(n);
  runs.forEach((run, g) => {
    const o = outputs[g];
    if (o.error !== null && /^problems\[\d+\]: internal error/.test(o.error)) {
      // the server's fault, not the sample's: worth retrying (elsewhere, or later)
      throw new HttpError(503, 'internal error while scoring; retry', { 'retry-after': String(ctx.retryAfterSeconds) });
    }
    const samples = run.length === 1 ? `sample ${run[0]}` : `samples ${run[0]}..${run[run.length - 1]}`;
    run.forEach((i, r) => {
      rows[i] = o.error !== null ? o.error.replace(/^problems\[\d+\]/, samples) : o.rollouts![r];
    });
  });
  return rows;
}

// ---- verl -----------------------------------------------------------------------------------------

export interface VerlScore {
  score: number;
  dense: number;
  outcome: number;
  pass_rate: number;
  verpo_advantage: number;
  /** "" when the sample was scored; else why not (its score is then 0.0). */
  error: string;
}

export const VERL_SCHEMA = {
  type: 'object',
  properties: {
    data_sources: { type: 'array' },
    solution_strs: { type: 'array', items: { type: 'string' } },
    ground_truths: { type: 'array' },
    extra_infos: { type: ['array', 'null'] },
    data_source: {},
    solution_str: { type: 'string' },
    ground_truth: {},
    extra_info: {},
  },
} as const;

function verlScore(row: RowResult | string): VerlScore {
  if (typeof row === 'string') return { score: 0, dense: 0, outcome: 0, pass_rate: 0, verpo_advantage: 0, error: row };
  const passRate = row.passed.length > 0 ? row.passed.reduce((a, b) => a + b, 0) / row.passed.length : 0;
  return { score: row.reward, dense: row.dense, outcome: row.outcome, pass_rate: passRate, verpo_advantage: row.advantage, error: '' };
}

export async function verlComputeScore(ctx: ScoringContext, body: Record<string, unknown>, signal: AbortSignal): Promise<VerlScore[] | VerlScore> {
  if ('solution_strs' in body) {
    const { data_sources: sources, solution_strs: solutions, ground_truths: truths } = body as { data_sources?: unknown[]; solution_strs: string[]; ground_truths?: unknown[] };
    const n = solutions.length;
    if (!Array.isArray(truths) || truths.length !== n) throw new HttpError(400, `invalid request: ground_truths: expected one ground truth per solution (${n})`);
    if (sources !== undefined && (!Array.isArray(sources) || sources.length !== n)) throw new HttpError(400, `invalid request: data_sources: expected one per solution (${n})`);
    if (n === 0) return [];
    const options = optionsFrom(body, false, {});
    const runs = consecutiveRuns(solutions.map((_, i) => `${keyOf(sources?.[i] ?? null)}\u0000${keyOf(truths[i])}`));
    const rows = await scoreRuns(ctx, runs, (run, id) => ({ id, label: truths[run[0]], completions: run.map((i) => solutions[i]) }),
      options, signal, 'verl', n);
    return rows.map(verlScore);
  }
  if (typeof body.solution_str !== 'string') {
    throw new HttpError(400, 'invalid request: expected verl\'s batch call {"data_sources", "solution_strs", "ground_truths", "extra_infos"} or its per-sample call {"data_source", "solution_str", "ground_truth", "extra_info"}');
  }
  // one sample alone: no group to weigh tests by, so its pass rate unless the call asks for a scheme
  const options = optionsFrom(body, false, { scheme: 'pass-rate' });
  const [row] = await scoreRuns(ctx, [[0]], (_run, id) => ({ id, label: body.ground_truth, completions: [body.solution_str] }), options, signal, 'verl', 1);
  return verlScore(row);
}

// ---- TRL ------------------------------------------------------------------------------------------

export interface TrlReward {
  /** Per completion: its reward, or null (TRL: NaN, left out) when its label cannot be scored. */
  rewards: (number | null)[];
  errors: (string | null)[];
}

export const TRL_SCHEMA = {
  type: 'object',
  required: ['prompts', 'completions'],
  properties: {
    prompts: { type: 'array' },
    completions: { type: 'array' },
    completion_ids: { type: 'array' },
  },
} as const;

export async function trlReward(ctx: ScoringContext, body: Record<string, unknown>, query: Record<string, unknown>, signal: AbortSignal): Promise<TrlReward> {
  const prompts = body.prompts as unknown[];
  const completions = body.completions as unknown[];
  const n = completions.length;
  if (prompts.length !== n) throw new HttpError(400, `invalid request: prompts: expected one prompt per completion (${n})`);
  const labelKey = typeof query.label_key === 'string' && query.label_key !== '' ? query.label_key : 'ground_truth';
  const labels = body[labelKey];
  if (!Array.isArray(labels) || labels.length !== n) {
    throw new HttpError(400, `invalid request: ${labelKey}: expected the dataset column with each problem's tests, one per completion (${n}); name it with ?label_key=`);
  }
  if (n === 0) return { rewards: [], errors: [] };
  const options = optionsFrom(query, true, {});
  const runs = consecutiveRuns(prompts.map((p, i) => `${keyOf(p)}\u0000${keyOf(labels[i])}`));
  const rows = await scoreRuns(ctx, runs, (run, id) => ({ id, label: labels[run[0]], completions: run.map((i) => completions[i]) }),
    options, signal, 'trl', n);
  return {
    rewards: rows.map((r) => (typeof r === 'string' ? null : r.reward)),
    errors: rows.map((r) => (typeof r === 'string' ? r : null)),
  };
}
