'use strict';
// End to end: HumanEval x 16 rollouts per problem (canonical solutions and wrong programs, with the
// duplicates RL groups have) through score(): wall time, executions/s, and the share of the time
// spent in the reward kernels. Prints a markdown section. VERPO_BENCH_PROBLEMS=N limits the problems.
const path = require('path');
const { score } = require('../dist');
const { loadHumanEval, humanEvalProgram } = require('../dist/datasets/humaneval');
const { convertDataset } = require('../dist/datasets');
const fs = require('fs');

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');

// Wrong programs: a stub, the first comparison flipped, an off-by-one, and another problem's body.
function flipFirstComparison(s) {
  const pairs = [['<=', '>'], ['>=', '<'], ['==', '!='], ['!=', '=='], ['<', '>='], ['>', '<=']];
  let best = null;
  for (const [a, b] of pairs) {
    const i = s.indexOf(a);
    if (i >= 0 && (best === null || i < best.i)) best = { i, a, b };
  }
  return best ? s.slice(0, best.i) + best.b + s.slice(best.i + best.a.length) : null;
}
function offByOne(s) {
  const m = s.match(/([+-]) 1\b/);
  return m ? s.replace(m[0], `${m[1]} 2`) : null;
}

function rolloutsFor(p, i, all) {
  const canonical = humanEvalProgram(p, p.canonicalSolution);
  const other = all[(i + 1) % all.length];
  const wrong = [
    humanEvalProgram(p, '    return None\n'),
    flipFirstComparison(p.canonicalSolution) && humanEvalProgram(p, flipFirstComparison(p.canonicalSolution)),
    offByOne(p.canonicalSolution) && humanEvalProgram(p, offByOne(p.canonicalSolution)),
    humanEvalProgram(p, other.canonicalSolution),
  ].filter(Boolean);
  // 8 canonical (4 distinct copies x 2, as sampling repeats itself) and 8 wrong ones.
  const rollouts = [];
  for (let k = 0; k < 8; ++k) rollouts.push(canonical + (k % 4 ? `\n# sample ${k % 4}\n` : ''));
  for (let k = 0; k < 8; ++k) rollouts.push(wrong[k % wrong.length]);
  return rollouts;
}

async function main() {
  const limit = Number(process.env.VERPO_BENCH_PROBLEMS || 0);
  const problems = loadHumanEval(FIXTURE);
  const lines = [...convertDataset('humaneval', fs.readFileSync(FIXTURE))];
  const chosen = limit > 0 ? lines.slice(0, limit) : lines;
  const byId = new Map(problems.map((p, i) => [p.id, [p, i]]));
  const input = chosen.map((l) => {
    const [p, i] = byId.get(l.id);
    return { ...l, rollouts: rolloutsFor(p, i, problems) };
  });
  const t0 = process.hrtime.bigint();
  let rewardMs = 0, executions = 0, cacheHits = 0, rows = 0, failed = 0, zero = 0, solved = 0, traj = 0;
  const verdicts = {};
  for await (const r of score(input, { scheme: 'verpo' })) {
    if (r.failed) { failed++; continue; }
    rewardMs += r.stats.rewardMs;
    executions += r.stats.executions;
    cacheHits += r.stats.cacheHits;
    rows += r.stats.rows;
    solved += r.stats.solved;
    traj += r.stats.trajectories;
    if (r.stats.zeroAdvantage) zero++;
    for (const [v, n] of Object.entries(r.stats.verdicts)) verdicts[v] = (verdicts[v] || 0) + n;
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const hist = Object.entries(verdicts).filter(([, n]) => n).map(([v, n]) => `${v} ${n}`).join(', ');
  return [
    '## End to end: HumanEval x 16 rollouts through `score()`',
    '',
    `${input.length} problems x 16 rollouts (8 canonical: 4 distinct x 2; 8 wrong: stub, flipped comparison, off-by-one, another problem's solution), scheme verpo, default executor (concurrency = cores).`,
    '',
    '| wall time | rows | executions run | duplicate executions saved (cache) | executions/s | time in reward kernels | share of wall time | failed lines |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${(wallMs / 1000).toFixed(1)} s | ${rows} | ${executions} | ${cacheHits} | ${(executions / (wallMs / 1000)).toFixed(1)} | ${rewardMs.toFixed(2)} ms | ${((100 * rewardMs) / wallMs).toFixed(4)}% | ${failed} |`,
    '',
    `Verdicts: ${hist}. pass@1 ${(100 * solved / traj).toFixed(1)}%; groups with all-zero advantages: ${zero} of ${input.length - failed}.`,
    '',
  ].join('\n');
}

module.exports = { main };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
