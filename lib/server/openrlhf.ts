// OpenRLHF's remote reward (`--reward.remote_url http://host:8080/get_reward`, trainer-integration.md
// §1.4): {"query": [...], "prompts": [...], "labels": [...]} in, {"rewards", "scores", "extra_logs"}
// out. OpenRLHF sends one sample per request and shards a list over its servers, so secondary
// servers get empty lists: those are answered with empty lists. Each sample is its own group of one
// rollout, scored with the pass-rate scheme (a group of one has no difficulty signal to weigh tests
// by), so reward = score = the fraction of the label's tests passed.
import type { OutputLine } from '../pipeline/contract';
import { HttpError } from './errors';
import { extractProgram, responseOf, testsFromLabel } from './labels';
import { scoreGroups, type ScoringContext } from './scoring';

export const OPENRLHF_SCHEMA = {
  type: 'object',
  required: ['query'],
  properties: {
    query: { type: 'array', items: { type: 'string' } },
    prompts: { type: 'array', items: { type: 'string' } },
    labels: { type: 'array' },
  },
} as const;

export interface OpenRlhfRequest {
  query: string[];
  prompts?: string[];
  labels?: unknown[];
}

export interface OpenRlhfResponse {
  rewards: number[];
  scores: number[];
  extra_logs: { pass_rate: number[]; all_passed: number[] };
}

/** Builds one group per sample; a label that names no tests is the request's fault (400). */
export function groupsOf(req: OpenRlhfRequest): unknown[] {
  const n = req.query.length;
  if (req.labels === undefined || req.labels.length !== n) {
    throw new HttpError(400, `invalid request: labels: expected one label per query (${n}); set --data.label_key to the column holding the tests`);
  }
  if (req.prompts !== undefined && req.prompts.length !== n) throw new HttpError(400, `invalid request: prompts: expected one prompt per query (${n})`);
  return req.query.map((q, i) => {
    let group;
    try {
      group = testsFromLabel(req.labels![i]);
    } catch (e) {
      throw new HttpError(400, `invalid request: labels[${i}]: ${(e as Error).message}`);
    }
    return { id: i, ...group, rollouts: [extractProgram(responseOf(q, req.prompts?.[i]))] };
  });
}

export async function getReward(ctx: ScoringContext, req: OpenRlhfRequest, signal: AbortSignal): Promise<OpenRlhfResponse> {
  const empty: OpenRlhfResponse = { rewards: [], scores: [], extra_logs: { pass_rate: [], all_passed: [] } };
  if (req.query.length === 0) return empty;
  const outputs: OutputLine[] = await Promise.all(scoreGroups(ctx, groupsOf(req), { scheme: 'pass-rate' }, signal));
  for (const o of outputs) {
    if (o.error !== null) throw new HttpError(400, `invalid request: ${o.error.replace(/^problems\[/, 'labels[')}`);
    const row = o.rollouts![0];
    empty.rewards.push(row.reward);
    empty.scores.push(row.dense);
    empty.extra_logs.pass_rate.push(row.dense);
    empty.extra_logs.all_passed.push(row.outcome > 0 ? 1 : 0);
  }
  return empty;
}
