// Sharing the sandbox between routes (lib/server/fair.ts): tests start round-robin over the routes that have
// tests waiting, so a big /score batch cannot starve /run_code; a test whose client went away is dropped
// before it runs and counted; a /run_code that cannot start before its client's timeout (verl's rule:
// compile_timeout + run_timeout + 10 s) is answered 503 early, without running. No test here asserts a
// duration: orderings and counts only.
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor } from '../../lib/exec/executor';
import type { RunRequest, RunResult } from '../../lib/exec/types';
import type { VerpoServer } from '../../lib/server/app';
import { DeadlineError, FairScheduler, laneExecutor } from '../../lib/server/fair';
import { CancelledError } from '../../lib/server/queue';
import { post, serve } from './helpers';

/** A task that runs until released, recording its start. */
function gate(order: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { fn: async () => { order.push(name); await done; return name; }, release };
}

describe('FairScheduler', () => {
  it('round-robin over lanes, first come first served within one: a late lane is not starved', async () => {
    const s = new FairScheduler(1);
    const order: string[] = [];
    const first = gate(order, 'blocker');
    const running = s.submit('score', first.fn);
    const all = [running];
    for (let i = 1; i <= 5; i++) all.push(s.submit('score', async () => { order.push(`score${i}`); return ''; }));
    for (let i = 1; i <= 2; i++) all.push(s.submit('run_code', async () => { order.push(`run${i}`); return ''; }));
    expect(s.waiting('score')).toBe(5);
    expect(s.waiting('run_code')).toBe(2);
    first.release();
    await Promise.all(all);
    expect(order).toEqual(['blocker', 'score1', 'run1', 'score2', 'run2', 'score3', 'score4', 'score5']);
    expect([s.running, s.waiting()]).toEqual([0, 0]);
  });

  it('a waiting task whose signal fires is dropped unrun; one past its latest start is refused when it passes', async () => {
    const s = new FairScheduler(1);
    const order: string[] = [];
    const blocker = gate(order, 'blocker');
    const running = s.submit('a', blocker.fn);
    const ac = new AbortController();
    const cancelled = s.submit('a', async () => { order.push('cancelled'); }, { signal: ac.signal }).catch((e: Error) => e);
    const late = s.submit('b', async () => { order.push('late'); }, { notAfter: Date.now() + 20 }).catch((e: Error) => e);
    ac.abort();
    expect(await cancelled).toBeInstanceOf(CancelledError);
    // refused while the blocker still holds the only slot: the client hears it before a slot frees
    expect(await late).toBeInstanceOf(DeadlineError);
    expect(order).toEqual(['blocker']);
    blocker.release();
    await running;
    expect(s.waiting()).toBe(0);
    await expect(s.submit('a', async () => 1, { notAfter: Date.now() - 1 })).rejects.toBeInstanceOf(DeadlineError);
    await expect(s.submit('a', async () => 1, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
  });

  it('laneExecutor: a request of several tests becomes one task per test, merged back in order', async () => {
    const calls: number[] = [];
    const fake = {
      concurrency: 3,
      async run(req: RunRequest): Promise<RunResult> {
        calls.push(req.tests.length);
        const t = req.tests[0] as { code: string };
        return { compile: { ok: true }, tests: [{ verdict: t.code.includes('1') ? 'AC' : 'WA', cpuMs: 0, wallMs: 0, memoryKb: 0 }], isolation: {} as RunResult['isolation'] };
      },
    } as unknown as Executor;
    const ex = laneExecutor(fake, new FairScheduler(2), 'score');
    expect(ex.concurrency).toBe(3);
    const r = await ex.run({ language: 'python', code: 'x = 1', tests: [{ type: 'assert', code: 'assert 1' }, { type: 'assert', code: 'assert 0' }, { type: 'assert', code: 'assert 11' }] });
    expect(calls).toEqual([1, 1, 1]);
    expect(r.tests.map((t) => t.verdict)).toEqual(['AC', 'WA', 'AC']);
    // the whole request is validated first: a bad test is named by its own index
    await expect(ex.run({ language: 'python', code: 'x', tests: [{ type: 'assert', code: 'assert 1' }, { type: 'nope' } as never] })).rejects.toThrow(/tests\[1\]/);
  });
});

let server: VerpoServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** verl's /run_code request (call_sandbox_api's payload), with a sleeping program. */
const sleeper = (tag: string, seconds: number, extra: Record<string, unknown> = {}) => ({
  compile_timeout: 10, run_timeout: 20, code: `# ${tag}\nimport time\ntime.sleep(${seconds})\nprint("${tag}")`, stdin: '', memory_limit_MB: 1024,
  language: 'python', files: {}, fetch_files: [], ...extra,
});

describe('/run_code under a full sandbox', () => {
  it('a program that cannot start before its client\'s timeout is answered 503 at once, unrun; one that can, waits and runs', async () => {
    // one slot (the scheduler runs 2 tests at once), and no slack past compile_timeout + run_timeout:
    // a request with compile_timeout 1.5 must start within 0.5 s (the server keeps 1 s to start and reply)
    server = await serve({ concurrency: 1, runCodeSlackMs: 0 });
    const url = server.url;
    let blockersDone = false;
    const blockers = Promise.all([post(url, '/run_code', sleeper('b1', 3)), post(url, '/run_code', sleeper('b2', 3))]).then((r) => {
      blockersDone = true;
      return r;
    });
    await until(() => server!.scheduler.running === 2);
    const late = await post(url, '/run_code', sleeper('late', 0, { compile_timeout: 1.5, run_timeout: 1 }));
    expect(blockersDone).toBe(false); // answered while the sandbox was still busy, not after
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(late.json.error).toMatch(/cannot run this program before the client's timeout .* it was not run/);
    // compile_timeout 10: it may wait up to 9 s for a slot, so it waits for the blockers and runs
    const patient = await post(url, '/run_code', sleeper('patient', 0, { compile_timeout: 10, run_timeout: 1 }));
    expect(patient.status).toBe(200);
    expect(patient.json.run_result.stdout).toBe('patient\n');
    expect((await blockers).map((r) => r.json.run_result.stdout)).toEqual(['b1\n', 'b2\n']);
    expect(server.metrics.rejected.get({ reason: 'deadline' })).toBe(1);
    expect(server.metrics.executions.get()).toBe(3); // the late one never ran
  });

  it('a /run_code whose client went away before it started is dropped and counted', async () => {
    server = await serve({ concurrency: 1 });
    const url = server.url;
    const blockers = Promise.all([post(url, '/run_code', sleeper('b1', 1.5)), post(url, '/run_code', sleeper('b2', 1.5))]);
    await until(() => server!.scheduler.running === 2);
    const ac = new AbortController();
    const gone = fetch(url + '/run_code', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sleeper('gone', 0)), signal: ac.signal,
    }).catch((e: Error) => e.name);
    await until(() => server!.scheduler.waiting('run_code') === 1);
    ac.abort();
    expect(await gone).toBe('AbortError');
    await until(() => server!.metrics.cancelled.get({ route: 'run_code' }) === 1);
    expect(server.scheduler.waiting()).toBe(0);
    await blockers;
    expect(server.metrics.executions.get()).toBe(2);
    expect(server.metrics.render()).toContain('verpo_cancelled_total{route="run_code"} 1');
  });
});
