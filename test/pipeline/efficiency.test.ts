// Efficiency against a reference (ACECode's term, issue 14): a line's `reference` runs as an extra row that
// is never rewarded; rows that pass every counted test get min(1, reference CPU / their CPU), the others 0;
// the term is null, with a note, when the reference fails its own tests or its CPU is under the floor.
// Ratios, never times, are asserted: the work differs by a factor far above any host's noise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import { scoreAll } from '../../lib/pipeline/score';
import { loadSchema, validate } from '../datasets/schema-validator';

// The same answer by a fast and a slow route: sum(range(n)) against a Python loop doing 20x the work.
const FAST = 'def total(n):\n    return n * (n - 1) // 2\n';
const SLOW = 'def total(n):\n    s = 0\n    for _ in range(20):\n        s = 0\n        for i in range(n):\n            s += i\n    return s\n';
const WRONG = 'def total(n):\n    return 0\n';
const REFERENCE = 'def total(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n';
const N = 300_000;
const TESTS = [
  { type: 'call', fn: 'total', args: [N], expected: (N * (N - 1)) / 2 },
  { type: 'call', fn: 'total', args: [N + 1], expected: ((N + 1) * N) / 2 },
];

describe('efficiency against a reference', () => {
  let ex: Executor;
  beforeAll(() => {
    ex = new Executor({ concurrency: 2, limits: { cpuMs: 20000, wallMs: 60000 } });
  });
  afterAll(async () => ex?.close());

  it('passing rows get min(1, reference CPU / theirs), failing rows 0; reported, and rewarded with a weight', async () => {
    const line = { id: 'eff', tests: TESTS, rollouts: [FAST, SLOW, WRONG], reference: REFERENCE };
    const [reported] = await scoreAll([line], { executor: ex, efficiencyFloorMs: 10 });
    expect(reported.error).toBeNull();
    expect(reported.reference).toMatchObject({ passed: true, note: null });
    expect(reported.reference!.cpu_ms).toBeGreaterThan(10);
    const [fast, slow, wrong] = reported.rollouts!.map((r) => r.efficiency!);
    expect(fast).toBe(1); // faster than the reference: capped at 1
    expect(slow).toBeGreaterThan(0);
    expect(slow).toBeLessThan(0.5); // 20x the reference's work
    expect(wrong).toBe(0);
    expect(validate(loadSchema('verpo-output'), JSON.parse(JSON.stringify(reported)))).toEqual([]);
    // the reference is never a row: three rollouts in, three rows out
    expect(reported.rollouts).toHaveLength(3);

    const [plain] = await scoreAll([{ id: 'plain', tests: TESTS, rollouts: [FAST, SLOW, WRONG] }], { executor: ex });
    expect(reported.rollouts!.map((r) => r.reward)).toEqual(plain.rollouts!.map((r) => r.reward)); // weight 0: not rewarded
    const [rewarded] = await scoreAll([line], { executor: ex, efficiencyFloorMs: 10, efficiencyWeight: 0.5 });
    const eff = rewarded.rollouts!.map((r) => r.efficiency!);
    expect(rewarded.rollouts!.map((r) => r.reward)).toEqual(plain.rollouts!.map((r, i) => r.reward + 0.5 * eff[i]));
  }, 240_000);

  it('not computed, with a note, when the reference fails its own tests or runs under the floor', async () => {
    const [failing] = await scoreAll([{ id: 'bad-ref', tests: TESTS, rollouts: [FAST], reference: WRONG }], { executor: ex, efficiencyWeight: 1 });
    // a floor above any reference's CPU here: the term is not computed
    const [quick] = await scoreAll([{ id: 'quick-ref', tests: TESTS, rollouts: [FAST], reference: FAST }], { executor: ex, efficiencyWeight: 1, efficiencyFloorMs: 1e7 });
    expect(failing.reference).toEqual({ passed: false, cpu_ms: null, note: expect.stringMatching(/^the reference fails its own tests \(tests\[0\]: WA\)/) });
    expect(failing.rollouts![0].efficiency).toBeNull();
    expect(quick.reference!.note).toMatch(/under the floor \(10000000 ms\): too noisy/);
    expect(quick.rollouts![0].efficiency).toBeNull();
    // a term that is not computed is not added
    const [plain] = await scoreAll([{ id: 'p', tests: TESTS, rollouts: [FAST] }], { executor: ex });
    expect(failing.rollouts![0].reward).toBe(plain.rollouts![0].reward);
  }, 240_000);

  it('a line\'s dataset harness applies to the reference and to the repeats (APPS programs with a top-level return)', async () => {
    const program = 'n = int(input())\nif n < 0:\n    return\ntotal = 0\nfor i in range(n):\n    total += i\nprint(total)\n';
    const tests = [{ type: 'stdio', stdin: '200000\n', stdout: `${(200000 * 199999) / 2}\n` }];
    const [line] = await scoreAll([{ id: 'apps', harness: 'apps', tests, rollouts: [program], reference: program }], { executor: ex, efficiencyFloorMs: 0 });
    expect(line.error).toBeNull();
    expect(line.rollouts![0].verdicts).toEqual(['AC']);
    expect(line.reference).toMatchObject({ passed: true, note: null });
    expect(line.rollouts![0].efficiency).toBeGreaterThan(0.3); // the same program: about 1, never the 0 of a CE repeat
  }, 240_000);

  it('bad input names the field', async () => {
    const out = await scoreAll([
      { id: 'x', tests: TESTS, rollouts: [FAST], reference: '' },
      { id: 'y', passed: [[1]], reference: FAST },
    ], { executor: ex });
    expect(out[0].error).toBe('line 1: reference: expected a program as a non-empty string (got string)');
    expect(out[1].error).toMatch(/^line 2: reference: a line with a precomputed `passed` matrix runs nothing/);
    await expect(scoreAll([], { efficiencyWeight: -1 })).rejects.toThrow('options.efficiencyWeight is -1');
    await expect(scoreAll([], { efficiencyRepeats: 0 })).rejects.toThrow('options.efficiencyRepeats is 0');
  });
});
