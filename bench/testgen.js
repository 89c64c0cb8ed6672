'use strict';
// Task 'tests' (issue 15): test-generation groups scored by execution. A group is one HumanEval problem: its
// canonical solution as the focal program, 16 generated mutants, and 16 test files of 8 asserts each, drawn
// (deterministically) from the problem's own asserts, one in four files with one assert turned wrong (an
// invalid test). Measured in the same run: groups/s with coverage traced and without (the trace's cost), the
// trusted parse's share (mutants, split, coverage sites), and the same cells as a dataset's trusted asserts
// (the judge, scope rollout) and one sandboxed run per cell (pair mode unbatched), for the cost of isolation.
const path = require('path');
const zlib = require('zlib');
const fs = require('fs');
const os = require('os');
const { Executor } = require('../dist/exec');
const { scoreAll } = require('../dist/pipeline/score');
const { splitCheck } = require('../dist/datasets/humaneval');
const { fmt, median } = require('./stats');

const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
const GROUPS = 6, FILES = 16, PER_FILE = 8, MUTANTS = 16;
const LIMITS = { cpu_ms: 1000, wall_ms: 60000 }; // a mutant that loops costs each of its tests this CPU

/** The top-level one-line asserts of check(candidate), as a model would write them (the function by name). */
function assertsOf(rec) {
  const body = rec.test.split('\n').filter((l) => /^    assert candidate\(/.test(l) && !l.includes('\\'));
  return body.map((l) => l.trim().replace(/candidate\(/g, `${rec.entry_point}(`)).filter((l) => !/[[(,]\s*$/.test(l));
}

function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function groupsOf(records) {
  const out = [];
  for (const rec of records) {
    const asserts = assertsOf(rec);
    if (asserts.length < PER_FILE || !asserts.every((a) => a.includes(' == '))) continue;
    const rnd = lcg(out.length * 7919 + 1);
    const rollouts = Array.from({ length: FILES }, (_, f) => {
      const picked = Array.from({ length: PER_FILE }, () => asserts[Math.floor(rnd() * asserts.length)]);
      if (f % 4 === 3) picked[Math.floor(rnd() * PER_FILE)] = picked[0].replace(' == ', ' != ');
      return picked.join('\n') + '\n';
    });
    out.push({
      id: rec.task_id, task: 'tests', focal: rec.prompt + rec.canonical_solution, tests: splitCheck(rec.test, rec.entry_point),
      rollouts, limits: LIMITS,
    });
    if (out.length === GROUPS) break;
  }
  return out;
}

async function timed(fn) {
  const t = process.hrtime.bigint();
  const v = await fn();
  return { v, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}

async function main() {
  const records = zlib.gunzipSync(fs.readFileSync(FIXTURE)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const lines = groupsOf(records);
  const ex = new Executor({ cache: false });
  try {
    await scoreAll([lines[0]], { executor: ex, cache: false, mutantCap: MUTANTS }); // warm-up
    const runs = { on: [], off: [] };
    let out = null;
    for (let round = 0; round < 2; round++) {
      for (const coverage of [true, false]) {
        const r = await timed(() => scoreAll(lines, { executor: ex, cache: false, mutantCap: MUTANTS, coverage }));
        runs[coverage ? 'on' : 'off'].push(r.ms);
        if (coverage) out = r.v;
      }
    }
    const bad = out.filter((o) => o.error !== null);
    if (bad.length) throw new Error(`testgen bench: ${bad[0].error}`);
    const cells = out.reduce((a, o) => a + o.rollouts.reduce((b, f) => b + f.matrix.focal.length
      + f.matrix.mutants.reduce((c, row) => c + row.filter((v) => v !== 'SKIPPED').length, 0), 0), 0);
    // cells of a valid test on a mutant not run because the mutant had already failed in that file (first kill)
    const spared = out.reduce((a, o) => a + o.rollouts.reduce((b, f) => b + f.matrix.mutants.reduce((c, row) => c
      + row.filter((v, j) => v === 'SKIPPED' && f.matrix.focal[j] === 'AC').length, 0), 0), 0);
    // a file's pair of processes runs once per program it is judged on (the focal, and each mutant it reaches)
    const fileRuns = out.reduce((a, o) => a + o.rollouts.reduce((b, f) => b + (f.matrix.focal.length ? 1 : 0)
      + f.matrix.mutants.filter((row) => row.some((v) => v !== 'SKIPPED')).length, 0), 0);
    const tles = out.reduce((a, o) => a + o.rollouts.reduce((b, f) => b + f.matrix.mutants.flat().filter((v) => v === 'TLE').length, 0), 0);
    const budgets = out.map((o) => o.mutants.cpu_ms.tests).filter((x) => x !== null);
    const gtCells = out.reduce((a, o) => a + o.focal.ground_truth_tests * (1 + o.mutants.count), 0);
    const onMs = median(runs.on), offMs = median(runs.off);
    const testgenMs = median(out.map((o) => o.timing.testgen_ms));
    const lineMs = median(out.map((o) => o.timing.testgen_ms + o.timing.execute_ms));
    const valid = out.reduce((a, o) => a + o.rollouts.reduce((b, f) => b + f.valid, 0), 0);
    const tests = out.reduce((a, o) => a + o.rollouts.reduce((b, f) => b + f.tests, 0), 0);
    const kill = median(out.flatMap((o) => o.rollouts.map((f) => (f.mutants ? f.killed / f.mutants : 0))));
    const lcov = median(out.flatMap((o) => o.rollouts.map((f) => f.coverage.lines.fraction ?? 0)));

    // the cost of isolation, on the first group's focal x its files' tests: trusted judge vs pair mode
    const g = lines[0];
    const files = g.rollouts.map((f) => f.trim().split('\n'));
    const flat = files.flatMap((f, k) => f.map((code) => ({ code, k })));
    const limits = { cpuMs: LIMITS.cpu_ms, wallMs: LIMITS.wall_ms };
    const trusted = await timed(() => ex.run({ language: 'python', code: g.focal, tests: flat.map((t) => ({ type: 'assert', code: t.code })), limits, cache: false }));
    const pairs = (coverage) => flat.map((t) => ({ type: 'assert', code: t.code, sandboxed: true, group: t.k, ...(coverage ? { coverage } : {}) }));
    const batches = { on: [], off: [] };
    for (let round = 0; round < 3; round++) {
      for (const coverage of [true, false]) {
        batches[coverage ? 'on' : 'off'].push((await timed(() => ex.run({ language: 'python', code: g.focal, tests: pairs(coverage), limits, cache: false }))).ms);
      }
    }
    const batch = { ms: median(batches.off) }, traced = { ms: median(batches.on) };
    const few = flat.slice(0, 32);
    const alone = await timed(() => Promise.all(few.map((t) => ex.run({ language: 'python', code: g.focal, tests: [{ type: 'assert', code: t.code, sandboxed: true }], limits, cache: false }))));
    const rate = (n, ms) => n / (ms / 1000);
    const perGroup = cells / lines.length;
    process.stderr.write(`testgen: ${fmt(rate(lines.length, onMs))} groups/s traced, ${fmt(rate(lines.length, offMs))} untraced\n`);
    return [
      '## Task tests: test-generation groups scored by execution',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} x ${os.cpus()[0].model.trim()}. \`node bench/run.js testgen\`: ${lines.length} groups, each a HumanEval problem's canonical solution as the focal, ${MUTANTS} generated`,
      `mutants and ${FILES} test files of ${PER_FILE} asserts drawn from the problem's own (one file in four with one assert made wrong),`,
      `scored with the default reward (${fmt(perGroup)} sandboxed cells a group: every test on the focal, the valid ones on every mutant`,
      `until the mutant's first failure in that file, which spared ${fmt(spared / lines.length)} cells a group; plus ${fmt(gtCells / lines.length)} ground-truth`,
      `cells for the equivalence check, at most). Limits ${LIMITS.cpu_ms} ms CPU a test. Whole groups at once through \`scoreAll\`, uncached,`,
      `2 rounds, medians. ${valid} of ${tests} tests valid; median kill rate ${fmt(kill)}, median line coverage ${fmt(lcov)}.`,
      '',
      '| | groups/s | sandboxed cells/s | per group |',
      '|---|---:|---:|---:|',
      `| coverage traced (default) | ${fmt(rate(lines.length, onMs))} | ${fmt(rate(cells, onMs))} | ${fmt(onMs / lines.length)} ms |`,
      `| \`--no-coverage\` | ${fmt(rate(lines.length, offMs))} | ${fmt(rate(cells, offMs))} | ${fmt(offMs / lines.length)} ms |`,
      '',
      `- Where the time goes: a test file's tests run in a fresh pair of processes (two forks) for each program it is judged`,
      `  on, so the unit of cost is the file run, not the cell: ${fmt(fileRuns / lines.length)} file runs a group, ${fmt(2 * onMs / fileRuns)} ms of a core each`,
      `  (this host forks slowly; bench/RESULTS.md's scope section measures its fork floor), most of them one cell long (the first`,
      `  test kills the mutant). Mutants that loop cost their CPU budget per file: ${fmt(tles / lines.length)} TLE cells a group, at a median`,
      `  budget of ${fmt(median(budgets))} ms (3x the slowest of the focal's same tests + 250 ms; the line's limit would have cost ${LIMITS.cpu_ms} ms each).`,
      `- Coverage tracing (only the focal row is traced): the ${flat.length} focal cells of one group take ${fmt(traced.ms)} ms traced,`,
      `  ${fmt(batch.ms)} ms untraced (3 rounds, medians): ${fmt(100 * (traced.ms - batch.ms) / traced.ms)}% of the focal row, ${fmt(100 * (onMs - offMs) / onMs)}% of a whole group's time.`,
      `- Mutant generation, test splitting and coverage sites (the trusted parse, one \`python -I -S\` process a line): median`,
      `  ${fmt(testgenMs)} ms a line, ${fmt(100 * testgenMs / lineMs)}% of a line's own time (lines run concurrently, so less of the wall).`,
      `- The same ${flat.length} focal cells of one group: as a dataset's trusted asserts (judge, scope rollout) ${fmt(rate(flat.length, trusted.ms))}/s;`,
      `  pair mode, batched (this design) ${fmt(rate(flat.length, batch.ms))}/s; pair mode with one sandboxed run per cell ${fmt(rate(few.length, alone.ms))}/s`,
      `  (${few.length} cells). Batching is ${fmt(rate(flat.length, batch.ms) / rate(few.length, alone.ms))}x one run per cell; isolating the test from the program costs`,
      `  ${fmt(rate(flat.length, trusted.ms) / rate(flat.length, batch.ms))}x against running it in the trusted judge, which a model-written test must never do.`,
      '- RM-RF (arXiv 2601.13097) predicts these three signals (the suite runs, coverage rises, kill rate rises) from source',
      '  and test code without running them; its case is lower latency and infrastructure cost than compiling and running',
      '  (its abstract gives no latency figure), and it pays for it in accuracy: an average F1 of 0.69 over the three. The',
      `  figures above are what measuring them exactly costs here: ${fmt(onMs / lines.length / FILES)} ms of this 2-core host a test file.`,
      '',
    ].join('\n');
  } finally {
    await ex.close();
  }
}

module.exports = { main, groupsOf };
if (require.main === module) main().then((s) => process.stdout.write(s), (e) => { console.error(e); process.exit(1); });
