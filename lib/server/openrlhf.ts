// OpenRLHF's remote reward (`--reward.remote_url http://host:8080/get_reward`, trainer-integration.md
// §1.4): {"query": [...], "prompts": [...], "labels": [...]} in, {"rewards", "scores", "extra_logs"}
// out. OpenRLHF sends one sample per request and shards a list over its servers, so secondary
// servers get empty lists: those are answered with empty lists. Each sample is its own group of one
// rollout, scored with the pass-rate scheme (a group of one has no difficulty signal to weigh tests
// by), so reward = score = the fraction of the label's tests passed.
//
// What OpenRLHF does with the reply decides its shape (openrlhf/utils/agent.py, samples_generator.py):
//  - every number becomes a tensor (torch.tensor([reward]), and each extra_logs value too): rewards are
//    written as JSON floats (float-json.ts), never `1`, or an all-int batch makes int64 tensors whose
//    std() raises;
//  - any non-2xx status is retried 5 times, 1 s apart, and then the sample has no reward: so a label that
//    cannot be scored (empty, no tests, malformed) is answered 200 with reward 0.0, extra_logs.label_error
//    1.0 and its reason in `errors` (OpenRLHF ignores other keys; extra_logs holds numbers only, the same
//    keys for every sample). A request of the wrong shape (no labels, lengths that differ) stays a 400.
import type { OutputLine } from '../pipeline/contract';
import { HttpError } from './errors';
import { extractProgram, responseOf } from './labels';
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
  extra_logs: { pass_rate: number[]; all_passed: number[]; label_error: number[] };
  /** Per sample: null, or why its label could not be scored (its reward is then 0.0). */
  errors: (string | null)[];
}

/** One group per sample, its label read by the shared rules when it is scored. */
export function groupsOf(req: OpenRlhfRequest): unknown[] {
  const n = req.query.length;
  if (req.labels === undefined || req.labels.length !== n) {
    throw new HttpError(400, `invalid request: labels: expected one label per query (${n}); set --data.label_key to the column holding the tests`);
  }
  if (req.prompts !== undefined && req.prompts.length !== n) throw new HttpError(400, `invalid request: prompts: expected one prompt per query (${n})`);
  return req.query.map((q, i) => ({ id: i, label: req.labels![i], rollouts: [extractProgram(responseOf(q, req.prompts?.[i]))] }));
}

export async function getReward(ctx: ScoringContext, req: OpenRlhfRequest, signal: AbortSignal): Promise<OpenRlhfResponse> {
  const out: OpenRlhfResponse = { rewards: [], scores: [], extra_logs: { pass_rate: [], all_passed: [], label_error: [] }, errors: [] };
  if (req.query.length === 0) return out;
  const outputs: OutputLine[] = await Promise.all(scoreGroups(ctx, groupsOf(req), { scheme: 'pass-rate' }, signal, 'get_reward'));
  for (const o of outputs) {
    if (o.error !== null && /^problems\[\d+\]: internal error/.test(o.error)) {
      // the server's fault, not the label's: a retry (OpenRLHF makes 5) may succeed
      throw new HttpError(503, 'internal error while scoring; retry', { 'retry-after': String(ctx.retryAfterSeconds) });
    }
    const row = o.error === null ? o.rollouts![0] : null;
    out.rewards.push(row?.reward ?? 0);
    out.scores.push(row?.dense ?? 0);
    out.extra_logs.pass_rate.push(row?.dense ?? 0);
    out.extra_logs.all_passed.push(row !== null && row.outcome > 0 ? 1 : 0);
    out.extra_logs.label_error.push(row === null ? 1 : 0);
    out.errors.push(o.error === null ? null : o.error.replace(/^problems\[/, 'labels['));
  }
  return out;
}
