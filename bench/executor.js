'use strict';
// Executor throughput on HumanEval canonical solutions: per-test executions/s (one execution per split
// assert, plus the one syntax check per program that a real run includes), in zygote mode (the default)
// with every isolation layer on, with each layer off in turn, and in spawn mode; beside two references
// measured in the same run:
//  - the naive baseline: Node child_process spawning `python3 -I -S -c <prompt + solution + one split
//    test>` per test, with the same concurrency (no isolation, no judge);
//  - the bare fork floor: `concurrency` warm `python3 -S` processes doing fork + _exit + waitpid in a
//    loop (no isolation, no judge, no program): what forking from a warm interpreter costs at best.
// Also: p50/p99 latency per test (closed loop: `concurrency` clients, one test in flight each), the host
// process's CPU time per execution (Node's thread + the native supervisor threads; the zygotes, judges
// and programs are separate processes), and the peak RSS of the whole process tree (this process and
// every descendant: zygotes, warm judges, test processes), sampled every 250 ms.
// The content-hash cache stays on (as in real use: the syntax check runs once per program), and every
// pass appends a fresh comment to each program so no pass is answered from an earlier one's cache.
// Prints a markdown section. VERPO_BENCH_PROBLEMS=n limits the problems, VERPO_BENCH_ROUNDS=n the rounds.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { Executor } = require('../dist/exec');
const { loadHumanEval, humanEvalProgram } = require('../dist/datasets/humaneval');
const { fmt, median } = require('./stats');

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
const LIMITS = { cpuMs: 3000, wallMs: 10000, memoryMb: 512, outputKb: 1024 };
const CONFIGS = [
  { name: 'zygote, all layers on', mode: 'zygote', layers: {} },
  { name: 'zygote, seccomp off', mode: 'zygote', layers: { seccomp: false } },
  { name: 'zygote, namespaces off', mode: 'zygote', layers: { namespaces: false } },
  { name: 'zygote, uid drop off', mode: 'zygote', layers: { dropUid: false } },
  { name: 'zygote, cgroup off', mode: 'zygote', layers: { cgroup: false } },
  { name: 'spawn, all layers on', mode: 'spawn', layers: {} },
];
let passNo = 0;

function problemsToRun() {
  const all = loadHumanEval(FIXTURE);
  const n = Number(process.env.VERPO_BENCH_PROBLEMS || all.length);
  return all.slice(0, n);
}

/** Naive baseline: one fresh `python -I -S` per split test, `concurrency` at a time. */
async function baseline(python, problems, concurrency) {
  const jobs = [];
  for (const p of problems) for (const t of p.tests) jobs.push(`${humanEvalProgram(p, p.canonicalSolution)}\n${t.code}`);
  let next = 0;
  let passed = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const script = jobs[next++];
      const code = await new Promise((resolve) => {
        const child = spawn(python, ['-I', '-S', '-c', script], { stdio: 'ignore' });
        child.on('exit', (c) => resolve(c));
        child.on('error', () => resolve(-1));
      });
      if (code === 0) passed++;
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { executions: jobs.length, passed, seconds: s, rate: jobs.length / s };
}

/** The modules the zygote loads before it forks (its `import x` lines): the zygote-sized floor loads them too. */
function zygoteModules() {
  const src = fs.readFileSync(path.join(__dirname, '..', 'lib', 'exec', 'python', 'zygote.py'), 'utf8');
  return [...src.matchAll(/^import ([\w, ]+)/gm)].flatMap((m) => m[1].split(',').map((x) => x.trim()).filter(Boolean));
}

/** Fork floor: `concurrency` warm interpreters, each forking `n` children that exit at once. With `modules`,
 *  the interpreters first load them and freeze their heap, as the zygote does (a bigger process to fork). */
async function forkFloor(python, concurrency, n, modules = []) {
  const script = [
    'import os, sys, time, gc',
    ...modules.map((m) => `import ${m}`),
    'gc.collect(); gc.freeze()',
    'n = int(sys.argv[1])',
    'for _ in range(50):',  // warm-up
    '    p = os.fork()',
    '    if p == 0: os._exit(0)',
    '    os.waitpid(p, 0)',
    'sys.stdout.write("go\\n"); sys.stdout.flush(); sys.stdin.readline()',
    'for _ in range(n):',
    '    p = os.fork()',
    '    if p == 0: os._exit(0)',
    '    os.waitpid(p, 0)',
  ].join('\n');
  const kids = Array.from({ length: concurrency }, () => spawn(python, ['-S', '-c', script, String(n)], { stdio: ['pipe', 'pipe', 'ignore'] }));
  await Promise.all(kids.map((k) => new Promise((resolve) => k.stdout.once('data', resolve))));
  const t0 = process.hrtime.bigint();
  const done = Promise.all(kids.map((k) => new Promise((resolve) => k.on('exit', resolve))));
  for (const k of kids) k.stdin.write('\n');
  await done;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { executions: n * concurrency, seconds: s, rate: (n * concurrency) / s };
}

