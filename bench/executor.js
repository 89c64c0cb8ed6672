'use strict';
// Executor throughput on HumanEval canonical solutions: per-test executions/s (one execution per split
// assert, plus the one syntax check per program that a real run includes), with every isolation layer
// on and with each layer off in turn, beside a naive baseline measured in the same run: Node
// child_process spawning `python3 -I -S -c <prompt + solution + one split test>` per test, with the
// same concurrency. Prints a markdown section. VERPO_BENCH_PROBLEMS=n limits the problems (quick runs).
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { Executor } = require('../dist/exec');
const { loadHumanEval, humanEvalProgram } = require('../dist/datasets/humaneval');
const { fmt } = require('./stats');

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

async function executorPass(config, problems, concurrency) {
  const ex = new Executor({ concurrency, limits: LIMITS, layers: config.layers });
  try {
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
  } finally {
    await ex.close();
  }
}

async function main() {
  const problems = problemsToRun();
  const concurrency = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const probe = new Executor({ concurrency: 1 });
  const python = probe.python;
  await probe.close();
  const base1 = await baseline(python, problems, concurrency);
  process.stderr.write(`baseline: ${base1.rate.toFixed(1)} exec/s (${base1.passed}/${base1.executions} exit 0)\n`);
  const rows = [];
  for (const c of CONFIGS) {
    const r = await executorPass(c, problems, concurrency);
    process.stderr.write(`${c.name}: ${r.rate.toFixed(1)} exec/s, ${r.ac}/${r.executions} AC ${JSON.stringify(r.other)} [${r.active}]\n`);
    rows.push({ c, r });
  }
  const base2 = await baseline(python, problems, concurrency);
  process.stderr.write(`baseline (again): ${base2.rate.toFixed(1)} exec/s\n`);
  const baseRate = (base1.rate + base2.rate) / 2;
  const lines = [
    '## Executor (HumanEval canonical solutions)',
    '',
    `${problems.length} problems, ${base1.executions} split-assert tests, concurrency ${concurrency}, interpreter ${python}.`,
    'Executor figures include the once-per-program syntax check. Baseline: Node `child_process` spawning',
    '`python -I -S -c` per test (program + one split test, no isolation, no judge), measured before and after;',
    'the ratio uses their mean.',
    '',
    '| configuration | active layers | executions/s | AC | ratio to baseline |',
    '|---|---|---:|---:|---:|',
  ];
  for (const { c, r } of rows) {
    lines.push(`| ${c.name} | ${r.active} | ${fmt(r.rate)} | ${r.ac}/${r.executions} | ${(r.rate / baseRate).toFixed(2)}x |`);
  }
  lines.push(`| naive baseline | none | ${fmt(baseRate)} (${fmt(base1.rate)}, ${fmt(base2.rate)}) | ${base1.passed}/${base1.executions} exit 0 | 1.00x |`);
  return lines.join('\n') + '\n';
}

module.exports = { main };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
