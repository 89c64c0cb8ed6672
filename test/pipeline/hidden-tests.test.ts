// Held-out tests (`"hidden": true`, issue 14): executed and reported in the output row, never used for
// weights, rewards or advantages. A line with hidden tests gets exactly the rewards of the same line without
// them, and its output still shows how every rollout did on them (the visible/held-out gap SpecBench measures).
// And a test's prior `weight`, multiplied into its reward weight by the kernels (batch.testWeight).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchema, validate } from '../datasets/schema-validator';
import { Executor } from '../../lib/exec';
import { scoreAll } from '../../lib/pipeline/score';
import { computeRewards } from '../../lib/reward/compute';

const VISIBLE = [
  { type: 'assert', code: 'assert f(1) == 2' },
  { type: 'assert', code: 'assert f(2) == 4' },
  { type: 'call', fn: 'f', args: [3], expected: 6 },
];
const HELD_OUT = [
  { type: 'assert', code: 'assert f(10) == 20', hidden: true },
  { type: 'call', fn: 'f', args: [-4], expected: -8, hidden: true },
];
// right; right only on the visible inputs (special-cased); right on one visible test
const ROLLOUTS = [
  'def f(x):\n    return 2 * x\n',
  'def f(x):\n    return {1: 2, 2: 4, 3: 6}.get(x, 0)\n',
  'def f(x):\n    return x + 1\n',
];

describe('hidden tests', () => {
  let ex: Executor;
  beforeAll(() => {
    ex = new Executor({ concurrency: 2, mode: 'spawn' });
  });
  afterAll(async () => ex?.close());

  it('are run and reported, and the rewards are those of the visible tests alone', async () => {
    const tests = [VISIBLE[0], HELD_OUT[0], VISIBLE[1], HELD_OUT[1], VISIBLE[2]];
    const [withHidden, visibleOnly] = await scoreAll([
      { id: 'h', tests, rollouts: ROLLOUTS },
      { id: 'v', tests: VISIBLE, rollouts: ROLLOUTS },
    ], { executor: ex });
    expect(withHidden.error).toBeNull();
    const rows = withHidden.rollouts!;
    expect(rows.map((r) => r.verdicts)).toEqual([
      ['AC', 'AC', 'AC', 'AC', 'AC'],
      ['AC', 'WA', 'AC', 'WA', 'AC'],
      ['AC', 'WA', 'WA', 'WA', 'WA'],
    ]);
    expect(rows.map((r) => r.passed)).toEqual([[1, 1, 1, 1, 1], [1, 0, 1, 0, 1], [1, 0, 0, 0, 0]]);
    // the special-cased rollout is rewarded like the right one: the held-out tests do not count
    const v = visibleOnly.rollouts!;
    for (const k of ['dense', 'outcome', 'reward', 'advantage'] as const) expect(rows.map((r) => r[k])).toEqual(v.map((r) => r[k]));
    expect(withHidden.weights).toEqual([visibleOnly.weights![0], null, visibleOnly.weights![1], null, visibleOnly.weights![2]]);
    // the group's visible/held-out gap: the special-cased rollout passes every visible test and fails the hidden ones
    expect(withHidden.hidden).toEqual({ tests: 2, visible_pass_rate: 7 / 9, hidden_pass_rate: 2 / 6, gap: 7 / 9 - 2 / 6, visible_only_passes: 1 });
    expect(visibleOnly.hidden).toBeUndefined();
    const out = loadSchema('verpo-output');
    expect(validate(out, JSON.parse(JSON.stringify(withHidden)))).toEqual([]);
  });

  it('a rho per test (all of them) is applied to the visible ones', async () => {
    const tests = [VISIBLE[0], HELD_OUT[0], VISIBLE[1]];
    const { scoreProblem, checkRho } = await import('../../lib/pipeline/score-problem');
    const { checkLine } = await import('../../lib/pipeline/contract');
    const score = async (line: object, rho: number[]) => {
      const p = checkLine(line);
      return (await scoreProblem(p, { executor: () => ex, options: {}, rho: checkRho(rho, p.tests.length) })).output;
    };
    const a = await score({ id: 'a', tests, rollouts: ROLLOUTS }, [0.9, 0.5, 0.1]);
    const b = await score({ id: 'b', tests: [VISIBLE[0], VISIBLE[1]], rollouts: ROLLOUTS }, [0.9, 0.1]);
    expect(a.rollouts!.map((r) => r.reward)).toEqual(b.rollouts!.map((r) => r.reward));
    expect(a.weights).toEqual([b.weights![0], null, b.weights![1]]);
  });

  it('a line must keep one test that counts; `hidden` must be a boolean', async () => {
    const [allHidden, notBoolean] = await scoreAll([
      { id: 'x', tests: HELD_OUT, rollouts: ROLLOUTS },
      { id: 'y', tests: [{ ...VISIBLE[0], hidden: 'yes' }], rollouts: ROLLOUTS },
    ], { executor: ex });
    expect(allHidden.error).toBe('line 1: tests: every test is hidden: at least one must count for the rewards');
    expect(notBoolean.error).toBe('line 2: tests[0].hidden: expected true or false (got string)');
  });

  it('a test\'s weight reaches the kernels as its prior weight, for the tests that count', async () => {
    const tests = [{ ...VISIBLE[0], weight: 3 }, { ...HELD_OUT[0], weight: 5 }, VISIBLE[1], { ...VISIBLE[2], weight: 0.5 }];
    for (const scheme of ['verpo', 'pass-rate'] as const) {
      const [line] = await scoreAll([{ id: 'w', tests, rollouts: ROLLOUTS }], { executor: ex, scheme });
      expect(line.error).toBeNull();
      const visible = line.rollouts!.map((r) => [r.passed[0], r.passed[2], r.passed[3]]);
      const want = computeRewards({
        passed: Uint8Array.from(visible.flat()), rows: new Uint32Array([3]), tests: new Uint32Array([3]),
        testWeight: new Float64Array([3, 1, 0.5]),
      }, { scheme });
      expect(line.rollouts!.map((r) => r.reward)).toEqual(Array.from(want.reward));
      expect(line.weights).toEqual([want.weight[0], null, want.weight[1], want.weight[2]]);
    }
    const [bad] = await scoreAll([{ id: 'b', tests: [{ ...VISIBLE[0], weight: -1 }], rollouts: ROLLOUTS }], { executor: ex });
    expect(bad.error).toBe('line 1: tests[0].weight: is -1: expected a number in [0, 1000000]');
    const [huge] = await scoreAll([{ id: 'h', tests: [{ ...VISIBLE[0], weight: 1e308 }], rollouts: ROLLOUTS }], { executor: ex });
    expect(huge.error).toMatch(/tests\[0\]\.weight: is 1e\+308: expected a number in \[0, 1000000\]/);
  });
});
