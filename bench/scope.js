'use strict';
// Rollout scope against scope test (issue 13): one sandboxed process per program's tests vs one per test, on
// three workloads, beside the naive baseline and the zygote-sized fork floor measured in the same round:
//  (a) HumanEval canonical solutions, one test per split assert (~7 a problem);
//  (b) many stdio tests: 24 programs x 50 stdin/stdout tests (reading numbers, printing their sum and sorted order);
//  (c) a mixed RL group: 16 rollouts per HumanEval problem (10 canonical, 3 wrong, 2 crashing at import, 1 spinning on
//      about one input in five), 20 problems, cpu limit 200 ms.
// Executions/s (tests per second, syntax checks included), p50/p99 latency per rollout (from run() to its result,
// every rollout of the workload submitted at once, as a trainer's step does), host CPU per test (this process:
// Node + the native supervisor threads), peak RSS of the whole process tree. The cache stays on (a tag per pass
// makes every program new). VERPO_BENCH_ROUNDS=n (default 2).
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const fs = require('fs');
const { Executor } = require('../dist/exec');
const { loadHumanEval, humanEvalProgram } = require('../dist/datasets/humaneval');
const { fmt, median } = require('./stats');
const { forkFloor, procTable, zygoteModules, treeRssKb } = require('./executor');

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
const LIMITS = { cpuMs: 3000, wallMs: 10000, memoryMb: 512, outputKb: 1024 };
let passNo = 0;

function humanEvalWorkload(problems) {
  return { name: '(a) HumanEval, split asserts', limits: LIMITS, make: (tag) => problems.map((p) => ({
    language: 'python', code: humanEvalProgram(p, p.canonicalSolution) + tag, tests: p.tests,
    naive: p.tests.map((t) => ({ script: `${humanEvalProgram(p, p.canonicalSolution)}\n${t.code}`, stdin: '' })),
  })) };
}

function stdioWorkload() {
  const program = 'import sys\nxs = list(map(int, sys.stdin.read().split()))\nprint(sum(xs))\nprint(*sorted(xs))\n';
  return { name: '(b) stdio, 50 tests a program', limits: LIMITS, make: (tag) => Array.from({ length: 24 }, (_, k) => {
    const tests = Array.from({ length: 50 }, (_, i) => {
      const xs = Array.from({ length: 20 }, (_, j) => ((i * 7919 + j * 104729 + k) % 1000) - 500);
      return { type: 'stdio', stdin: xs.join(' ') + '\n', stdout: `${xs.reduce((a, b) => a + b, 0)}\n${[...xs].sort((a, b) => a - b).join(' ')}\n` };
    });
    const code = `${program}# ${k}${tag}`;
    return { language: 'python', code, tests, naive: tests.map((t) => ({ script: code, stdin: t.stdin })) };
  }) };
}

function mixedWorkload(problems) {
  const picked = problems.slice(0, 20);
  const kinds = [...Array(10).fill('canonical'), 'wrong', 'wrong', 'wrong', 'crash', 'crash', 'timeout'];
  return { name: '(c) mixed RL group, 16 rollouts a problem', limits: { ...LIMITS, cpuMs: 200, wallMs: 2000 }, make: (tag) => picked.flatMap((p) => kinds.map((kind, r) => {
    let body = p.canonicalSolution;
    if (kind === 'wrong') body = '    return None\n';
    // spins on about one input in five (decided by the input alone: the same tests time out in both scopes)
    if (kind === 'timeout') body = `    if len(repr(sorted(locals().items(), key=str))) % 5 == 0:\n        while True:\n            pass\n${p.canonicalSolution}`;
    let code = humanEvalProgram(p, body);
    if (kind === 'crash') code = `raise RuntimeError("boom")\n${code}`;
    code += `# ${r}${tag}`;
    return { language: 'python', code, tests: p.tests, naive: p.tests.map((t) => ({ script: `${code}\n${t.code}`, stdin: '' })) };
  })) };
}

