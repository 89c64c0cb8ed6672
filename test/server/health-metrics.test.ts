// GET /healthz (readiness: the sandbox ran a program) and GET /metrics (Prometheus text: queue
// depth, in-flight, executions, verdicts, latency histogram, rejections), and a graceful shutdown
// that answers new requests with 503 (retryable) while running ones finish.
import { describe, expect, it } from 'vitest';
import { get, passedGroups, post, programGroup, serve } from './helpers';

describe('/healthz and /metrics', () => {
  it('healthz reports ready with the isolation layers in force, no host paths', async () => {
    const s = await serve();
    try {
      const h = await get(s.url, '/healthz');
      expect(h.status).toBe(200);
      expect(h.json.status).toBe('ok');
      expect(h.json.concurrency).toBe(2);
      expect(h.json.isolation.seccomp).toBe(true);
      expect(h.text).not.toMatch(/"\/(usr|sys|tmp|work)\//);
    } finally {
      await s.close();
    }
  });

  it('healthz re-runs the sandbox self-test in the background once the last one is old', async () => {
    const s = await serve({ recheckMs: 200 });
    try {
      const first = (await get(s.url, '/healthz')).json.checked_at as string;
      expect(Date.parse(first)).toBeGreaterThan(0);
      let later = first;
      for (let i = 0; i < 100 && later === first; i++) {
        await new Promise((r) => setTimeout(r, 50));
        later = (await get(s.url, '/healthz')).json.checked_at;
      }
      expect(Date.parse(later)).toBeGreaterThan(Date.parse(first));
    } finally {
      await s.close();
    }
  });

  it('a server whose sandbox cannot start: healthz 503 with the reason (no path), programs 503, matrices still scored', async () => {
    const s = await serve({ python: '/nonexistent/bin/python3' });
    try {
      const h = await get(s.url, '/healthz');
      expect(h.status).toBe(503);
      expect(h.json).toEqual({ status: 'unavailable', reason: 'sandbox unavailable: python: <path> does not exist or is not executable', checked_at: null });
      const programs = await post(s.url, '/score', { problems: [programGroup('x')] });
      expect(programs.status).toBe(503);
      expect(programs.headers.get('retry-after')).toBe('1');
      expect(programs.json.error).toMatch(/sandbox is unavailable/);
      const matrices = await post(s.url, '/score', { problems: passedGroups(2) });
      expect(matrices.status).toBe(200);
      const rc = await post(s.url, '/run_code', { code: 'print(1)', language: 'python' });
      expect(rc.json).toMatchObject({ status: 'SandboxError', run_result: null });
      expect(rc.json.message).not.toMatch(/nonexistent/);
      expect((await post(s.url, '/get_reward', { query: ['print(1)'], labels: ['{"inputs": ["x"], "outputs": ["1\\n"]}'] })).status).toBe(503);
    } finally {
      await s.close();
    }
  });

  it('metrics of the scored programs: lint profile, held-out gap, groups with all-zero advantages', async () => {
    const s = await serve({});
    try {
      const hidden = {
        id: 'h', tests: [{ type: 'assert', code: 'assert add(1, 2) == 3' }, { type: 'assert', code: 'assert add(5, 5) == 10', hidden: true }],
        rollouts: ['import os\ndef add(a, b):\n    return a + b if a < 5 else 0\n', 'def add(a, b):\n    return a + b\n'],
      };
      const same = { id: 'z', tests: [{ type: 'assert', code: 'assert add(1, 2) == 3' }], rollouts: ['def add(a, b):\n    return a + b\n', 'def add(a, b):\n    return b + a\n'] };
      const r = await post(s.url, '/score', { problems: [hidden, same], options: { lint: true } });
      expect(r.status).toBe(200);
      const t = (await get(s.url, '/metrics')).text.split('\n');
      expect(t).toContain('verpo_lint_rules_total{code="F401"} 1');
      expect(t).toContain('verpo_lint_violations_total{severity="error"} 1');
      expect(t).toContain('verpo_held_out_gap_count 1');
      // every rollout of each group passes its visible tests (h's hidden test counts for no reward): no signal in either
      expect(t).toContain('verpo_zero_advantage_groups_total 2');
    } finally {
      await s.close();
    }
  });

  it('metrics in Prometheus text format, counting what the server did', async () => {
    const s = await serve({ maxQueue: 2 });
    try {
      await post(s.url, '/score', { problems: [programGroup('m')] });
      await post(s.url, '/score', { problems: passedGroups(2) });
      await post(s.url, '/score', { problems: passedGroups(3) }); // 413: more than the queue
      await post(s.url, '/score', '{bad');
      await post(s.url, '/run_code', { code: 'print(1)', language: 'python' });
      const m = await get(s.url, '/metrics');
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const t = m.text;
      for (const line of [
        '# TYPE verpo_queue_depth gauge', 'verpo_queue_depth 0', 'verpo_in_flight 0',
        '# TYPE verpo_executions_total counter', 'verpo_executions_total 5',
        'verpo_verdicts_total{verdict="AC"} 2', 'verpo_verdicts_total{verdict="WA"} 2',
        'verpo_groups_total{outcome="scored"} 3',
        'verpo_rejected_requests_total{reason="too_large"} 1', 'verpo_rejected_requests_total{reason="invalid"} 1',
        'verpo_run_code_total{status="Success"} 1',
        'verpo_http_requests_total{route="/score",code="200"} 2', 'verpo_http_requests_total{route="/score",code="413"} 1',
        '# TYPE verpo_request_duration_seconds histogram', 'verpo_request_duration_seconds_count{route="/score"} 4',
        'verpo_request_duration_seconds_bucket{route="/score",le="+Inf"} 4',
      ]) expect(t.split('\n'), line).toContain(line);
      // generation length and RE kinds (issue 14's diagnostics)
      expect(t).toContain('# TYPE verpo_program_chars histogram');
      expect(Number(/^verpo_program_chars_count (\d+)$/m.exec(t)?.[1])).toBeGreaterThan(0);
      expect(t).toContain('# TYPE verpo_runtime_errors_total counter');
      expect(Number(/^verpo_program_lines_count (\d+)$/m.exec(t)?.[1])).toBeGreaterThan(0);
      // the process's own memory, as prom-client names it: plausible sizes, the heap inside the RSS
      const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(t)?.[1]);
      const rss = gauge('process_resident_memory_bytes'), used = gauge('nodejs_heap_size_used_bytes');
      expect(rss).toBeGreaterThan(10 * 2 ** 20);
      expect(used).toBeGreaterThan(2 ** 20);
      expect(used).toBeLessThanOrEqual(gauge('nodejs_heap_size_total_bytes'));
      expect(gauge('nodejs_external_memory_bytes')).toBeGreaterThan(0);
      // buckets are cumulative
      const buckets = t.split('\n').filter((l) => l.startsWith('verpo_request_duration_seconds_bucket{route="/score"')).map((l) => Number(l.split(' ')[1]));
      expect(buckets.every((v, i) => i === 0 || v >= buckets[i - 1])).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('shutdown: running requests finish, new ones get 503 while it drains, then the port is closed', async () => {
    const s = await serve();
    const url = s.url;
    const running = post(url, '/score', { problems: [programGroup('last', 0.5)] });
    await new Promise((r) => setTimeout(r, 150));
    const closing = s.close();
    // still listening while draining: a new request gets 503 (retryable elsewhere), not a refused connection
    const late = await post(url, '/score', { problems: passedGroups(1) });
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(late.json.error).toMatch(/shutting down/);
    expect(s.metrics.rejected.get({ reason: 'shutting_down' })).toBe(1);
    const r = await running;
    expect(r.status).toBe(200);
    expect(r.json.results[0].rollouts[0].verdicts).toEqual(['AC', 'AC']);
    await closing;
    await expect(fetch(url + '/healthz')).rejects.toThrow();
  });
});
