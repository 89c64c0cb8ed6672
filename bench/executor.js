'use strict';
// Executor throughput on HumanEval canonical solutions: per-test executions/s (one execution per split
// assert, plus the one syntax check per program that a real run includes), with every isolation layer
// on and with each layer off in turn, beside a naive baseline measured in the same run: Node
// child_process spawning `python3 -I -S -c <prompt + solution + one split test>` per test, with the
// same concurrency. Prints a markdown section. VERPO_BENCH_PROBLEMS=n limits the problems (quick runs),
// VERPO_BENCH_ROUNDS=n sets the rounds (default 2).
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { Executor } = require('../dist/exec');
const { loadHumanEval, humanEvalProgram } = require('../dist/datasets/humaneval');
const { fmt, median } = require('./stats');

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
const LIMITS = { cpuMs: 3000, wallMs: 10000, memoryMb: 512, outputKb: 1024 };
const CONFIGS = [
  { name: 'all layers on', layers: {} },
  { name: 'seccomp off', layers: { seccomp: false } },
  { name: 'namespaces off', layers: { namespaces: false } },
  { name: 'uid drop off', layers: { dropUid: false } },
  { name: 'cgroup off', layers: { cgroup: false } },
];

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

async function executorPass(ex, problems) {
  {
    // warm-up: page cache, interpreter, sandbox set-up
    await Promise.all(problems.slice(0, 4).map((p) => ex.run({ language: 'python', code: humanEvalProgram(p, p.canonicalSolution), tests: p.tests })));
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(problems.map((p) =>
      ex.run({ language: 'python', code: humanEvalProgram(p, p.canonicalSolution), tests: p.tests })));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
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
    return { executions, ac, other, seconds: s, rate: executions / s, active };
  }
}

async function main() {
  const problems = problemsToRun();
  const concurrency = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const rounds = Number(process.env.VERPO_BENCH_ROUNDS || 2);
  // One executor per configuration, all created up front and closed at the end (reused across rounds).
  const executors = CONFIGS.map((c) => new Executor({ concurrency, limits: LIMITS, layers: c.layers }));
  const python = executors[0].python;
  // Rounds interleave the baseline with every configuration, and each ratio compares figures of the
  // same round: load on a shared machine drifts over minutes, and this keeps it out of the ratios.
  const base = [];
  const per = CONFIGS.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const b = await baseline(python, problems, concurrency);
    base.push(b);
    process.stderr.write(`round ${round + 1}: baseline ${b.rate.toFixed(1)} exec/s (${b.passed}/${b.executions} exit 0)\n`);
    for (let i = 0; i < CONFIGS.length; i++) {
      const r = await executorPass(executors[i], problems);
      r.ratio = r.rate / b.rate;
      per[i].push(r);
      process.stderr.write(`round ${round + 1}: ${CONFIGS[i].name}: ${r.rate.toFixed(1)} exec/s, ${r.ac}/${r.executions} AC ` +
        `${JSON.stringify(r.other)} [${r.active}]\n`);
    }
  }
  await Promise.all(executors.map((ex) => ex.close()));
  const lines = [
    '## Executor (HumanEval canonical solutions)',
    '',
    `${problems.length} problems, ${base[0].executions} split-assert tests, concurrency ${concurrency}, interpreter ${python}, ` +
      `${rounds} rounds (medians).`,
    'One execution per split assert; executor figures include the once-per-program syntax check. Baseline: Node',
    '`child_process` spawning `python -I -S -c` per test (program + one split test; no isolation, no judge).',
    'Each round measures the baseline and then every configuration; ratios compare figures of the same round.',
    '',
    '| configuration | active layers | executions/s | AC (last round) | ratio to baseline |',
    '|---|---|---:|---:|---:|',
  ];
  CONFIGS.forEach((c, i) => {
    const rs = per[i];
    const last = rs[rs.length - 1];
    lines.push(`| ${c.name} | ${last.active} | ${fmt(median(rs.map((r) => r.rate)))} | ${last.ac}/${last.executions} | ` +
      `${median(rs.map((r) => r.ratio)).toFixed(2)}x |`);
  });
  const lastBase = base[base.length - 1];
  lines.push(`| naive baseline | none | ${fmt(median(base.map((b) => b.rate)))} | ${lastBase.passed}/${lastBase.executions} exit 0 | 1.00x |`);
  return lines.join('\n') + '\n';
}

module.exports = { main };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
