// POST /score: the JSONL contract over HTTP. Results match the in-process pipeline exactly, come in
// input order, stream as NDJSON when asked, carry per-group errors, and many clients at once all get
// their own answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreAll } from '../../lib/pipeline/score';
import { computeRewards } from '../../lib/reward/compute';
import type { VerpoServer } from '../../lib/server/app';
import { passedGroups, post, programGroup, serve } from './helpers';

let server: VerpoServer;
beforeAll(async () => {
  server = await serve();
});
afterAll(async () => {
  await server.close();
});

describe('POST /score', () => {
  it('answers precomputed groups exactly as in-process scoreAll, in input order', async () => {
    const problems = passedGroups(12);
    for (const options of [{}, { scheme: 'pass-rate' }, { scheme: 'binary', advantage: 'rloo' }, { scheme: 'verpo', alpha: 3, beta: 0.5 }] as const) {
      const r = await post(server.url, '/score', { problems, options });
      expect(r.status).toBe(200);
      expect(r.json.results).toEqual(await scoreAll(problems, options));
      expect(r.json.results.map((x: { id: string }) => x.id)).toEqual(problems.map((p) => p.id));
    }
  });

  it('runs real programs: verdicts, rewards and the executions counter', async () => {
    const before = server.metrics.executions.get();
    const r = await post(server.url, '/score', { problems: [programGroup('add')] });
    expect(r.status).toBe(200);
    const [res] = r.json.results;
    expect(res.error).toBeNull();
    expect(res.rollouts.map((x: { verdicts: string[] }) => x.verdicts)).toEqual([['AC', 'AC'], ['WA', 'WA']]);
    expect(res.rollouts[0].reward).toBeGreaterThan(res.rollouts[1].reward);
    expect(server.metrics.executions.get() - before).toBe(4);
    expect(server.metrics.verdicts.get({ verdict: 'AC' })).toBeGreaterThanOrEqual(2);
  });

  it('a bad group gets an error line naming its position and field; the others are scored', async () => {
    const problems = [passedGroups(1)[0], { id: 'bad', tests: [{ type: 'assert' }], rollouts: ['x = 1'] }, { id: 'm', passed: [[1, 2]] }];
    const r = await post(server.url, '/score', { problems });
    expect(r.status).toBe(200);
    expect(r.json.results[0].error).toBeNull();
    expect(r.json.results[1]).toEqual({ id: 'bad', error: 'problems[1]: tests[0].code: expected a string of Python statements' });
    expect(r.json.results[2].error).toBe('problems[2]: passed[0][1]: is 2: expected 0 or 1');
  });

  it('a group whose call arguments nest 5,000+ levels: an error line naming the field and the limit, the others scored', async () => {
    const deep = '['.repeat(5001) + ']'.repeat(5001);
    const group = (id: string, where: 'args' | 'expected') =>
      `{"id": "${id}", "tests": [{"type": "call", "fn": "add", "args": ${where === 'args' ? `[1, ${deep}]` : '[1, 2]'}, "expected": ${where === 'expected' ? deep : '3'}}], "rollouts": ["def add(a, b):\\n    return a + b\\n"]}`;
    const body = `{"problems": [${JSON.stringify(passedGroups(1)[0])}, ${group('da', 'args')}, ${group('de', 'expected')}]}`;
    const r = await post(server.url, '/score', body);
    expect(r.status).toBe(200);
    expect(r.json.results[0].error).toBeNull();
    expect(r.json.results[1]).toEqual({ id: 'da', error: 'problems[1]: tests[0].args[1]: nested 5001 levels deep; at most 400 are allowed' });
    expect(r.json.results[2]).toEqual({ id: 'de', error: 'problems[2]: tests[0].expected: nested 5001 levels deep; at most 400 are allowed' });
    expect((await post(server.url, '/score', { problems: passedGroups(1) })).status).toBe(200); // still serving
  });

  it('a group asking for limits above the server\'s ceilings is refused, the rest scored', async () => {
    const greedy = { ...programGroup('greedy'), limits: { wall_ms: 600_000 } };
    const r = await post(server.url, '/score', { problems: [greedy, passedGroups(1)[0]] });
    expect(r.json.results[0]).toEqual({ id: 'greedy', error: 'problems[0]: limits.wall_ms: is 600000: this server allows at most 180000' });
    expect(r.json.results[1].error).toBeNull();
  });

  it('mode "run" gives verdict matrices only', async () => {
    const r = await post(server.url, '/score', { problems: [programGroup('run')], options: { mode: 'run' } });
    expect(r.json.results[0].rollouts[1]).toEqual({ verdicts: ['WA', 'WA'], passed: [0, 0] });
  });

  it('per-group rho (a tracker kept by the trainer) replaces the group\'s own pass rates', async () => {
    const passed = [[1, 0, 1], [0, 0, 1], [1, 1, 1]];
    const rho = [0.9, 0.1, 0.5];
    const r = await post(server.url, '/score', { problems: [{ id: 'r', passed, rho }, { id: 'same', passed }] });
    const want = computeRewards({ passed: Uint8Array.from(passed.flat()), rows: new Uint32Array([3]), tests: new Uint32Array([3]), rho: Float64Array.from(rho) });
    const got = r.json.results[0];
    expect(got.rollouts.map((x: { reward: number }) => x.reward)).toEqual(Array.from(want.reward));
    expect(got.rollouts.map((x: { advantage: number }) => x.advantage)).toEqual(Array.from(want.advantage));
    expect(got.weights).toEqual(Array.from(want.weight));
    expect(r.json.results[1].weights).not.toEqual(got.weights);
    const bad = await post(server.url, '/score', { problems: [{ id: 'r', passed, rho: [0.5] }] });
    expect(bad.json.results[0].error).toBe('problems[0]: rho: expected one pass rate per test (3), got 1');
    // a bad rho is found before the group's programs run: nothing is executed for it
    const before = server.metrics.executions.get({});
    const early = await post(server.url, '/score', { problems: [{ ...programGroup('rho'), rho: [2] }] });
    expect(early.json.results[0].error).toMatch(/^problems\[0\]: rho(\[0\])?: /);
    expect(server.metrics.executions.get({})).toBe(before);
  });

  it('multi-turn groups with rho keep their turns shape', async () => {
    // Rates on the 1/1024 grid given rates are rounded to (3/4, 1/4), so they equal the group's own.
    const group = { id: 'mt', passed: [[1, 0], [1, 1], [0, 0], [1, 0]], trajectory: [0, 0, 1, 1] };
    const plain = (await post(server.url, '/score', { problems: [group] })).json.results[0];
    const own = (await post(server.url, '/score', { problems: [{ ...group, rho: [3 / 4, 1 / 4] }] })).json.results[0];
    expect(own.turns.map((t: unknown[]) => t.length)).toEqual([2, 2]);
    expect(own.turns.flat().map((x: { reward: number }) => x.reward)).toEqual(plain.turns.flat().map((x: { reward: number }) => x.reward));
  });

  it('lint and a style weight as /score options: each row\'s lint, and the composed reward', async () => {
    const group = { ...programGroup('lint') };
    const plain = (await post(server.url, '/score', { problems: [group] })).json.results[0];
    const r = (await post(server.url, '/score', { problems: [group], options: { styleWeight: 0.5 } })).json.results[0];
    expect(r.error).toBeNull();
    for (const [i, row] of r.rollouts.entries()) {
      expect(row.lint).toMatchObject({ violations: expect.any(Number), by_severity: expect.any(Object) });
      expect(row.reward).toBeCloseTo(plain.rollouts[i].reward + 0.5 * row.lint.score, 12);
    }
  });

  it('refuses bad options and malformed envelopes with 400 and a message naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ problems: passedGroups(1), options: { alpha: -1 } }, /alpha/],
      [{ problems: passedGroups(1), options: { scheme: 'nope' } }, /scheme/],
      [{ problems: passedGroups(1), options: { python: '/bin/sh' } }, /additional properties|python/],
      [{ problems: passedGroups(1), options: { alpha: '2' } }, /alpha/],
      [{ problems: passedGroups(1), options: { styleWeight: -1 } }, /options\.styleWeight is -1/],
      [{ problems: passedGroups(1), options: { lint: { select: ['XYZ123'] } } }, /options\.lint\.select: unknown Ruff rule selector/],
      [{ problems: passedGroups(1), options: { rewardProfile: 'style' } }, /rewardProfile/],
      [{ problems: 'x' }, /problems/],
      [{ problems: [1, 2] }, /problems/],
      [{}, /problems/],
    ];
    for (const [body, re] of cases) {
      const r = await post(server.url, '/score', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatch(re);
    }
  });

  it('streams NDJSON: one line per group, in order, the first before the slow last group is done', async () => {
    const problems = [passedGroups(1)[0], programGroup('fast'), programGroup('slow', 1.5)];
    const t0 = Date.now();
    const res = await fetch(server.url + '/score', {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' }, body: JSON.stringify({ problems }),
    });
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let buf = '';
    const lines: string[] = [];
    for (let i = 0; i < 100; i++) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        arrivals.push(Date.now() - t0);
      }
    }
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(['g0', 'fast', 'slow']);
    expect(JSON.parse(lines[2]).rollouts[0].verdicts).toEqual(['AC', 'AC']);
    expect(arrivals[2] - arrivals[0]).toBeGreaterThan(800);
  });

  it('serves many concurrent clients, each its own results', async () => {
    const clients = 40;
    const replies = await Promise.all(Array.from({ length: clients }, (_, c) => {
      const problems = passedGroups(6, 3, 4).map((g, i) => ({ ...g, id: `c${c}-${i}`, passed: c % 2 ? g.passed : g.passed.slice(0, 2) }));
      return post(server.url, '/score', { problems, options: { scheme: c % 3 === 0 ? 'pass-rate' : 'verpo' } }).then((r) => ({ r, problems, c }));
    }));
    for (const { r, problems, c } of replies) {
      expect(r.status).toBe(200);
      expect(r.json.results).toEqual(await scoreAll(problems, { scheme: c % 3 === 0 ? 'pass-rate' : 'verpo' }));
    }
  });

  it('concurrent clients with real programs all get correct verdicts', async () => {
    const replies = await Promise.all(Array.from({ length: 8 }, (_, c) => post(server.url, '/score', { problems: [programGroup(`p${c}`)] })));
    for (const [c, r] of replies.entries()) {
      expect(r.json.results[0].id).toBe(`p${c}`);
      expect(r.json.results[0].rollouts.map((x: { passed: number[] }) => x.passed), JSON.stringify(r.json)).toEqual([[1, 1], [0, 0]]);
    }
    expect(server.queue.depth).toBe(0);
    expect(server.queue.inFlight).toBe(0);
  });
});
