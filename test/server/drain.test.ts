// Shutdown of a real `verpo serve` process (the compiled dist/cli/main.js, as deployed): after
// SIGTERM it keeps listening, answers new requests with 503 + Retry-After (a fresh connection, not
// only a kept-alive one), finishes the request in flight with its real result, then exits 0.
import { spawn, type ChildProcess } from 'child_process';
import * as http from 'http';
import * as path from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { get, passedGroups, post, programGroup } from './helpers';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');
let child: ChildProcess | null = null;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
});

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** POST on a new TCP connection (no keep-alive pool): proves the port itself still accepts. */
function postFresh(url: string, route: string, body: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + route, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('verpo serve: SIGTERM drains', () => {
  it('new requests get 503 with Retry-After while the running one finishes with its real result; then exit 0', async () => {
    child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--concurrency', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await until('the server to listen', () => /serving on http:\/\/\S+ /.test(stderr));
    expect(stderr).toMatch(/sandbox ready/);
    const url = /serving on (http:\/\/\S+) /.exec(stderr)![1];

    // a slow group: each of its 4 tests sleeps 1.5 s in the sandbox (2 at a time: ~3 s)
    const started = Date.now();
    const running = post(url, '/score', { problems: [programGroup('draining', 1.5)] });
    await until('the group to run', async () => /^verpo_in_flight 1$/m.test((await get(url, '/metrics')).text));

    child.kill('SIGTERM');
    await until('the drain to start', () => /SIGTERM: finishing 1 running requests \(new ones get 503\)/.test(stderr));

    const late = await postFresh(url, '/score', { problems: passedGroups(1) });
    expect(late.status).toBe(503);
    expect(late.headers['retry-after']).toBe('1');
    expect(late.json).toEqual({ error: expect.stringMatching(/shutting down/) });
    const pooled = await post(url, '/run_code', { code: 'print(1)', language: 'python' });
    expect(pooled.status).toBe(503);
    const health = await get(url, '/healthz');
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'unavailable', reason: 'shutting down' });
    expect(child.exitCode).toBeNull(); // still draining

    const r = await running;
    expect(r.status).toBe(200);
    expect(r.json.results[0].error).toBeNull();
    expect(r.json.results[0].rollouts.map((x: { verdicts: string[] }) => x.verdicts)).toEqual([['AC', 'AC'], ['WA', 'WA']]);
    expect(Date.now() - started).toBeGreaterThan(2500); // it really ran its sleeps

    expect(await exited).toBe(0);
    await expect(fetch(url + '/healthz')).rejects.toThrow();
  });

  it('a second SIGTERM stops at once (exit 1), without waiting for the drain', async () => {
    child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--concurrency', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await until('the server to listen', () => /serving on http:\/\/\S+ /.test(stderr));
    const url = /serving on (http:\/\/\S+) /.exec(stderr)![1];
    const running = post(url, '/score', { problems: [programGroup('abandoned', 20)] }).catch((e: Error) => e);
    await until('the group to run', async () => /^verpo_in_flight 1$/m.test((await get(url, '/metrics')).text));
    child.kill('SIGTERM');
    await until('the drain to start', () => /SIGTERM: finishing/.test(stderr));
    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(stderr).toMatch(/SIGTERM again: stopping without waiting for 1 running requests/);
    expect(await running).toBeInstanceOf(Error);
  });
});
