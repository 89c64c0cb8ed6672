// The optional bearer token: every route but /healthz needs it; a wrong or missing one is 401 and
// counted; the comparison is over fixed-length digests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { BearerToken } from '../../lib/server/auth';
import { get, passedGroups, post, serve } from './helpers';

const TOKEN = 's3cret-token-for-tests';
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

  it('BearerToken accepts exactly its token', () => {
    const t = new BearerToken('abc');
    expect(t.accepts('Bearer abc')).toBe(true);
    expect(t.accepts('Bearer abcd')).toBe(false);
    expect(t.accepts('Bearer ab')).toBe(false);
    expect(t.accepts(undefined)).toBe(false);
    expect(t.accepts('abc')).toBe(false);
    expect(() => new BearerToken('')).toThrow(TypeError);
  });
});
