// Scoring problem groups for a request: admission into the bounded queue, one slot per group, the
// pipeline's scoreProblem on the group with the server's shared executor, per-group errors named by their
// position in the request, and the metrics. Results are promises that never reject (a group that
// could not be scored is an error line), so a reply can await them in input order.
import type { Executor } from '../exec/executor';
import { LIMIT_CEILINGS } from '../exec/limits';
import type { ScoreOptions } from '../pipeline/score';
import { checkLine, LineError, type OutputLine } from '../pipeline/contract';
import { checkRho, problemErrorMessage, scoreProblem, testCount, VERDICTS, type LineStats } from '../pipeline/score-problem';
import { checkOptions } from '../reward/validate';
import { checkShapingOptions } from '../pipeline/shaping';
import { checkEfficiencyOptions } from '../pipeline/efficiency';
import { HttpError, redactPaths } from './errors';
import { laneExecutor, type FairScheduler } from './fair';
import { programOfCompletion, testsFromLabel } from './labels';
import type { ServerMetrics } from './metrics';
import { CancelledError, type Admission } from './queue';
import type { GroupQueue } from './queue';

/** The request options a client may set; execution settings belong to the server. */
export type RequestScoreOptions = Pick<ScoreOptions, 'scheme' | 'alpha' | 'beta' | 'gamma' | 'delta' | 'advantage' | 'mode' | 'cache' | 'lint' | 'styleWeight' | 'rewardProfile' | 'efficiencyWeight' | 'efficiencyRepeats' | 'efficiencyFloorMs'>;

export interface ScoringContext {
  executor: Executor | null;
  queue: GroupQueue;
  /** Which route's test runs next (fair.ts). */
  scheduler: FairScheduler;
  metrics: ServerMetrics;
  /** Seconds a refused client should wait (Retry-After). */
  retryAfterSeconds: number;
}

/**
 * Ceilings on the limits a group may ask for: a server is shared, and one group with a ten-minute
 * wall limit would hold a slot from everyone else. (The JSONL contract itself sets no ceiling.)
 */
export { LIMIT_CEILINGS };

