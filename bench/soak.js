'use strict';
// Soak: VERPO_SOAK_EXECUTIONS (default 100,000) sandboxed test executions through one `verpo serve`, with
// the cell cache off, and the resources of every long-lived process sampled as it goes: the server's RSS,
// descriptors and threads, and the RSS of each slot's warm judge and zygote (found as the server's
// descendants by their boot line). The workload is a real RL-like mix: HumanEval canonical and broken
// rollouts, plus programs aimed at the trusted side's caches (a namedtuple class per rollout, big ints,
// __del__ at exit, exceptions). `node bench/run.js soak` merges the section into bench/RESULTS.md.
const fs = require('fs');
const path = require('path');
const { loadHumanEval, humanEvalProgram } = require('../dist/datasets/humaneval');
const { fmt, median } = require('./stats');
const { startServer } = require('./server');

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
const LIMITS = { cpu_ms: 3000, wall_ms: 10000 };
const TARGET = Number(process.env.VERPO_SOAK_EXECUTIONS || 100000);

function readOr(file, fallback) {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return fallback;
  }
}

function rssKb(pid) {
  const m = /^VmRSS:\s+(\d+)/m.exec(readOr(`/proc/${pid}/status`, ''));
  return m ? Number(m[1]) : 0;
}

function count(dir) {
  try {
    return fs.readdirSync(dir).length;
  } catch {
    return 0;
  }
}

function parentOf(pid) {
  const stat = readOr(`/proc/${pid}/stat`, '');
  return stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : 0;
}

function descends(pid, root) {
  for (let p = parentOf(pid), hops = 0; p > 1 && hops < 32; p = parentOf(p), hops++) if (p === root) return true;
  return false;
}

/** The server's long-lived helpers: its warm judges and zygotes (the zygote is pid 1 of its namespace but
 *  a descendant of the server on the host). */
function helpers(root) {
  const out = { judges: [], zygotes: [] };
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = readOr(`/proc/${name}/cmdline`, '');
    const kind = cmd.includes('# verpo warm judge') ? 'judges' : cmd.includes('# verpo zygote') ? 'zygotes' : null;
    if (kind && descends(Number(name), root)) out[kind].push(rssKb(Number(name)));
  }
  return out;
}

/** The live V8 heap: what the last full (mark-compact) collection left, read from the server's --trace-gc
 *  lines. Unlike heapUsed, which swings with garbage not yet collected, a climb here is a JS leak. */