/** Naive baseline: one fresh `python -I -S` per test (program + test, or the program with the test's stdin). */
async function naive(python, jobs, concurrency, cpuMs) {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { script, stdin } = jobs[next++];
      await new Promise((resolve) => {
        const child = spawn(python, ['-I', '-S', '-c', script], { stdio: ['pipe', 'ignore', 'ignore'] });
        const timer = setTimeout(() => child.kill('SIGKILL'), cpuMs * 2);
        child.on('exit', () => { clearTimeout(timer); resolve(); });
        child.on('error', () => { clearTimeout(timer); resolve(); });
        child.stdin.on('error', () => {});
        child.stdin.end(stdin);
      });
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return jobs.length / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function pass(ex, workload) {
  const warm = workload.make(`\n# warm ${++passNo}\n`).slice(0, 4);
  await Promise.all(warm.map((r) => ex.run({ language: r.language, code: r.code, tests: r.tests, limits: workload.limits })));
  const rollouts = workload.make(`\n# bench pass ${++passNo}\n`);
  let peak = treeRssKb();
  const sampler = setInterval(() => { peak = Math.max(peak, treeRssKb()); }, 250);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const lat = [];
  const results = await Promise.all(rollouts.map(async (r) => {
    const s = process.hrtime.bigint();
    const res = await ex.run({ language: r.language, code: r.code, tests: r.tests, limits: workload.limits });
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
    return res;
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const verdicts = {};
  let tests = 0;
  for (const res of results) for (const t of res.tests) { tests++; verdicts[t.verdict] = (verdicts[t.verdict] || 0) + 1; }
  lat.sort((a, b) => a - b);
  return {
    rate: tests / seconds, tests, verdicts, p50: lat[Math.floor(lat.length / 2)], p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))],
    hostCpuMs: (cpu.user + cpu.system) / 1000 / tests, peakMb: peak / 1024,
  };
}

/** The warm processes this process started (zygotes, judges), from /proc: their own CPU, the CPU and minor page faults
 *  of the children a zygote reaped (the tests' processes), ms and counts since they started. */
function warmProcesses() {
  const hz = 100;  // USER_HZ: /proc's clock ticks
  const acc = { judgeMs: 0, zygoteMs: 0, childMs: 0, childFaults: 0 };
  for (const { pid, ppid, f } of procTable()) {
    if (ppid !== process.pid) continue;
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    } catch { continue; /* gone */ }
    const own = (Number(f[11]) + Number(f[12])) * 1000 / hz;
    if (cmd.includes('# verpo zygote')) {
      acc.zygoteMs += own;
      acc.childMs += (Number(f[13]) + Number(f[14])) * 1000 / hz;
      acc.childFaults += Number(f[8]);
    } else if (cmd.includes('# verpo warm judge')) {
      acc.judgeMs += own;
    }
  }
  return acc;
}

/** Where a HumanEval rollout's CPU goes in scope rollout, on a fresh executor (nothing else running): per rollout, the
 *  rollout's processes (reaped by the zygotes), their page faults, the zygotes, the judges and this process; then the
 *  same programs with each test list four times over, whose extra CPU per extra test is what a test adds. */
async function breakdown(problems, concurrency) {
  const ex = new Executor({ concurrency, limits: LIMITS, scope: 'rollout' });
  const make = (rep) => problems.map((p) => ({ language: 'python', code: `${humanEvalProgram(p, p.canonicalSolution)}\n# breakdown ${++passNo}\n`,
    tests: Array.from({ length: rep }, () => p.tests).flat(), limits: LIMITS }));
  await Promise.all(make(1).slice(0, 4).map((r) => ex.run(r)));
  const measure = async (rep) => {
    const rollouts = make(rep);
    const w0 = warmProcesses();
    const c0 = process.cpuUsage();
    const results = await Promise.all(rollouts.map((r) => ex.run(r)));
    const c = process.cpuUsage(c0);
    const w1 = warmProcesses();
    const n = rollouts.length;
    const tests = results.reduce((k, r) => k + r.tests.length, 0);
    const m = {
      tests, nodeMs: (c.user + c.system) / 1000 / n,
      childMs: (w1.childMs - w0.childMs) / n, childFaults: (w1.childFaults - w0.childFaults) / n,
      zygoteMs: (w1.zygoteMs - w0.zygoteMs) / n, judgeMs: (w1.judgeMs - w0.judgeMs) / n,
    };
    m.totalMs = m.nodeMs + m.childMs + m.zygoteMs + m.judgeMs;
    return m;
  };
  const one = await measure(1);
  const four = await measure(4);
  await ex.close();
  const perTest = (four.totalMs - one.totalMs) / ((four.tests - one.tests) / problems.length);
  return { one, four, perTest };
}

