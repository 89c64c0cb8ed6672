'use strict';
// Reward server throughput against the in-process pipeline, in the same run and with the same
// executor concurrency: (1) rewards only (precomputed matrices: HTTP + JSON cost per group),
// (2) HumanEval canonical and broken solutions executed in the sandbox (executions/s through
// POST /score vs scoreAll), (3) SandboxFusion /run_code with 64 requests in flight (verl's
// default). The server runs as `verpo serve` in a child process on a loopback port; the clients
// here use Node's fetch. VERPO_BENCH_PROBLEMS=n limits the HumanEval problems (default 12).
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { scoreAll } = require('../dist/pipeline/score');
const { loadHumanEval, humanEvalProgram } = require('../dist/datasets/humaneval');
const { fmt, median } = require('./stats');

const CLI = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
const LIMITS = { cpu_ms: 3000, wall_ms: 10000 };

function cores() {
  return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
}

/** Starts `verpo serve --port 0` (with `--concurrency` when given) and resolves with its URL (from the line
 *  it prints on stderr). */
/** `nodeFlags` go to the server's node (the soak passes --trace-gc and reads the child's stdout). */
function startServer(concurrency, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const flags = concurrency === undefined ? [] : ['--concurrency', String(concurrency)];
    const child = spawn(process.execPath, [...nodeFlags, CLI, 'serve', '--port', '0', ...flags, '--max-queue', '100000'],
      { stdio: ['ignore', nodeFlags.length ? 'pipe' : 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`verpo serve did not start: ${err}`)), 60000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /serving on (http:\/\/\S+) \(sandbox ready/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child });
      } else if (/sandbox NOT ready/.test(err)) {
        clearTimeout(timer);
        reject(new Error(`verpo serve: ${err.trim()}`));
      }
    });
    child.on('exit', (code) => reject(new Error(`verpo serve exited ${code}: ${err}`)));
  });
}