function traceLiveHeap(child) {
  const state = { liveMb: 0, fullGcs: 0 };
  let rest = '';
  child.stdout.on('data', (d) => {
    const lines = (rest + d).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      const m = /Mark-Compact(?: \([a-z ]+\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/.exec(line);
      if (m) {
        state.liveMb = Number(m[1]);
        state.fullGcs++;
      }
    }
  });
  return state;
}

async function metricsOf(url) {
  const text = await (await fetch(url + '/metrics')).text();
  const gauge = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20;
  return { heapUsedMb: gauge('nodejs_heap_size_used_bytes'), externalMb: gauge('nodejs_external_memory_bytes') };
}

async function sample(server, executions, gc) {
  const pid = server.child.pid;
  const h = helpers(pid);
  return {
    executions,
    ...(await metricsOf(server.url)),
    liveHeapMb: gc.liveMb,
    rssMb: rssKb(pid) / 1024,
    fds: count(`/proc/${pid}/fd`),
    threads: count(`/proc/${pid}/task`),
    judges: h.judges.length,
    judgeMaxMb: Math.max(0, ...h.judges) / 1024,
    zygoteMaxMb: Math.max(0, ...h.zygotes) / 1024,
  };
}

/** Programs aimed at the trusted processes' state: each rollout differs (no two are alike). */
function hostileGroup(round) {
  const tests = [
    { type: 'assert', code: 'assert f(3) == (3,)' },
    { type: 'assert', code: 'assert g(20000) % 7 == pow(3, 20000, 7)' },
    { type: 'call', fn: 'h', args: [2], expected: 4 },
  ];
  const rollouts = [];
  for (let k = 0; k < 4; k++) {
    const tag = `${round}_${k}`;
    rollouts.push([
      'import collections',
      `T = collections.namedtuple("T${tag}", ["a${tag}"])`,
      'def f(x):\n    return T(x)',
      'def g(n):\n    return 3 ** n',
      k % 2 ? 'def h(x):\n    raise ValueError("no")' : 'def h(x):\n    return x * x',
    ].join('\n') + '\n');
  }
  const stdio = {
    id: `stdio-${round}`,
    tests: [{ type: 'stdio', stdin: '2 3\n', stdout: '5\nbye\n' }],
    rollouts: [
      `class A:\n    def __del__(self):\n        print("bye")\na = A()\nx, y = map(int, input().split())\nprint(x + y)  # ${round}\n`,
      `print(int(input().split()[0]) * 2)  # ${round}\n`,
    ],
    limits: LIMITS,
  };
  return [{ id: `hostile-${round}`, tests, rollouts, limits: LIMITS }, stdio];
}

function humanEvalGroups(round) {
  return loadHumanEval(FIXTURE).map((p) => ({
    id: p.id,
    tests: p.tests,
    rollouts: [humanEvalProgram(p, p.canonicalSolution) + `# ${round}\n`, humanEvalProgram(p, `    return None  # ${round}\n`)],
    limits: LIMITS,
  }));
}

async function postJson(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}: ${(await r.text()).slice(0, 400)}`);
  return r.json();
}

function executionsOf(results) {
  let n = 0;
  for (const r of results) for (const row of r.rollouts ?? []) n += row.verdicts ? row.verdicts.length : 0;
  return n;
}

async function main() {
  const server = await startServer(undefined, ['--trace-gc']);
  const gc = traceLiveHeap(server.child);
  const samples = [];
  const verdicts = {};
  let executions = 0, round = 0, nextSample = 0;
  const t0 = process.hrtime.bigint();
  try {
    while (executions < TARGET) {
      const groups = [...humanEvalGroups(round), ...hostileGroup(round)];
      round++;
      const batches = [];
      for (let i = 0; i < groups.length; i += 8) batches.push(groups.slice(i, i + 8));
      let next = 0;
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (next < batches.length && executions < TARGET) {
          const batch = batches[next++];
          const { results } = await postJson(server.url + '/score', { problems: batch, options: { cache: false } });
          executions += executionsOf(results);
          for (const r of results) for (const row of r.rollouts ?? []) for (const v of row.verdicts ?? []) verdicts[v] = (verdicts[v] ?? 0) + 1;
          if (executions >= nextSample) {
            nextSample = executions + TARGET / 20;
            const s = await sample(server, executions, gc);
            samples.push(s);
            process.stderr.write(`soak: ${executions} executions, server RSS ${fmt(s.rssMb)} MB (live heap ${fmt(s.liveHeapMb)}, heap used ${fmt(s.heapUsedMb)}, external ${fmt(s.externalMb)}), judge max ${fmt(s.judgeMaxMb)} MB\n`);
          }
        }
      }));
    }
    samples.push(await sample(server, executions, gc));
  } finally {
    server.child.removeAllListeners('exit');
    server.child.kill('SIGTERM');
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const q = Math.max(1, Math.floor(samples.length / 4));
  const early = samples.slice(1, 1 + q), late = samples.slice(-q);
  const row = (label, key, digits = 1) =>
    `| ${label} | ${samples[0][key].toFixed(digits)} | ${median(early.map((s) => s[key])).toFixed(digits)} | ${median(late.map((s) => s[key])).toFixed(digits)} | ${Math.max(...samples.map((s) => s[key])).toFixed(digits)} |`;
  return [
    `## Soak: ${executions.toLocaleString('en-US')} executions through one server`,
    '',
    `\`node bench/soak.js\` (\`node bench/run.js soak\`): one \`verpo serve\` (default concurrency), cache off, ${round} rounds of`,
    'HumanEval canonical + broken rollouts (164 problems) and programs aimed at the trusted side (a new namedtuple',
    `class per rollout, 3**20000, exceptions, \`__del__\` at exit), 8 groups/request, 4 clients; ${fmt(seconds)} s,`,
    `${fmt(executions / seconds)} executions/s. Sampled every ${(TARGET / 20).toLocaleString('en-US')} executions; "early" and "late" are the`,
    'medians of the first and last quarter of the samples.',
    '',
    '| | first sample | early | late | max |',
    '|---|---:|---:|---:|---:|',
    row('server RSS (MB)', 'rssMb'),
    row('server live V8 heap after the last full GC (MB)', 'liveHeapMb'),
    row('server V8 heap used (MB)', 'heapUsedMb'),
    row('server external memory (MB)', 'externalMb'),
    row('server descriptors', 'fds', 0),
    row('server threads', 'threads', 0),
    row('warm judges alive', 'judges', 0),
    row('largest warm judge RSS (MB)', 'judgeMaxMb'),
    row('largest zygote RSS (MB)', 'zygoteMaxMb'),
    '',
    `${gc.fullGcs} full collections in the server during the run. Every sample (executions: server RSS / live heap /`,
    `external / largest warm judge, MB): ${samples.map((x) => `${x.executions.toLocaleString('en-US')}: ${fmt(x.rssMb)}/${fmt(x.liveHeapMb)}/${fmt(x.externalMb)}/${fmt(x.judgeMaxMb)}`).join(', ')}.`,
    '',
    `Verdicts: ${Object.entries(verdicts).sort().map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(', ')}.`,
    '',
  ].join('\n');
}

module.exports = { main };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
