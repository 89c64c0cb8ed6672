// Error replies: malformed JSON, empty and oversized bodies, wrong content types, unknown routes,
// slow and stalled clients, and in every error body no host path, stack frame or environment value.
import * as net from 'net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { redactPaths } from '../../lib/server/errors';
import { expectNoHostDetails, get, passedGroups, post, serve } from './helpers';

let server: VerpoServer;
beforeAll(async () => {
  server = await serve({ maxBodyMb: 0.05, requestTimeoutMs: 1500 });
});
afterAll(async () => {
  await server.close();
});

/** Raw HTTP over a socket, for requests fetch will not send (lying lengths, trickled bodies). */
function raw(port: number, chunks: { data: string; delayMs: number }[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(out);
    }, timeoutMs);
    sock.on('data', (d) => (out += d.toString('utf8')));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (out) resolve(out);
      else reject(e);
    });
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (c.delayMs) await new Promise((r) => setTimeout(r, c.delayMs));
        if (sock.destroyed) return;
        sock.write(c.data);
      }
    });
  });
}

describe('error replies', () => {
  it('malformed JSON: 400 saying the body is not valid JSON', async () => {
    for (const body of ['{"problems": [', '{problems: 1}', 'null x', '{"problems": [}']) {
      const r = await post(server.url, '/score', body);
      expect(r.status, body).toBe(400);
      expect(r.json.error).toMatch(/^request body is not valid JSON/);
      expect(expectNoHostDetails(r.text)).toEqual([]);
    }
  });

  it('empty body, wrong content type, unknown route', async () => {
    const empty = await post(server.url, '/score', '');
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatch(/empty/);
    const text = await post(server.url, '/score', 'problems', { 'content-type': 'text/csv' });
    expect(text.status).toBe(415);
    expect(text.json.error).toMatch(/Content-Type/);
    const none = await get(server.url, '/etc/passwd');
    expect(none.status).toBe(404);
    expect(none.json.error).toBe('no route GET <path>');
  });

  it('oversized body: 413 before the body is read through, and the server keeps serving', async () => {
    const big = { problems: passedGroups(2000) };
    const r = await post(server.url, '/score', big);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatch(/larger than this server accepts/);
    expect(server.metrics.rejected.get({ reason: 'too_large' })).toBeGreaterThanOrEqual(1);
    // a lying Content-Length is refused from the header alone
    const lie = await raw(server.port, [{ data: 'POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{', delayMs: 0 }], 3000);
    expect(lie).toMatch(/^HTTP\/1.1 413/);
    expect((await post(server.url, '/score', { problems: passedGroups(2) })).status).toBe(200);
  });

  it('more groups than the queue holds: 413 telling the client to split the batch', async () => {
    const small = await serve({ maxQueue: 4 });
    try {
      const r = await post(small.url, '/score', { problems: passedGroups(5) });
      expect(r.status).toBe(413);
      expect(r.json.error).toBe('5 groups in one request; this server queues at most 4: split the batch');
    } finally {
      await small.close();
    }
  });

  it('a slow client that trickles its body is served, and others are served meanwhile', async () => {
    const body = JSON.stringify({ problems: passedGroups(3) });
    const head = `POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const pieces = [{ data: head, delayMs: 0 }];
    for (let i = 0; i < body.length; i += Math.ceil(body.length / 5)) pieces.push({ data: body.slice(i, i + Math.ceil(body.length / 5)), delayMs: 200 });
    const slow = raw(server.port, pieces);
    const t0 = Date.now();
    const fast = await post(server.url, '/score', { problems: passedGroups(1) });
    expect(fast.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(800);
    const reply = await slow;
    expect(reply).toMatch(/^HTTP\/1.1 200/);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).results).toHaveLength(3);
  });

  it('a client that stalls mid-body is cut off after the request timeout (408); others are unaffected', async () => {
    const stalled = raw(server.port, [{ data: 'POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pro', delayMs: 0 }], 8000);
    const ok = await post(server.url, '/score', { problems: passedGroups(1) });
    expect(ok.status).toBe(200);
    const t0 = Date.now();
    const reply = await stalled;
    expect(Date.now() - t0).toBeLessThan(7000);
    expect(reply).toMatch(/^HTTP\/1.1 408/);
  });

  it('no error body reveals host paths, stack frames or the environment', async () => {
    const bodies: string[] = [];
    const collect = async (p: Promise<{ status: number; text: string }>) => {
      const r = await p;
      bodies.push(r.text);
    };
    await collect(post(server.url, '/score', '{"x'));
    await collect(post(server.url, '/score', { problems: [{ id: 1, tests: 'x', rollouts: ['y'] }] }));
    await collect(post(server.url, '/score', { problems: [{ id: 1, passed: [[1]], setup: 5 }] }));
    await collect(post(server.url, '/score', { problems: [{ id: 1, tests: [{ type: 'assert', code: 'assert f()' }], rollouts: ['def f(:'] }] }));
    await collect(post(server.url, '/score', { problems: passedGroups(1), options: { delta: -1 } }));
    await collect(post(server.url, '/run_code', { code: 'print(1)', language: 'cpp' }));
    await collect(post(server.url, '/run_code', { code: 'print(1)', language: 'python', files: { '/etc/passwd': null } }));
    await collect(post(server.url, '/run_code', { code: 5, language: 'python' }));
    await collect(post(server.url, '/get_reward', { query: ['a'], labels: ['not json'] }));
    await collect(get(server.url, '/nope/../../usr/lib'));
    for (const b of bodies) expect(expectNoHostDetails(b), b).toEqual([]);
    expect(bodies).toHaveLength(10);
  });

  it('redactPaths removes absolute paths and keeps everything else', () => {
    expect(redactPaths('python: /usr/bin/python3 is not executable')).toBe('python: <path> is not executable');
    expect(redactPaths('File "/tmp/verpo-1/solution.py", line 1')).toBe('File "<path>", line 1');
    expect(redactPaths('(looked in /work/main/lib/exec/python, /x/y)')).toBe('(looked in <path>, <path>)');
    expect(redactPaths('tests[0].code: 1/2 and a/b')).toBe('tests[0].code: 1/2 and a/b');
  });
});
