// The Python client (clients/python/verpo_client.py, standard library only) against real servers on
// loopback: batches spread over several URLs with one dead, a server restarted in the middle of a
// batch (a retryable error, then every result exactly once), 413 splitting and 429 back-off, a wrong
// token (not retried), and the verl and TRL adapters.
import { spawn } from 'child_process';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { scoreAll } from '../../lib/pipeline/score';
import type { VerpoServer } from '../../lib/server/app';
import { passedGroups, programGroup, serve } from './helpers';

const CLIENT_DIR = path.resolve(__dirname, '..', '..', 'clients', 'python');

// Runs one scenario in python3 and prints its outcome as JSON; scenarios never print anything else.
const DRIVER = `
import json, sys, time
sys.path.insert(0, sys.argv[1])
import verpo_client as vc
a = json.loads(sys.argv[2])
out = {}
try:
    if a["mode"] == "score":
        c = vc.VerpoClient(a["urls"], chunk_size=a.get("chunk", 8), backoff=0.1, max_attempts=a.get("attempts", 8), token=a.get("token"))
        out["results"] = c.score(a["problems"], a.get("options"))
        out["log"] = c.log
        out["duplicates"] = c.duplicates
    elif a["mode"] == "verl":
        out["scores"] = vc.compute_score(a["data_sources"], a["solutions"], a["ground_truths"], [None] * len(a["solutions"]), urls=a["urls"])
    elif a["mode"] == "trl":
        f = vc.make_trl_reward(vc.VerpoClient(a["urls"]))
        out["rewards"] = f(prompts=a["prompts"], completions=a["completions"], ground_truth=a["ground_truth"], trainer_state=None)
except vc.RetryableError as e:
    out["error"] = {"kind": "retryable", "message": str(e)}
except vc.VerpoError as e:
    out["error"] = {"kind": "fatal", "message": str(e)}
print(json.dumps(out))
`;

function python(args: Record<string, unknown>, timeoutMs = 90_000): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', DRIVER, CLIENT_DIR, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`python3 exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out));
    });
  });
}

