// verl's use of /run_code under load, reproduced on loopback: several reward processes each send one
// request per test (verl's call_sandbox_api payload, with its client timeout of compile_timeout +
// run_timeout + 10 s), some programs sleeping to their time limit, some correct (one of them slow), while
// another trainer's big /score batch is running. Every correct program must be judged correct by verl's own
// check (status Success, run_result Finished, stdout.rstrip("\n") == expected.rstrip("\n")): a wait in
// the queue must not count against a program's limits, the batch must not starve the per-test requests,
// nothing may time out on the client or be refused. Bounded: 27 requests and a batch of 160 cells. Times
// are never asserted; the ordering check below (every per-test request answered before the batch) holds
// on any host, as both sides' time is mostly sleep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { serve } from './helpers';

let server: VerpoServer;
beforeAll(async () => {
  // sleeping programs hold a slot without using a core: more slots than this host's 2 cores
  server = await serve({ concurrency: 4 });
});
afterAll(async () => {
  await server.close();
});

const TIMEOUT_S = 1.5; // verl's sandbox_fusion timeout, for both compile_timeout and run_timeout (default 10)

type Verdict = true | false | -1 | -2 | -3;

/** verl's _process_single_case, for one test: the request it sends and how it reads the reply. */
async function verlCase(url: string, code: string, stdin: string, expected: string): Promise<{ result: Verdict; status: number | string }> {
  const payload = { compile_timeout: TIMEOUT_S, run_timeout: TIMEOUT_S, code, stdin, memory_limit_MB: 1024, language: 'python', files: {}, fetch_files: [] };
  let res: Response;
  try {
    // requests.post(..., timeout=compile_timeout + run_timeout + API_TIMEOUT)
    res = await fetch(url + '/run_code', {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(payload),
      signal: AbortSignal.timeout((TIMEOUT_S + TIMEOUT_S + 10) * 1000),
    });
  } catch (e) {
    return { result: -1, status: (e as Error).name }; // a client time-out: verl's API error
  }
  if (res.status !== 200) return { result: -1, status: res.status }; // raise_for_status (504 is retried; nothing here returns it)
  const body = await res.json() as { status: string; run_result: { status: string; stdout: string; return_code: number } | null };
  const run = body.run_result;
  if (body.status === 'SandboxError') return { result: -1, status: 200 };
  if (body.status === 'Failed') return { result: run?.status === 'TimeLimitExceeded' ? -3 : -2, status: 200 };
  if (run?.status !== 'Finished') return { result: -1, status: 200 };
  return { result: run.stdout.replace(/\n+$/, '') === expected.replace(/\n+$/, ''), status: 200 };
}

/** verl's thread pool: at most `width` cases of this process in flight. */
async function pool<T>(width: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  }));
  return out;
}

const CORRECT = 'print(sum(map(int, input().split())))\n';
// correct, but spends a third of its time limit asleep first
const SLOW_CORRECT = `import time\ntime.sleep(${TIMEOUT_S / 3})\nprint(sum(map(int, input().split())))\n`;
// sleeps to its limit: TimeLimitExceeded, never an answer
const SLEEPER = `import time\ntime.sleep(${TIMEOUT_S})\nprint(sum(map(int, input().split())))\n`;

/**
 * A big batch of another trainer: 40 groups x 2 rollouts x 2 tests, each group's programs distinct, each
 * cell spending 0.25 s asleep: 40 slot-seconds on any host, several times what the per-test requests need
 * with their fair share, so it is still running when they are all answered (unless they wait behind it).
 */
function bigBatch(): Record<string, unknown>[] {
  return Array.from({ length: 40 }, (_, g) => ({
    id: `batch${g}`,
    tests: [0, 1].map((k) => ({ type: 'call', fn: 'f', args: [g, k], expected: g * 10 + k })),
    rollouts: [0, 1].map((r) => `# group ${g} rollout ${r}\nimport time\ntime.sleep(0.25)\ndef f(a, b):\n    return a * 10 + b${r === 1 ? ' + 1' : ''}\n`),
  }));
}

describe('load: verl\'s per-test /run_code from several processes beside a big /score', () => {
  it('every correct program is scored correct; sleepers time out; nothing is refused or times out on the client', { timeout: 180_000 }, async () => {
    const url = server.url;
    let batchDone = false;
    const batch = fetch(url + '/score', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ problems: bigBatch() }),
    }).then(async (r) => {
      batchDone = true;
      return { status: r.status, body: await r.json() as { results: { rollouts: { verdicts: string[] }[] }[] } };
    });
    // the batch's cells are waiting for the sandbox before the first per-test request arrives
    const until = Date.now() + 20_000;
    while (server.scheduler.waiting() === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(server.scheduler.waiting()).toBeGreaterThan(0);

    // three reward processes, each scoring three rollouts of its own problem against three tests
    const clients = [0, 1, 2].map((c) => {
      const tests = [0, 1, 2].map((t) => ({ stdin: `${c} ${t} ${c * t}\n`, expected: `${c + t + c * t}\n` }));
      const rollouts = [
        { kind: 'correct', code: `# client ${c}\n${CORRECT}` },
        { kind: 'slow', code: `# client ${c}\n${SLOW_CORRECT}` },
        { kind: 'sleeper', code: `# client ${c}\n${SLEEPER}` },
      ];
      const jobs = rollouts.flatMap((r) => tests.map((t) => async () => {
        const v = await verlCase(url, r.code, t.stdin, t.expected);
        return { kind: r.kind, ...v, beforeBatch: !batchDone };
      }));
      return pool(4, jobs);
    });
    const cases = (await Promise.all(clients)).flat();
    const { status, body } = await batch;

    expect(cases).toHaveLength(27);
    const correct = cases.filter((c) => c.kind !== 'sleeper');
    expect(correct.filter((c) => c.result !== true)).toEqual([]);
    expect(cases.filter((c) => c.kind === 'sleeper').map((c) => c.result)).toEqual(Array(9).fill(-3));
    // the per-test requests were not starved: all of them were answered while the batch was still running
    expect(cases.filter((c) => !c.beforeBatch)).toEqual([]);
    // the batch itself: every right rollout AC, the wrong one WA
    expect(status).toBe(200);
    for (const g of body.results) {
      expect(g.rollouts.map((r) => r.verdicts)).toEqual([['AC', 'AC'], ['WA', 'WA']]);
    }
    expect(server.metrics.rejected.get({ reason: 'deadline' })).toBe(0);
    expect(server.metrics.rejected.get({ reason: 'queue_full' })).toBe(0);
    expect(server.metrics.runCode.get({ status: 'Success' })).toBe(18);
  });
});
