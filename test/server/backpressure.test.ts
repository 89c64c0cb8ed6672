// Backpressure: a bounded queue of groups, one lane per route. A full lane answers 429 with
// Retry-After and queues nothing (other routes' lanes are unaffected); a client that disconnects has
// its waiting groups dropped unrun; the queue drains back to zero either way.
import { afterEach, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { GroupQueue } from '../../lib/server/queue';
import { passedGroups, post, programGroup, serve } from './helpers';

let server: VerpoServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('backpressure', () => {
  it('429 with Retry-After when the queue is full; accepted again once it drains', async () => {
    server = await serve({ slots: 1, maxQueue: 3, retryAfterSeconds: 2 });
    const url = server.url;
    // one slow group runs, three wait (two of one client, one of another): the queue is full
    const busy = post(url, '/score', { problems: [programGroup('s0', 0.8), programGroup('s1', 0.1), programGroup('s2', 0.1)] });
    await until(() => server!.queue.inFlight === 1);
    const other = post(url, '/score', { problems: [programGroup('o0', 0.1)] });
    await until(() => server!.queue.depth === 3);
    const refused = await post(url, '/score', { problems: passedGroups(1) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.json.error).toMatch(/queue is full/);
    // lanes are per route: the full /score lane does not refuse (nor hold up) a /run_code
    const runServed = await post(url, '/run_code', { code: 'print(1)', language: 'python' });
    expect(runServed.status).toBe(200);
    expect(runServed.json.run_result.stdout).toBe('1\n');
    expect(server.metrics.rejected.get({ reason: 'queue_full' })).toBe(1);
    const done = await busy;
    expect(done.status).toBe(200);
    expect(done.json.results.map((r: { id: string }) => r.id)).toEqual(['s0', 's1', 's2']);
    expect((await other).json.results[0].rollouts[0].verdicts).toEqual(['AC', 'AC']);
    expect(server.queue.depth).toBe(0);
    expect((await post(url, '/score', { problems: passedGroups(2) })).status).toBe(200);
  });

  it('/run_code has a lane of its own, bounded the same way: 429 when it is full', async () => {
    server = await serve({ slots: 1, maxQueue: 2, retryAfterSeconds: 3 });
    const url = server.url;
    const sleeper = (i: number) => post(url, '/run_code', { code: `# ${i}\nimport time\ntime.sleep(0.6)\nprint(${i})`, language: 'python', run_timeout: 20 });
    const running = [sleeper(0)];
    await until(() => server!.queue.inFlight === 1);
    running.push(sleeper(1), sleeper(2));
    await until(() => server!.queue.depthOf('run_code') === 2);
    const refused = await post(url, '/run_code', { code: 'print(9)', language: 'python' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(refused.json.error).toMatch(/queue is full \(2 groups waiting for run_code\)/);
    // the /score lane is still open
    expect((await post(url, '/score', { problems: passedGroups(2) })).status).toBe(200);
    const done = await Promise.all(running);
    expect(done.map((r) => r.json.run_result.stdout)).toEqual(['0\n', '1\n', '2\n']);
  });

  it('a client that disconnects has its queued groups dropped without running', async () => {
    server = await serve({ slots: 1, maxQueue: 16 });
    const ac = new AbortController();
    const problems = [programGroup('run', 0.6), ...Array.from({ length: 5 }, (_, i) => programGroup(`q${i}`))];
    const gone = fetch(server.url + '/score', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ problems }), signal: ac.signal,
    }).catch((e: Error) => e.name);
    await until(() => server!.queue.inFlight === 1 && server!.queue.depth === 5);
    ac.abort();
    expect(await gone).toBe('AbortError');
    await until(() => server!.queue.depth === 0 && server!.queue.inFlight === 0);
    expect(server.metrics.groups.get({ outcome: 'cancelled' })).toBe(5);
    expect(server.metrics.cancelled.get({ route: 'score' })).toBe(5);
    expect(server.metrics.groups.get({ outcome: 'scored' })).toBe(1);
    expect(server.metrics.executions.get()).toBe(4); // the started group only: 2 programs x 2 tests
  });

  it('the queue: FIFO slots, all-or-nothing admission, cancellation frees its place', async () => {
    const q = new GroupQueue(1, 3);
    // another lane has its own room and slots: it neither takes nor waits for this one's
    const other = q.admit(3, new AbortController().signal, 'run_code')!;
    const otherRuns = [0, 1, 2].map(() => other.run(async () => 'ran'));
    expect(await Promise.all(otherRuns)).toEqual(['ran', 'ran', 'ran']);
    const ac = new AbortController();
    const a = q.admit(2, new AbortController().signal)!;
    expect(q.admit(2, ac.signal)).toBeNull();
    const b = q.admit(1, ac.signal)!;
    const order: string[] = [];
    let release!: () => void;
    const first = a.run(() => new Promise<void>((r) => { order.push('a1'); release = r; }));
    const second = a.run(async () => { order.push('a2'); });
    const third = b.run(async () => { order.push('b1'); }).catch((e: Error) => e.message);
    expect(q.depth).toBe(2);
    ac.abort();
    expect(await third).toMatch(/went away/);
    expect(q.depth).toBe(1);
    release();
    await first;
    await second;
    expect(order).toEqual(['a1', 'a2']);
    expect([q.depth, q.inFlight]).toEqual([0, 0]);
  });
});
