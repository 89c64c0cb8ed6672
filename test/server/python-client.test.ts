// The Python client (clients/python: the verpo_client package, standard library only) against real
// servers on loopback: batches spread over several URLs with one dead, and over several servers
// behind one URL that balances per connection (what a Kubernetes Service does), a server restarted
// in the middle of a batch (a retryable error, then every result exactly once), 413 splitting and
// 429 back-off, a wrong token (not retried), and the verl and TRL adapters (exactly what the server's
// own routes return, a bad label failing its samples only). Then the package as a user gets it: pip
// install --target (offline, the in-tree build backend), its own unittest suite against a live server
// (tests/test_labels.py: every label form the datasets write, through both adapters), and its type
// hints as mypy sees them from the installed copy.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SERVE_HELP } from '../../lib/cli/serve';
import { resolvePython } from '../../lib/exec/interpreter';
import { scoreAll } from '../../lib/pipeline/score';
import type { VerpoServer } from '../../lib/server/app';
import { passedGroups, post, programGroup, serve } from './helpers';

const CLIENT_DIR = path.resolve(__dirname, '..', '..', 'clients', 'python');
// The real interpreter: a pyenv shim may come first on PATH (/usr/bin/python3 when it exists).
const PYTHON = resolvePython();

// Runs one scenario in python3 and prints its outcome as JSON; scenarios never print anything else.
const DRIVER = `
import json, sys, time
sys.path.insert(0, sys.argv[1])
import verpo_client as vc
a = json.loads(sys.argv[2])
out = {}
try:
    if a["mode"] == "score":
        c = vc.VerpoClient(a["urls"], chunk_size=a.get("chunk", 8), backoff=0.1, max_attempts=a.get("attempts", 8), token=a.get("token"),
                           parallel=a.get("parallel", 2))
        out["results"] = c.score(a["problems"], a.get("options"))
        out["log"] = c.log
        out["duplicates"] = c.duplicates
    elif a["mode"] == "verl":
        client = vc.VerpoClient(a["urls"], chunk_size=a.get("chunk", 32), parallel=a.get("parallel", 2), backoff=0.1)
        out["scores"] = vc.compute_score(a["data_sources"], a["solutions"], a["ground_truths"], [None] * len(a["solutions"]), client=client,
                                         **a.get("reward_kwargs", {}))
    elif a["mode"] == "trl":
        f = vc.make_trl_reward(vc.VerpoClient(a["urls"], chunk_size=a.get("chunk", 32), parallel=a.get("parallel", 2), backoff=0.1),
                               options=a.get("options"))
        out["rewards"] = f(prompts=a["prompts"], completions=a["completions"], ground_truth=a["ground_truth"], trainer_state=None)
except vc.RetryableError as e:
    out["error"] = {"kind": "retryable", "message": str(e)}
except vc.VerpoError as e:
    out["error"] = {"kind": "fatal", "message": str(e)}
print(json.dumps(out))
`;

function python(args: Record<string, unknown>, timeoutMs = 90_000): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', DRIVER, CLIENT_DIR, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${PYTHON} exited ${code}: ${err.slice(-2000)}`));
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

/** One URL in front of several servers that picks a server per TCP connection, round-robin, as
 *  kube-proxy does for a ClusterIP Service (there at random). A connection to a dead server is
 *  reset, as a client sees a pod that died after the endpoints were read. */