async function main() {
  const concurrency = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const rounds = Number(process.env.VERPO_BENCH_ROUNDS || 2);
  const problems = loadHumanEval(FIXTURE);
  const workloads = [humanEvalWorkload(problems), stdioWorkload(), mixedWorkload(problems)];
  const scopes = ['rollout', 'test'];
  const executors = Object.fromEntries(scopes.map((scope) => [scope, new Executor({ concurrency, limits: LIMITS, scope })]));
  const python = executors.rollout.python;
  const rows = workloads.map(() => ({ rollout: [], test: [], naive: [], floor: [] }));
  for (let round = 0; round < rounds; round++) {
    const floor = (await forkFloor(python, concurrency, 1000, zygoteModules())).rate;
    for (const [w, workload] of workloads.entries()) {
      const naiveJobs = workload.make('').flatMap((r) => r.naive);
      const n = await naive(python, naiveJobs, concurrency, workload.limits.cpuMs);
      rows[w].naive.push(n);
      rows[w].floor.push(floor);
      for (const scope of scopes) {
        const r = await pass(executors[scope], workload);
        r.vsNaive = r.rate / n;
        r.vsFloor = r.rate / floor;
        rows[w][scope].push(r);
        process.stderr.write(`round ${round + 1}: ${workload.name}, scope ${scope}: ${r.rate.toFixed(0)} tests/s ${JSON.stringify(r.verdicts)} ` +
          `p50 ${r.p50.toFixed(0)} ms p99 ${r.p99.toFixed(0)} ms, host ${r.hostCpuMs.toFixed(2)} ms/test (naive ${n.toFixed(0)}/s, floor ${floor.toFixed(0)}/s)\n`);
      }
    }
  }
  await Promise.all(Object.values(executors).map((ex) => ex.close()));
  const bd = [];
  for (let round = 0; round < rounds; round++) bd.push(await breakdown(problems, concurrency));
  const med = (xs) => median(xs);
  const lines = [
    '## Rollout scope vs scope test (issue 13)',
    '',
    `Concurrency ${concurrency}, interpreter ${python}, ${rounds} rounds (medians), every layer on, zygote mode. Scope \`rollout\`: one`,
    'sandboxed process per program\'s tests of a kind (top level once; a fresh one after a test that ends it); scope `test`: one',
    'per test. Each round measures the zygote-sized fork floor (warm interpreters with the zygote\'s modules doing fork +',
    '`_exit` + waitpid, one per core) and, per workload, the naive baseline (a fresh `python -I -S` per test, no isolation,',
    'no judge) before both scopes; ratios compare figures of the same round. Latency: each rollout\'s run() to its result,',
    'with the whole workload submitted at once. Host CPU: this process (Node + the supervisor threads) per test.',
    '',
    '| workload | scope | tests/s | verdicts (last round) | vs naive | vs fork floor | rollout vs test | p50 / p99 per rollout | host CPU per test | peak tree RSS |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [w, workload] of workloads.entries()) {
    const row = rows[w];
    for (const scope of scopes) {
      const rs = row[scope];
      const last = rs[rs.length - 1];
      const speedup = scope === 'rollout' ? `${med(rs.map((r, i) => r.rate / row.test[i].rate)).toFixed(1)}x` : '1.0x';
      const verdicts = Object.entries(last.verdicts).map(([k, v]) => `${k} ${v}`).join(', ');
      lines.push(`| ${workload.name} | ${scope} | ${fmt(med(rs.map((r) => r.rate)))} | ${verdicts} | ${med(rs.map((r) => r.vsNaive)).toFixed(2)}x | ` +
        `${med(rs.map((r) => r.vsFloor)).toFixed(2)}x | ${speedup} | ${med(rs.map((r) => r.p50)).toFixed(0)} / ${med(rs.map((r) => r.p99)).toFixed(0)} ms | ` +
        `${med(rs.map((r) => r.hostCpuMs)).toFixed(2)} ms | ${med(rs.map((r) => r.peakMb)).toFixed(0)} MiB |`);
    }
    lines.push(`| ${workload.name} | naive baseline | ${fmt(med(row.naive))} | | 1.00x | | | | | |`);
  }
  lines.push(`| | zygote-sized fork floor | ${fmt(med(rows[0].floor))} forks/s | | | 1.00x | | | | |`);
  lines.push('');
  const he = rows[0];
  const judgePerTest = med(bd.map((r) => r.one.judgeMs / (r.one.tests / problems.length)));
  lines.push(`Targets (issue 13), HumanEval in scope rollout: >= 2x the zygote-sized fork floor (measured ${med(he.rollout.map((r) => r.vsFloor)).toFixed(2)}x), ` +
    `>= 5x scope test (${med(he.rollout.map((r, i) => r.rate / he.test[i].rate)).toFixed(1)}x), >= 2,000 tests/s on the host of the executor table ` +
    `(${fmt(med(he.rollout.map((r) => r.rate)))}/s here), host CPU per test (Node, supervisor, judge) <= 0.3 ms ` +
    `(${med(he.rollout.map((r) => r.hostCpuMs)).toFixed(2)} ms in this process, ${(med(he.rollout.map((r) => r.hostCpuMs)) + judgePerTest).toFixed(2)} ms ` +
    `with the judge's ${judgePerTest.toFixed(2)} ms a test from the breakdown below).`);
  const b = (f) => med(bd.map(f)).toFixed(1);
  lines.push('');
  lines.push(`Where a HumanEval rollout's CPU goes (scope rollout, a fresh executor of ${concurrency} slots, the ${problems.length} problems at once, ` +
    `${rounds} rounds, medians; CPU from /proc, the tests' processes as their zygote reaped them): ${b((r) => r.one.totalMs)} ms a rollout ` +
    `of ~${(bd[0].one.tests / problems.length).toFixed(1)} tests: the rollout's process ${b((r) => r.one.childMs)} ms ` +
    `(${b((r) => r.one.childFaults)} page faults), this process (Node and the supervisor threads) ${b((r) => r.one.nodeMs)} ms, the judge ` +
    `${b((r) => r.one.judgeMs)} ms, the zygote ${b((r) => r.one.zygoteMs)} ms. With each test list four times over: ${b((r) => r.four.totalMs)} ms a ` +
    `rollout, ${med(bd.map((r) => r.perTest)).toFixed(2)} ms for each test added.`);
  return lines.join('\n') + '\n';
}

module.exports = { main };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