function stopServer(s) {
  return new Promise((resolve) => {
    s.child.removeAllListeners('exit');
    s.child.on('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

async function postJson(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}: ${await r.text()}`);
  return r.json();
}

/** Sends `batches` with `clients` requests in flight; returns seconds taken and the results. */
async function throughServer(url, batches, clients, options) {
  let next = 0;
  const out = new Array(batches.length);
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < batches.length) {
      const i = next++;
      out[i] = (await postJson(url + '/score', { problems: batches[i], options })).results;
    }
  }));
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, results: out.flat() };
}

async function inProcess(groups, options, concurrency) {
  const t0 = process.hrtime.bigint();
  const results = await scoreAll(groups, { ...options, concurrency });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, results };
}

function chunks(xs, n) {
  const out = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function passedGroups(n, rows, tests) {
  let seed = 12345;
  const bit = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 1;
  return Array.from({ length: n }, (_, i) => ({ id: i, passed: Array.from({ length: rows }, () => Array.from({ length: tests }, bit)) }));
}

function humanEvalGroups() {
  const all = loadHumanEval(FIXTURE);
  const n = Number(process.env.VERPO_BENCH_PROBLEMS || 12);
  return all.slice(0, n).map((p) => ({
    id: p.id,
    tests: p.tests,
    // a correct and a broken rollout, as in an RL group
    rollouts: [humanEvalProgram(p, p.canonicalSolution), humanEvalProgram(p, '    return None\n')],
    limits: LIMITS,
  }));
}

function verdictCount(results) {
  let n = 0;
  for (const r of results) for (const row of r.rollouts ?? []) n += row.verdicts ? row.verdicts.length : 0;
  return n;
}

function sameRewards(a, b) {
  return JSON.stringify(a.map((r) => r.rollouts.map((x) => [x.passed, x.reward]))) === JSON.stringify(b.map((r) => r.rollouts.map((x) => [x.passed, x.reward])));
}

async function main() {
  const concurrency = cores();
  const server = await startServer(concurrency);
  const lines = [];
  try {
    // (1) rewards only
    const groups = passedGroups(2048, 8, 16);
    const batches = chunks(groups, 32);
    const inProc = [], served = [];
    let rewardsMatch = true;
    for (let rep = 0; rep < 3; rep++) {
      const a = await inProcess(groups, {}, concurrency);
      const b = await throughServer(server.url, batches, 8, {});
      rewardsMatch = rewardsMatch && JSON.stringify(a.results) === JSON.stringify(b.results);
      inProc.push(groups.length / a.seconds);
      served.push(b.seconds);
    }
    const reqPerS = batches.length / median(served);
    const groupsServed = groups.length / median(served);
    process.stderr.write(`rewards only: in-process ${fmt(median(inProc))} groups/s, server ${fmt(groupsServed)} groups/s (${fmt(reqPerS)} req/s)\n`);

    // (2) execution
    const he = humanEvalGroups();
    await inProcess(he.slice(0, 2), {}, concurrency); // warm-up
    await throughServer(server.url, chunks(he.slice(0, 2), 2), 1, {}); // the server's too: its slots start on first use
    const exIn = await inProcess(he, {}, concurrency);
    const exSrv = await throughServer(server.url, chunks(he, 2), 4, {});
    const exIn2 = await inProcess(he, {}, concurrency);
    const executions = verdictCount(exIn.results);
    const inRate = executions / ((exIn.seconds + exIn2.seconds) / 2);
    const srvRate = verdictCount(exSrv.results) / exSrv.seconds;
    process.stderr.write(`execution: in-process ${fmt(inRate)} exec/s, server ${fmt(srvRate)} exec/s\n`);

    // (3) /run_code, 64 in flight
    const N = 128;
    let next = 0, ok = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < N) {
        const i = next++;
        // a program of its own per request, as a trainer's rollouts are (the same text would be one compile, cached)
        const r = await postJson(server.url + '/run_code', { code: `a, b = map(int, input().split())\nprint(a + b)\n# rollout ${i}\n`, stdin: `${i} 1\n`, language: 'python', run_timeout: 10 });
        if (r.status === 'Success' && r.run_result.stdout === `${i + 1}\n`) ok++;
      }
    }));
    const rcSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stderr.write(`/run_code: ${fmt(N / rcSeconds)} req/s (${ok}/${N} correct)\n`);

    lines.push(
      '## Reward server (`verpo serve`) vs in-process',
      '',
      `Server: \`verpo serve --concurrency ${concurrency}\` in a child process on loopback; clients: Node fetch in the`,
      'bench process (sharing the same cores). In-process: `scoreAll` with the same concurrency, in the same run.',
      '',
      '| workload | in-process | through the server | server / in-process |',
      '|---|---:|---:|---:|',
      `| rewards only: ${groups.length} groups of 8 x 16 precomputed, 32 groups/request, 8 clients | ${fmt(median(inProc))} groups/s | ${fmt(groupsServed)} groups/s (${fmt(reqPerS)} requests/s) | ${(groupsServed / median(inProc)).toFixed(2)}x |`,
      `| execution: ${he.length} HumanEval problems x 2 rollouts (${executions} test executions), 2 groups/request, 4 clients | ${fmt(inRate)} executions/s | ${fmt(srvRate)} executions/s | ${(srvRate / inRate).toFixed(2)}x |`,
      `| SandboxFusion /run_code: ${N} distinct stdin programs, 64 in flight | — | ${fmt(N / rcSeconds)} requests/s (${ok}/${N} correct) | — |`,
      '',
      `Rewards identical through the server and in-process: ${rewardsMatch ? 'yes' : 'NO'} (precomputed);`,
      `execution results identical: ${sameRewards(exIn.results, exSrv.results) ? 'yes' : 'NO'}. Medians of 3 runs for rewards only; execution in-process is`,
      'the mean of one run before and one after the server run, both warmed first (an executor starts its slots on first use).',
      'Each /run_code request is one sandboxed process (scope rollout:',
      'the process compiles the program before it runs it; scope test adds a syntax check of its own).',
    );
  } finally {
    await stopServer(server);
  }
  return lines.join('\n') + '\n';
}

module.exports = { main, startServer };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