const servers: VerpoServer[] = [];
async function start(options: Parameters<typeof serve>[0] = {}): Promise<VerpoServer> {
  const s = await serve(options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A URL on which nothing listens: a server that was started and stopped. */
async function deadUrl(): Promise<string> {
  const s = await serve();
  const url = s.url;
  await s.close();
  return url;
}

describe('Python client (stdlib)', () => {
  it('scores a batch in chunks: every result, in order, equal to in-process scoring', async () => {
    const s = await start();
    const problems = passedGroups(37);
    const out = await python({ mode: 'score', urls: [s.url], problems, chunk: 8, options: { scheme: 'verpo' } });
    expect(out.error).toBeUndefined();
    expect(out.results).toEqual(await scoreAll(problems, { scheme: 'verpo' }));
    expect(out.log).toEqual([]);
  });

  it('spreads a batch over several URLs, one of them dead, and loses nothing', async () => {
    const a = await start();
    const b = await start();
    const dead = await deadUrl();
    const problems = passedGroups(40);
    const out = await python({ mode: 'score', urls: [dead, a.url, b.url], problems, chunk: 4 });
    expect(out.error).toBeUndefined();
    expect(out.results).toEqual(await scoreAll(problems));
    expect(out.duplicates).toBe(0);
    expect(out.log.length).toBeGreaterThanOrEqual(1);
    for (const line of out.log) expect(line).toMatch(new RegExp(`${dead.replace(/[.:/]/g, '\\$&')}: cannot reach the server`));
    // both live servers took part
    expect(a.metrics.groups.get({ outcome: 'scored' })).toBeGreaterThan(0);
    expect(b.metrics.groups.get({ outcome: 'scored' })).toBeGreaterThan(0);
    expect(a.metrics.groups.get({ outcome: 'scored' }) + b.metrics.groups.get({ outcome: 'scored' })).toBe(40);
  });

  it('a server restarted mid-batch: a retryable error, then every result exactly once', async () => {
    const first = await start({ slots: 1 });
    const port = first.port;
    const problems = Array.from({ length: 8 }, (_, i) => programGroup(`r${i}`, 0.1));
    const run = python({ mode: 'score', urls: [first.url], problems, chunk: 8, attempts: 10 });
    // let some results stream, then crash the server: connections cut, port closed
    const t0 = Date.now();
    while (first.metrics.groups.get({ outcome: 'scored' }) < 2 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    const scoredBefore = first.metrics.groups.get({ outcome: 'scored' });
    expect(scoredBefore).toBeGreaterThanOrEqual(2);
    const closing = first.close();
    first.app.server.closeAllConnections();
    await closing;
    await new Promise((r) => setTimeout(r, 400)); // down for a while: connection refused
    const second = await start({ slots: 1, port });
    const out = await run;
    expect(out.error).toBeUndefined();
    expect(out.duplicates).toBe(0);
    expect(out.results.map((r: { id: string }) => r.id)).toEqual(problems.map((p) => p.id));
    for (const r of out.results) {
      expect(r.error).toBeNull();
      expect(r.rollouts.map((x: { passed: number[] }) => x.passed)).toEqual([[1, 1], [0, 0]]);
    }
    expect(out.log.length).toBeGreaterThanOrEqual(1);
    expect(out.log[0]).toMatch(/stream was cut|cannot reach the server|stream ended/);
    // results that arrived before the crash were not sent again
    expect(second.metrics.groups.get({ outcome: 'scored' })).toBeLessThan(problems.length);
    expect(second.metrics.groups.get({ outcome: 'scored' })).toBeGreaterThan(0);
  });

  it('413 (more groups than the queue holds) splits chunks; 429 backs off and retries', async () => {
    const s = await start({ maxQueue: 4, slots: 1 });
    const problems = [...Array.from({ length: 6 }, (_, i) => programGroup(`q${i}`)), ...passedGroups(6)];
    const out = await python({ mode: 'score', urls: [s.url], problems, chunk: 12, attempts: 20 });
    expect(out.error).toBeUndefined();
    expect(out.results.map((r: { id: string }) => r.id)).toEqual(problems.map((p) => p.id));
    expect(out.results.every((r: { error: unknown }) => r.error === null)).toBe(true);
    expect(out.duplicates).toBe(0);
    expect(s.metrics.rejected.get({ reason: 'too_large' })).toBeGreaterThanOrEqual(1); // then split
    for (const line of out.log) expect(line).toMatch(/HTTP 429: the queue is full/); // the only retried failures
  });

  it('a wrong token is a fatal error, not retried', async () => {
    const s = await start({ token: 'right' });
    const out = await python({ mode: 'score', urls: [s.url], problems: passedGroups(2), token: 'wrong' });
    expect(out.error).toEqual({ kind: 'fatal', message: `${s.url}: HTTP 401: missing or wrong bearer token` });
  });

  it('every server down: a clear retryable error after the attempts', async () => {
    const out = await python({ mode: 'score', urls: [await deadUrl()], problems: passedGroups(2), attempts: 3 });
    expect(out.error.kind).toBe('retryable');
    expect(out.error.message).toMatch(/gave up after 3 attempts: .*cannot reach the server/);
  });

  it('verl batch compute_score: consecutive rollouts of a problem form a group; APPS-style ground truth', async () => {
    const s = await start();
    const sum = JSON.stringify({ inputs: ['1 2\n', '3 4\n'], outputs: ['3\n', '7\n'] });
    const call = JSON.stringify({ inputs: [[2], [5]], outputs: [[4], [10]], fn_name: 'double' });
    const out = await python({
      mode: 'verl', urls: [s.url],
      data_sources: ['apps', 'apps', 'apps', 'apps'],
      solutions: [
        'Sure:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```',
        '```python\nprint(3)\n```',
        '```python\nclass Solution:\n    def double(self, x):\n        return 2 * x\n```',
        '```python\ndef double(x):\n    return x\n```',
      ],
      ground_truths: [sum, sum, call, call],
    });
    expect(out.error).toBeUndefined();
    const [good, half, cls, bad] = out.scores;
    expect(good.pass_rate).toBe(1);
    expect(half.pass_rate).toBe(0.5);
    expect(good.score).toBeGreaterThan(half.score);
    expect(cls.pass_rate).toBe(1);
    expect(bad.pass_rate).toBe(0);
    expect(cls.score).toBeGreaterThan(bad.score);
    expect(Object.keys(good).sort()).toEqual(['dense', 'outcome', 'pass_rate', 'score', 'verpo_advantage']);
  });

  it('TRL reward function: conversational completions, tests from the ground_truth column', async () => {
    const s = await start();
    const prompt = [{ role: 'user', content: 'Write add(a, b).' }];
    const gt = JSON.stringify({ tests: [{ type: 'assert', code: 'assert add(1, 2) == 3' }, { type: 'assert', code: 'assert add(0, 0) == 0' }] });
    const out = await python({
      mode: 'trl', urls: [s.url],
      prompts: [prompt, prompt, prompt],
      completions: [
        [{ role: 'assistant', content: '```python\ndef add(a, b):\n    return a + b\n```' }],
        [{ role: 'assistant', content: '```python\ndef add(a, b):\n    return a * b\n```' }],
        [{ role: 'assistant', content: 'no code here' }],
      ],
      ground_truth: [gt, gt, gt],
    });
    expect(out.error).toBeUndefined();
    expect(out.rewards).toHaveLength(3);
    expect(out.rewards[0]).toBeGreaterThan(out.rewards[1]);
    expect(out.rewards[1]).toBeGreaterThan(out.rewards[2]); // a*b passes add(0, 0) == 0
    expect(out.rewards[2]).toBe(0);
  });
});
