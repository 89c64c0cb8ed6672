// HumanEval through the real sandbox: every canonical solution is AC on every split assert, and wrong
// programs (another problem's solution, small mutants) are caught. The slowest suite: 1133 tests.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanEvalProgram, loadHumanEval, type HumanEvalProblem } from '../../lib/datasets/humaneval';
import { Executor } from '../../lib/exec';
import type { RunResult } from '../../lib/exec';
import { expectHostUnharmed, makeWorkRoot, removeWorkRoot, slotUids } from './host';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
const problems = loadHumanEval(FIXTURE);
let ex: Executor;
let root: string;

beforeAll(() => {
  root = makeWorkRoot('humaneval');
  // upstream's harness gives each problem 3 s in one process; one split test needs far less
  ex = new Executor({ concurrency: availableParallelism(), workRoot: root, limits: { cpuMs: 3000, wallMs: 10000, memoryMb: 512, outputKb: 1024 } });
});
afterAll(async () => {
  await ex?.close();
  if (root) removeWorkRoot(root);
});

const runProgram = (p: HumanEvalProblem, code: string): Promise<RunResult> =>
  ex.run({ language: 'python', code, tests: p.tests });

/** Every `n`-th problem: a spread sample for the wrong-program checks. */
const sample = (n: number) => problems.filter((_, i) => i % n === 0);

function flipFirstComparison(solution: string): string | null {
  const swaps: [RegExp, string][] = [[/ <= /, ' > '], [/ >= /, ' < '], [/ == /, ' != '], [/ != /, ' == '], [/ < /, ' >= '], [/ > /, ' <= ']];
  let best: { at: number; re: RegExp; to: string } | null = null;
  for (const [re, to] of swaps) {
    const m = re.exec(solution);
    if (m !== null && (best === null || m.index < best.at)) best = { at: m.index, re, to };
  }
  return best === null ? null : solution.replace(best.re, best.to);
}

describe('HumanEval canonical solutions', () => {
  it('pass every split assert (164 problems, 1133 tests)', async () => {
    const t0 = Date.now();
    const results = await Promise.all(problems.map((p) => runProgram(p, humanEvalProgram(p, p.canonicalSolution))));
    const seconds = (Date.now() - t0) / 1000;
    const total = results.reduce((n, r) => n + r.tests.length, 0);
    const failures: string[] = [];
    results.forEach((r, i) => r.tests.forEach((t, j) => {
      if (t.verdict !== 'AC') failures.push(`${problems[i].id} test ${j}: ${t.verdict} ${t.detail ?? ''}`);
    }));
    console.log(`HumanEval canonical: ${total - failures.length}/${total} AC in ${seconds.toFixed(1)} s ` +
      `(${(total / seconds).toFixed(0)} tests/s, concurrency ${ex.concurrency})`);
    expect(total).toBe(1133);
    expect(failures).toEqual([]);
    for (const r of results) expect(r.compile.ok).toBe(true);
    expectHostUnharmed(root, undefined, slotUids(ex));
  }, 600_000);
});

describe('HumanEval wrong programs are not all-AC', () => {
  it('a problem\'s solution against the next problem\'s tests', async () => {
    const ps = sample(8);
    const results = await Promise.all(ps.map((p) => {
      const other = problems[(problems.indexOf(p) + 1) % problems.length];
      return runProgram(p, humanEvalProgram(other, other.canonicalSolution));
    }));
    results.forEach((r, i) => expect(r.tests.every((t) => t.verdict === 'AC'), ps[i].id).toBe(false));
  }, 600_000);

  it('returning None', async () => {
    const ps = sample(6);
    const results = await Promise.all(ps.map((p) => runProgram(p, humanEvalProgram(p, '    return None\n'))));
    results.forEach((r, i) => {
      expect(r.tests.every((t) => t.verdict === 'AC'), ps[i].id).toBe(false);
      expect(r.tests.some((t) => t.verdict === 'WA'), ps[i].id).toBe(true);
    });
  }, 600_000);

  it('flipping the first comparison kills most mutants', async () => {
    const mutants = sample(4)
      .map((p) => ({ p, code: flipFirstComparison(p.canonicalSolution) }))
      .filter((m): m is { p: HumanEvalProblem; code: string } => m.code !== null);
    const results = await Promise.all(mutants.map(({ p, code }) => runProgram(p, humanEvalProgram(p, code))));
    const survivors = mutants.filter((_, i) => results[i].tests.every((t) => t.verdict === 'AC')).map((m) => m.p.id);
    console.log(`comparison-flip mutants: ${mutants.length - survivors.length}/${mutants.length} killed; survivors: ${survivors.join(', ') || 'none'}`);
    expect(mutants.length).toBeGreaterThan(20);
    expect(survivors.length).toBeLessThanOrEqual(Math.floor(mutants.length * 0.1));
    expectHostUnharmed(root, undefined, slotUids(ex));
  }, 600_000);
});
