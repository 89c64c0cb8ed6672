// The optional bearer token: every route but /healthz needs it; a wrong or missing one is 401 and
// counted; the comparison is over fixed-length digests. Clients that cannot send headers (verl's
// reward_model.sandbox_fusion.url, OpenRLHF's --reward.remote_url) put it in the path: /t/<token>/<route>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { BearerToken } from '../../lib/server/auth';
import { get, passedGroups, post, serve } from './helpers';

const TOKEN = 's3cret-token/for tests';
const IN_PATH = `/t/${encodeURIComponent(TOKEN)}`;
let server: VerpoServer;
beforeAll(async () => {
  server = await serve({ token: TOKEN });
});
afterAll(async () => {
  await server.close();
});

describe('bearer token', () => {
  it('401 without the token or with a wrong one, on every protected route', async () => {
    for (const auth of [undefined, 'Bearer nope', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`, 'Bearer ']) {
      const headers: Record<string, string> = auth === undefined ? {} : { authorization: auth };
      const r = await post(server.url, '/score', { problems: passedGroups(1) }, headers);
      expect(r.status, String(auth)).toBe(401);
      expect(r.json).toEqual({ error: 'missing or wrong bearer token' });
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect((await post(server.url, '/run_code', { code: 'print(1)', language: 'python' }, headers)).status).toBe(401);
      expect((await get(server.url, '/metrics', headers)).status).toBe(401);
    }
    expect(server.metrics.rejected.get({ reason: 'unauthorized' })).toBe(18);
  });

  it('the right token is served; /healthz needs none (readiness probes)', async () => {
    const r = await post(server.url, '/score', { problems: passedGroups(1) }, { authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(200);
    expect(r.json.results).toHaveLength(1);
    expect((await get(server.url, '/healthz')).status).toBe(200);
    expect((await get(server.url, '/metrics', { authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it('/t/<token>/ in the path, as verl\'s sandbox_fusion.url and OpenRLHF\'s --reward.remote_url carry it', async () => {
    // verl: reward_model.sandbox_fusion.url=http://host:8080/t/<token>/run_code (it must end in /run_code)
    const run = await post(server.url, `${IN_PATH}/run_code`, { code: 'print(6 * 7)', language: 'python', compile_timeout: 10, run_timeout: 10, stdin: '', files: {}, fetch_files: [] });
    expect(run.status).toBe(200);
    expect(run.json.run_result.stdout).toBe('42\n');
    // OpenRLHF: --reward.remote_url http://host:8080/t/<token>/get_reward
    const reward = await post(server.url, `${IN_PATH}/get_reward`, { query: [], prompts: [], labels: [] });
    expect(reward.status).toBe(200);
    expect((await post(server.url, `${IN_PATH}/score`, { problems: passedGroups(1) })).status).toBe(200);
    expect((await get(server.url, `${IN_PATH}/metrics`)).status).toBe(200);
    expect((await get(server.url, `${IN_PATH}/healthz`)).status).toBe(200);
    // a wrong token in the path is refused even with the right header: the path names the credential
    for (const bad of ['/t/nope', `/t/${encodeURIComponent(TOKEN)}x`, '/t/%']) {
      const r = await post(server.url, `${bad}/run_code`, { code: 'print(1)', language: 'python' }, { authorization: `Bearer ${TOKEN}` });
      expect(r.status, bad).toBe(401);
    }
    // the token never reaches the metrics' route labels nor a 404's message
    const missing = await post(server.url, `${IN_PATH}/nowhere`, {});
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe('no route POST /nowhere');
    const metrics = (await get(server.url, '/metrics', { authorization: `Bearer ${TOKEN}` })).text;
    expect(metrics).toContain('verpo_http_requests_total{route="/run_code",code="200"}');
    expect(metrics).not.toContain('s3cret');
  });

  it('BearerToken accepts exactly its token', () => {
    const t = new BearerToken('abc');
    expect(t.accepts('Bearer abc')).toBe(true);
    expect(t.accepts('Bearer abcd')).toBe(false);
    expect(t.accepts('Bearer ab')).toBe(false);
    expect(t.accepts(undefined)).toBe(false);
    expect(t.accepts('abc')).toBe(false);
    expect(t.acceptsToken('abc')).toBe(true);
    expect(t.acceptsToken('abcd')).toBe(false);
    expect(t.acceptsToken('')).toBe(false);
    expect(() => new BearerToken('')).toThrow(TypeError);
  });
});