async function balancer(backends: string[]): Promise<{ url: string; connections: number[]; close: () => Promise<void> }> {
  const connections = backends.map(() => 0);
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const i = next++ % backends.length;
    connections[i]++;
    const target = new URL(backends[i]);
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('error', () => client.resetAndDestroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

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

  it('one Service URL in front of three servers: parallel requests spread the batch over all of them', async () => {
    const backends = [await start(), await start(), await start()];
    const lb = await balancer(backends.map((b) => b.url));
    try {
      const problems = passedGroups(60);
      // one URL, as a trainer inside the cluster knows it (http://verpo:8080), 2 requests per replica
      const out = await python({ mode: 'score', urls: [lb.url], problems, chunk: 32, parallel: 6 });
      expect(out.error).toBeUndefined();
      expect(out.results).toEqual(await scoreAll(problems));
      expect(out.duplicates).toBe(0);
      expect(out.log).toEqual([]);
      expect(lb.connections).toEqual([2, 2, 2]); // 6 requests of 10 groups, one connection each
      for (const b of backends) expect(b.metrics.groups.get({ outcome: 'scored' })).toBe(20);
    } finally {
      await lb.close();
    }
  });

  it('behind one Service URL, a dead replica: its connections are retried on the others', async () => {
    const a = await start();
    const b = await start();
    const lb = await balancer([a.url, await deadUrl(), b.url]);
    try {
      const problems = passedGroups(30);
      const out = await python({ mode: 'score', urls: [lb.url], problems, chunk: 5, parallel: 3 });
      expect(out.error).toBeUndefined();
      expect(out.results).toEqual(await scoreAll(problems));
      expect(out.duplicates).toBe(0);
      expect(out.log.length).toBeGreaterThanOrEqual(1);
      for (const line of out.log) expect(line).toMatch(/cannot reach the server|stream was cut|Connection reset|Remote end closed/);
      expect(a.metrics.groups.get({ outcome: 'scored' }) + b.metrics.groups.get({ outcome: 'scored' })).toBe(30);
      expect(lb.connections[1]).toBeGreaterThanOrEqual(1);
    } finally {
      await lb.close();
    }
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
    for (const x of out.scores) expect(x).toMatchObject({ error: '' });
    expect(Object.keys(good).sort()).toEqual(['dense', 'error', 'outcome', 'pass_rate', 'score', 'verpo_advantage']);
  });

  it('verl and TRL adapters over two servers in small chunks: exactly what the server\'s own routes return, bad labels per sample', async () => {
    const a = await start();
    const b = await start();
    const sum = JSON.stringify({ inputs: ['1 2\n', '3 4\n'], outputs: ['3\n', '7\n'] });
    // LiveCodeBench functional cases: outputs are the JSON text of the value, the program a Solution method
    const lcb = JSON.stringify([{ input: '[1, 2]\n2', output: '[2, 4]', testtype: 'functional', metadata: { func_name: 'scale' } }]);
    const SCALE = '```python\nclass Solution:\n    def scale(self, xs: List[int], k: int) -> List[int]:\n        return [x * k for x in xs]\n```';
    const SUM = '```python\na, b = map(int, input().split())\nprint(a + b)\n```';
    const ground_truths = [sum, sum, sum, '', '', lcb, lcb, '{"inputs": [], "outputs": []}'];
    const solutions = [SUM, '```python\nprint(3)\n```', 'no code', SUM, SUM, SCALE, '```python\nclass Solution:\n    def scale(self, xs, k):\n        return xs\n```', SUM];
    const data_sources = ground_truths.map(() => 'mixed');
    const out = await python({ mode: 'verl', urls: [a.url, b.url], data_sources, solutions, ground_truths, chunk: 1, parallel: 2 });
    expect(out.error).toBeUndefined();
    const route = await post(a.url, '/verl/compute_score', { data_sources, solution_strs: solutions, ground_truths });
    expect(route.status).toBe(200);
    expect(out.scores).toEqual(route.json);
    expect(out.scores.map((x: { pass_rate: number }) => x.pass_rate)).toEqual([1, 0.5, 0, 0, 0, 1, 0, 0]);
    expect(out.scores[3].error).toMatch(/^samples 3\.\.4: label: is empty/);
    expect(out.scores[7].error).toMatch(/^sample 7: label\.inputs: is empty/);
    // the groups were spread over both servers' URLs and every scorable one was scored once (which server
    // takes how many depends on which answers first: the Service-proxy test checks the spreading itself)
    expect(a.metrics.groups.get({ outcome: 'scored' }) + b.metrics.groups.get({ outcome: 'scored' })).toBeGreaterThan(0);

    const prompts = ground_truths.map((gt) => [{ role: 'user', content: gt === lcb ? 'scale' : 'sum' }]);
    // conversational, the last message a tool's result
    const completions = solutions.map((s) => [{ role: 'assistant', content: s, tool_calls: [{ type: 'function', function: { name: 'run', arguments: '{}' } }] },
      { role: 'tool', name: 'run', content: 'done' }]);
    const trl = await python({ mode: 'trl', urls: [a.url, b.url], prompts, completions, ground_truth: ground_truths, chunk: 1, parallel: 2, options: { scheme: 'pass-rate' } });
    expect(trl.error).toBeUndefined();
    const trlRoute = await post(a.url, '/trl/reward?scheme=pass-rate', { prompts, completions, ground_truth: ground_truths });
    expect(trl.rewards).toEqual(trlRoute.json.rewards);
    expect(trl.rewards).toEqual([1, 0.5, 0, null, null, 1, 0, null]);
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

/** Runs a command without blocking the event loop (the servers under test answer from this process). */
function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function hasModule(python: string, module: string): boolean {
  return spawnSync(python, ['-m', module, '--version'], { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

// The package as a user installs it. pip builds the wheel with the in-tree backend (clients/python/
// _backend: pyproject.toml requires nothing, so the isolated build needs no index: --no-index proves
// it) into the site-packages of a fresh venv, whose interpreter then sees only the stdlib and this.
// Without pip the suite runs from the source tree instead, and says so.
describe('clients/python as a package', () => {
  const PIP = hasModule(PYTHON, 'pip');
  const MYPY = hasModule(PYTHON, 'mypy');
  let tmp = '';
  let venvPython = PYTHON;
  let site = '';
  let installed = false;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'verpo-pyclient-'));
    const venv = path.join(tmp, 'venv');
    const made = await run(PYTHON, ['-m', 'venv', '--without-pip', venv]);
    expect(made.code, made.out).toBe(0);
    venvPython = path.join(venv, 'bin', 'python');
    const purelib = await run(venvPython, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])']);
    site = purelib.out.trim();
    if (!PIP) {
      console.warn(`${PYTHON} has no pip: the client's tests run from the source tree (PYTHONPATH=${CLIENT_DIR}), not from an installed copy`);
      return;
    }
    const pip = await run(PYTHON, ['-m', 'pip', 'install', '--no-index', '--no-cache-dir', '--disable-pip-version-check', '--no-compile',
      '--target', site, CLIENT_DIR], { env: { ...process.env, PIP_CONFIG_FILE: '/dev/null', PYTHONDONTWRITEBYTECODE: '1' } });
    expect(pip.code, pip.out).toBe(0);
    installed = true;
  });
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.skipIf(!PIP)('pip install --no-index --target: the package, py.typed and its metadata, built offline', () => {
    expect(fs.readFileSync(path.join(site, 'verpo_client', '__init__.py'), 'utf8')).toBe(fs.readFileSync(path.join(CLIENT_DIR, 'verpo_client', '__init__.py'), 'utf8'));
    expect(fs.existsSync(path.join(site, 'verpo_client', 'py.typed'))).toBe(true);
    const meta = fs.readFileSync(path.join(site, 'verpo_client-0.1.0.dist-info', 'METADATA'), 'utf8');
    expect(meta).toMatch(/^Metadata-Version: 2\.1\nName: verpo-client\nVersion: 0\.1\.0\n/);
    expect(meta).not.toMatch(/^Requires-Dist:/m); // standard library only
    // nothing else was installed, and the build left nothing in the source tree
    expect(fs.readdirSync(site).sort()).toEqual(['verpo_client', 'verpo_client-0.1.0.dist-info']);
    const leftovers: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (/^(build|dist|__pycache__|\.mypy_cache)$|\.egg-info$|\.whl$/.test(e.name)) leftovers.push(path.join(dir, e.name));
        else if (e.isDirectory()) walk(path.join(dir, e.name));
      }
    };
    walk(CLIENT_DIR);
    expect(leftovers).toEqual([]);
  });

  it('verpo serve --help names where the client is and how to install it, and only routes the server has', async () => {
    expect(SERVE_HELP).toContain('clients/python');
    expect(SERVE_HELP).toContain('pip install ./clients/python');
    expect(SERVE_HELP).not.toMatch(/verpo_client\.py/); // the one-file client of old
    expect(fs.existsSync(path.join(CLIENT_DIR, 'pyproject.toml'))).toBe(true);
    const routes = [...SERVE_HELP.matchAll(/^ {2}(GET|POST) +(\/\S*)/gm)].map((m) => [m[1] as 'GET' | 'POST', m[2]] as const);
    expect(routes.map(([, url]) => url)).toEqual(['/score', '/run_code', '/get_reward', '/verl/compute_score', '/trl/reward', '/healthz', '/metrics']);
    const s = await start({ token: 'help' });
    for (const [method, url] of routes) expect(s.app.hasRoute({ method, url }), `${method} ${url}`).toBe(true);
    expect(SERVE_HELP).toMatch(/^ {2}\/t\/<token>\/<route> /m);
    const viaPath = await post(s.url, '/t/help/score', { problems: [{ id: 0, passed: [[1]] }] });
    expect(viaPath.status).toBe(200);
  });

  it('its unittest suite passes against a live verpo serve', async () => {
    const s = await start({ token: 'unittest-token' });
    const env: NodeJS.ProcessEnv = { ...process.env, VERPO_TEST_URL: s.url, VERPO_TEST_TOKEN: 'unittest-token', PYTHONDONTWRITEBYTECODE: '1' };
    for (const k of ['VERPO_URL', 'VERPO_URLS', 'VERPO_TOKEN', 'VERPO_PARALLEL', 'PYTHONPATH']) delete env[k];
    if (installed) env.VERPO_TEST_INSTALLED = '1';
    else env.PYTHONPATH = CLIENT_DIR;
    const tests = path.join(CLIENT_DIR, 'tests');
    // cwd outside the source tree: `import verpo_client` can only find the installed copy
    const r = await run(venvPython, ['-m', 'unittest', 'discover', '-v', '-s', tests, '-t', tests], { cwd: tmp, env });
    expect(r.code, r.out).toBe(0);
    const ran = Number(/^Ran (\d+) tests? in /m.exec(r.out)?.[1]);
    expect(ran, r.out).toBeGreaterThanOrEqual(39); // test_labels.py: every label form through both adapters
    // only the check that the installed copy is the one under test needs an installed copy
    expect(r.out).toMatch(installed ? /\nOK\n?$/ : /\nOK \(skipped=1\)\n?$/);
    expect(r.out.match(/\.\.\. skipped/g) ?? []).toHaveLength(installed ? 0 : 1);
    expect(r.out).toMatch(new RegExp(`test_the_installed_copy_is_under_test .* \\.\\.\\. ${installed ? 'ok' : 'skipped'}`));
    expect(s.metrics.groups.get({ outcome: 'scored' })).toBeGreaterThan(40);
  });

  // mypy comes from Debian's package (.ci/run installs it); without it, only outside CI, this is skipped.
  it.skipIf(!MYPY && !process.env.CI)('typed: mypy --strict passes on the package, and a consumer sees its types through py.typed', async () => {
    const strict = await run(PYTHON, ['-m', 'mypy', '--strict', '--python-version', '3.8', '--cache-dir', '/dev/null',
      'verpo_client', '_backend/verpo_client_backend.py', 'tests'], { cwd: CLIENT_DIR });
    expect(strict.code, strict.out).toBe(0);
    expect(strict.out).toMatch(/^Success: no issues found in 6 source files/m);
    if (!installed) return;
    // from the installed copy (PEP 561: the venv's site-packages): a wrong use is an error, a right one is not
    const use = path.join(tmp, 'use.py');
    fs.writeFileSync(use, 'from verpo_client import VerpoClient\nclient = VerpoClient("http://verpo:8080", parallel=4)\nn: int = client.score([])\n');
    const wrong = await run(PYTHON, ['-m', 'mypy', '--strict', '--cache-dir', '/dev/null', '--python-executable', venvPython, use], { cwd: tmp });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/use\.py:3: error: Incompatible types in assignment \(expression has type "List\[Dict\[str, Any\]\]", variable has type "int"\)/);
    fs.writeFileSync(use, 'from typing import Any, Dict, List\nfrom verpo_client import VerpoClient\nresults: List[Dict[str, Any]] = VerpoClient("http://verpo:8080").score([])\n');
    const right = await run(PYTHON, ['-m', 'mypy', '--strict', '--cache-dir', '/dev/null', '--python-executable', venvPython, use], { cwd: tmp });
    expect(right.code, right.out).toBe(0);
  });
});