/** Every process's /proc/<pid>/stat: pid, parent, and the fields after the command (f[0] is field 3, the state). */
function procTable() {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(name), ppid: Number(f[1]), f });
    } catch { /* gone */ }
  }
  return out;
}

/** RSS of this process and all its descendants, KiB. */
function treeRssKb() {
  const children = new Map();
  const rss = new Map();
  for (const { pid, ppid, f } of procTable()) {
    rss.set(pid, Number(f[21]) * 4);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  let sum = 0;
  const stack = [process.pid];
  while (stack.length) {
    const pid = stack.pop();
    sum += rss.get(pid) || 0;
    for (const c of children.get(pid) || []) stack.push(c);
  }
  return sum;
}

function programsFor(problems) {
  const tag = `\n# bench pass ${++passNo}\n`;  // a new cache key per pass; one syntax check per program per pass
  return problems.map((p) => ({ p, code: humanEvalProgram(p, p.canonicalSolution) + tag }));
}

async function executorPass(ex, problems) {
  await Promise.all(programsFor(problems.slice(0, 4)).map(({ p, code }) => ex.run({ language: 'python', code, tests: p.tests })));
  const programs = programsFor(problems);
  let peakRss = treeRssKb();
  // every 250 ms: a /proc scan from JS costs ~2 ms of this process's CPU, counted in the host CPU figure
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, treeRssKb()); }, 250);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(programs.map(({ p, code }) => ex.run({ language: 'python', code, tests: p.tests })));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  let executions = 0;
  let ac = 0;
  const other = {};
  for (const r of results) {
    for (const t of r.tests) {
      executions++;
      if (t.verdict === 'AC') ac++;
      else other[t.verdict] = (other[t.verdict] || 0) + 1;
    }
  }
  const iso = ex.isolation();
  const active = [iso.seccomp && 'seccomp', iso.namespaces.length && `ns(${iso.namespaces.join(',')})`,
    iso.dropUid && `uid ${iso.uid}`, iso.cgroup && 'cgroup', iso.rlimits && 'rlimits'].filter(Boolean).join(', ');
  return {
    executions, ac, other, seconds: s, rate: executions / s, active,
    hostCpuMsPerExec: (cpu.user + cpu.system) / 1000 / executions, peakRssMb: peakRss / 1024,
  };
}

/** Closed loop: `concurrency` clients, each with one test in flight; latency from run() to its result. */
async function latencyPass(ex, problems, concurrency) {
  const jobs = [];
  for (const { p, code } of programsFor(problems)) for (const t of p.tests) jobs.push({ code, t });
  const lat = [];
  let next = 0;
  const client = async () => {
    while (next < jobs.length) {
      const { code, t } = jobs[next++];
      const t0 = process.hrtime.bigint();
      await ex.run({ language: 'python', code, tests: [t] });
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] };
}