function overCeiling(group: Record<string, unknown>): { field: string; reason: string } | null {
  const limits = group.limits;
  if (!isObject(limits)) return null;
  for (const [k, max] of Object.entries(LIMIT_CEILINGS)) {
    const v = limits[k];
    if (typeof v === 'number' && v > max) return { field: `limits.${k}`, reason: `is ${v}: this server allows at most ${max}` };
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Options checked before anything is queued: a bad hyperparameter is the request's fault (400). */
export function checkRequestOptions(options: RequestScoreOptions): void {
  try {
    checkShapingOptions(options);
    checkEfficiencyOptions(options);
    if ((options.mode ?? 'score') === 'score') checkOptions(options);
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) throw new HttpError(400, `invalid request: options: ${e.message}`);
    throw e;
  }
}

/** Admits `count` units of work into a route's lane or throws 429 (lane full) / 413 (can never fit). */
export function admit(ctx: ScoringContext, count: number, signal: AbortSignal, lane = 'score'): Admission {
  if (count > ctx.queue.capacity) {
    ctx.metrics.rejected.inc({ reason: 'too_large' });
    throw new HttpError(413, `${count} groups in one request; this server queues at most ${ctx.queue.capacity}: split the batch`);
  }
  const admission = ctx.queue.admit(count, signal, lane);
  if (admission === null) {
    ctx.metrics.rejected.inc({ reason: 'queue_full' });
    throw new HttpError(429, `the queue is full (${ctx.queue.depthOf(lane)} groups waiting for ${lane}); retry after ${ctx.retryAfterSeconds} s`,
      { 'retry-after': String(ctx.retryAfterSeconds) });
  }
  return admission;
}

/**
 * A group may carry what trainers hold instead of contract fields: `label` (a sample's ground truth, read
 * by the shared label rules, in place of `tests`/`setup`) and `completions` (model outputs, plain text or
 * TRL's conversational messages, in place of `rollouts`: the program is extracted from each).
 */
export function expandGroup(group: unknown): unknown {
  if (!isObject(group) || !('label' in group || 'completions' in group)) return group;
  const { label, completions, ...rest } = group;
  const out: Record<string, unknown> = { ...rest };
  if ('label' in group) {
    if ('tests' in group) throw new LineError('label', 'give "tests" or "label", not both');
    const g = testsFromLabel(label);
    out.tests = g.tests;
    const setup = [g.setup, typeof rest.setup === 'string' ? rest.setup : undefined].filter((x) => x !== undefined && x !== '').join('\n');
    if (setup !== '') out.setup = setup;
    if (g.limits !== undefined && !('limits' in rest)) out.limits = g.limits;
    if (g.harness !== undefined && !('harness' in rest)) out.harness = g.harness;
  }
  if ('completions' in group) {
    if ('rollouts' in group || 'turns' in group) throw new LineError('completions', 'give "completions" or "rollouts", not both');
    if (!Array.isArray(completions) || completions.length === 0) throw new LineError('completions', 'expected a non-empty array of completions');
    out.rollouts = completions.map(programOfCompletion);
  }
  return out;
}

export function errorLine(group: unknown, index: number, message: string): OutputLine {
  const id = isObject(group) && (typeof group.id === 'string' || typeof group.id === 'number') ? group.id : null;
  return { id, error: redactPaths(`problems[${index}]: ${message}`) };
}

/** One group, scored through scoreProblem: its errors name their field (`problems[3]: tests[0].code: ...`). */
async function scoreGroup(ctx: ScoringContext, raw: unknown, index: number, options: RequestScoreOptions, lane: string, signal: AbortSignal): Promise<OutputLine> {
  let result: { output: OutputLine; stats: LineStats };
  try {
    const group = expandGroup(raw);
    let rho: unknown;
    let line = group;
    if (isObject(group) && 'rho' in group) {
      const { rho: r, ...rest } = group;
      rho = r;
      line = rest;
    }
    const tooMuch = isObject(line) ? overCeiling(line) : null;
    if (tooMuch !== null) throw new LineError(tooMuch.field, tooMuch.reason);
    const mode = options.mode ?? 'score';
    const problem = checkLine(line, mode);
    // a trainer's per-test pass rates, checked before anything runs (they only weight rewards)
    const rates = rho !== undefined && mode === 'score' ? checkRho(rho, testCount(problem)) : undefined;
    if (problem.passed === null && ctx.executor === null) throw new Error('no sandbox'); // scoreGroups refuses these first
    // the executor as this route sees it: its tests take their turns in the route's lane, and those still
    // waiting when the client goes away are dropped
    const executor = ctx.executor ? laneExecutor(ctx.executor, ctx.scheduler, lane, { signal }) : null;
    result = await scoreProblem(problem, { executor: () => executor!, options: { ...options, mode }, ...(rates ? { rho: rates } : {}) });
  } catch (e) {
    // tests dropped because the client went away fail the group: that is a cancellation, not a scoring error
    if (signal.aborted) throw new CancelledError();
    ctx.metrics.groups.inc({ outcome: 'error' });
    return errorLine(raw, index, problemErrorMessage(e));
  }
  recordStats(ctx.metrics, result.stats);
  const rows = result.output.rollouts ?? result.output.turns?.flat() ?? [];
  if ((options.mode ?? 'score') === 'score' && rows.length > 0 && rows.every((r) => r.advantage === 0)) ctx.metrics.zeroAdvantageGroups.inc({});
  return result.output;
}

function recordStats(metrics: ServerMetrics, stats: LineStats): void {
  metrics.groups.inc({ outcome: 'scored' });
  metrics.executions.inc({}, stats.executions);
  metrics.cacheHits.inc({}, stats.cacheHits);
  for (const v of VERDICTS) if (stats.verdicts[v] > 0) metrics.verdicts.inc({ verdict: v }, stats.verdicts[v]);
  const d = stats.diagnostics;
  if (d) {
    for (const [exception, n] of Object.entries(d.runtimeErrors)) metrics.runtimeErrors.inc({ exception }, n);
    for (const c of d.chars) metrics.programChars.observe({}, c);
    for (const n of d.lines) metrics.programLines.observe({}, n);
    if (d.lint) {
      for (const [severity, n] of Object.entries(d.lint.bySeverity)) if (n > 0) metrics.lintViolations.inc({ severity }, n);
      for (const [code, n] of Object.entries(d.lint.codes)) metrics.lintRules.inc({ code }, n);
    }
    if (d.heldOutGap !== null) metrics.heldOutGap.observe({}, d.heldOutGap);
  }
}

/**
 * Queues every group of a request (429/413 thrown before anything is queued) and returns one promise
 * per group, in input order. Groups still waiting when `signal` fires are dropped unrun.
 */
export function scoreGroups(ctx: ScoringContext, groups: unknown[], options: RequestScoreOptions, signal: AbortSignal, lane = 'score'): Promise<OutputLine>[] {
  checkRequestOptions(options);
  if (ctx.executor === null && groups.some((g) => !(isObject(g) && 'passed' in g))) {
    // the host's fault, not the request's: another server (or this one, later) can do it
    throw new HttpError(503, 'this server cannot execute programs now (its sandbox is unavailable); only groups with a precomputed `passed` matrix can be scored here',
      { 'retry-after': String(ctx.retryAfterSeconds) });
  }
  const admission = admit(ctx, groups.length, signal, lane);
  return groups.map((g, i) =>
    admission.run(() => scoreGroup(ctx, g, i, options, lane, signal)).catch((e: unknown) => {
      if (e instanceof CancelledError || signal.aborted) {
        ctx.metrics.groups.inc({ outcome: 'cancelled' });
        ctx.metrics.cancelled.inc({ route: lane });
        return errorLine(g, i, new CancelledError().message);
      }
      ctx.metrics.groups.inc({ outcome: 'error' });
      return errorLine(g, i, 'internal error');
    }));
}
