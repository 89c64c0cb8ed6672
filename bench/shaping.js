'use strict';
// The cost of the reward-shaping terms per rollout next to executing it (issue 14): Ruff's lint of each
// HumanEval program in-process, and a rollout's sandboxed execution of its tests (what the efficiency term
// repeats: `efficiencyRepeats` runs of the reference and repeats - 1 more of each passing rollout), measured
// in the same run. Medians; ratios compare measurements of this run only.
const path = require('path');
const { loadHumanEval, humanEvalProgram } = require('../dist/datasets/humaneval');
const { Linter } = require('../dist/lint/ruff');
const { Executor } = require('../dist/exec');
const { fmt, median } = require('./stats');

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');

async function main() {
  const problems = loadHumanEval(FIXTURE);
  const programs = problems.map((p) => humanEvalProgram(p, p.canonicalSolution));
  const t0 = process.hrtime.bigint();
  const linter = new Linter();
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const lintMs = [];
  for (let pass = 0; pass < 3; pass++) {
    for (const code of programs) {
      const t = process.hrtime.bigint();
      linter.lint(code);
      lintMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  // execution per rollout: the first 40 problems' canonical solutions, every test, uncached
  const ex = new Executor({ cache: false });
  const execMs = [];
  let tests = 0;
  try {
    for (const p of problems.slice(0, 40)) {
      const t = process.hrtime.bigint();
      const r = await ex.run({ language: 'python', code: humanEvalProgram(p, p.canonicalSolution), tests: p.tests });
      execMs.push(Number(process.hrtime.bigint() - t) / 1e6);
      tests += r.tests.length;
    }
  } finally {
    await ex.close();
  }
  const lint = median(lintMs), exec = median(execMs);
  process.stderr.write(`shaping: lint ${fmt(lint)} ms/program, execution ${fmt(exec)} ms/rollout\n`);
  return [
    '## Reward shaping: the cost of each term per rollout',
    '',
    '`node bench/run.js shaping`: HumanEval canonical programs. Lint: Ruff (WebAssembly, in-process) over the',
    `164 programs, 3 passes, after a one-time load of ${fmt(loadMs)} ms. Execution: the first 40 problems' programs`,
    `against all their tests (${tests} tests, ${fmt(tests / 40)} per rollout), uncached, one rollout at a time, wall time.`,
    '',
    '| term | per rollout (median) | vs executing the rollout |',
    '|---|---:|---:|',
    `| execute the rollout's tests | ${fmt(exec)} ms | 1 |`,
    `| lint (Ruff) | ${fmt(lint)} ms | ${fmt(lint / exec)}x |`,
    `| efficiency, 3 repeats | ${fmt(2 * exec)} ms more per passing rollout, ${fmt(3 * exec)} ms per line for the reference | 2x (+3x per line) |`,
    `| held-out tests, test weights, composition | no extra execution (the kernels' arithmetic) | ~0 |`,
    '',
  ].join('\n');
}

module.exports = { main };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