async function main() {
  const problems = problemsToRun();
  const concurrency = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const rounds = Number(process.env.VERPO_BENCH_ROUNDS || 2);
  // One executor per configuration, all created up front and closed at the end (reused across rounds).
  // scope 'test': this table is the cost of one process per test and of each layer (bench/scope.js: rollout scope)
  const executors = CONFIGS.map((c) => new Executor({ concurrency, limits: LIMITS, layers: c.layers, mode: c.mode, scope: 'test' }));
  const python = executors[0].python;
  // Rounds interleave the references with every configuration, and each ratio compares figures of the
  // same round: load on a shared machine drifts over minutes, and this keeps it out of the ratios.
  const base = [];
  const floor = [];
  const zfloor = [];
  const lat = [];
  const per = CONFIGS.map(() => []);
  let tests = 0;
  for (const p of problems) tests += p.tests.length;
  for (let round = 0; round < rounds; round++) {
    const b = await baseline(python, problems, concurrency);
    base.push(b);
    const f = await forkFloor(python, concurrency, Math.max(500, Math.ceil(tests / concurrency)));
    floor.push(f);
    const zf = await forkFloor(python, concurrency, Math.max(500, Math.ceil(tests / concurrency)), zygoteModules());
    zfloor.push(zf);
    process.stderr.write(`round ${round + 1}: baseline ${b.rate.toFixed(1)} exec/s (${b.passed}/${b.executions} exit 0); ` +
      `fork floor ${f.rate.toFixed(0)} forks/s, zygote-sized ${zf.rate.toFixed(0)} forks/s\n`);
    for (let i = 0; i < CONFIGS.length; i++) {
      const r = await executorPass(executors[i], problems);
      r.ratio = r.rate / b.rate;
      r.floorRatio = f.rate / r.rate;
      r.zygoteFloorRatio = zf.rate / r.rate;
      per[i].push(r);
      process.stderr.write(`round ${round + 1}: ${CONFIGS[i].name}: ${r.rate.toFixed(1)} exec/s, ${r.ac}/${r.executions} AC ` +
        `${JSON.stringify(r.other)} [${r.active}] host cpu ${r.hostCpuMsPerExec.toFixed(2)} ms/exec, peak tree RSS ${r.peakRssMb.toFixed(0)} MiB\n`);
    }
    const l = await latencyPass(executors[0], problems, concurrency);
    lat.push(l);
    process.stderr.write(`round ${round + 1}: latency p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms\n`);
  }
  await Promise.all(executors.map((ex) => ex.close()));
  const med = (xs) => median(xs);
  const main0 = per[0];
  const lines = [
    '## Executor (HumanEval canonical solutions)',
    '',
    'Scope `test` (one sandboxed process per test) throughout this table: it is the per-process cost, layer by',
    'layer. The default scope, `rollout`, is measured in the next section.',
    '',
    `${problems.length} problems, ${tests} split-assert tests, concurrency ${concurrency}, interpreter ${python}, ` +
      `${rounds} rounds (medians).`,
    'One execution per split assert; executor figures include the once-per-program syntax check. Baseline: Node',
    '`child_process` spawning `python -I -S -c` per test (program + one split test; no isolation, no judge).',
    'Fork floor: warm `python -S` processes (one per core) doing fork + `_exit` + waitpid, nothing else; the',
    'zygote-sized floor does the same from interpreters that first load the zygote\'s modules and freeze their heap.',
    'Each round measures the references and then every configuration; ratios compare figures of the same round.',
    'Peak tree RSS counts every process under this one, including the idle warm zygotes and judges of the other',
    'configurations\' executors (all created up front): about 20 MiB per warm process.',
    '',
    '| configuration | active layers | executions/s | AC (last round) | vs baseline | fork floor / this | host CPU per exec | peak tree RSS |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  CONFIGS.forEach((c, i) => {
    const rs = per[i];
    const last = rs[rs.length - 1];
    lines.push(`| ${c.name} | ${last.active} | ${fmt(med(rs.map((r) => r.rate)))} | ${last.ac}/${last.executions} | ` +
      `${med(rs.map((r) => r.ratio)).toFixed(2)}x | ${med(rs.map((r) => r.floorRatio)).toFixed(1)}x | ` +
      `${med(rs.map((r) => r.hostCpuMsPerExec)).toFixed(2)} ms | ${med(rs.map((r) => r.peakRssMb)).toFixed(0)} MiB |`);
  });
  const lastBase = base[base.length - 1];
  lines.push(`| naive baseline | none | ${fmt(med(base.map((b) => b.rate)))} | ${lastBase.passed}/${lastBase.executions} exit 0 | 1.00x | | | |`);
  lines.push(`| bare fork floor | none | ${fmt(med(floor.map((f) => f.rate)))} forks/s | | | 1.0x | | |`);
  lines.push(`| zygote-sized fork floor | none | ${fmt(med(zfloor.map((f) => f.rate)))} forks/s | | | ` +
    `${med(floor.map((f, i) => f.rate / zfloor[i].rate)).toFixed(1)}x | | |`);
  lines.push('');
  lines.push(`Latency per test (zygote, all layers on; closed loop, ${concurrency} clients with one test in flight each, ` +
    `syntax check included on each program's first test): p50 ${med(lat.map((l) => l.p50)).toFixed(1)} ms, ` +
    `p99 ${med(lat.map((l) => l.p99)).toFixed(1)} ms.`);
  lines.push('');
  lines.push(`Target (issue 4): >= 2,000 executions/s, >= 10x the baseline, fork floor / this <= 1.5x. ` +
    `Measured (zygote, all layers on): ${fmt(med(main0.map((r) => r.rate)))}/s, ${med(main0.map((r) => r.ratio)).toFixed(2)}x, ` +
    `${med(main0.map((r) => r.floorRatio)).toFixed(1)}x (zygote-sized fork floor / this: ` +
    `${med(main0.map((r) => r.zygoteFloorRatio)).toFixed(1)}x).`);
  return lines.join('\n') + '\n';
}

module.exports = { main, baseline, forkFloor, zygoteModules, treeRssKb, procTable };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
