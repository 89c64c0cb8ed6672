// Static analysis as a reward term (issue 14): Ruff's findings per rollout by code and severity, a style score
// in [-1, 0], reported with --lint and rewarded with a style weight; profiles tests | lint | combined; the
// advantages follow the estimator (verpo: lambda * (style - group mean) added; grpo & co.: run on the composed
// reward, with the kernels' formulas).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import { Linter, severityOf } from '../../lib/lint/ruff';
import { scoreAll } from '../../lib/pipeline/score';
import { checkShapingOptions } from '../../lib/pipeline/shaping';
import { composeGroup } from '../../lib/reward/compose';
import { computeRewards } from '../../lib/reward/compute';
import type { Estimator } from '../../lib/reward/types';
import { rng } from '../reward/random';
import { loadSchema, validate } from '../datasets/schema-validator';

const CLEAN = 'def add(a, b):\n    return a + b\n';
const MESSY = 'import os\ndef add(a,b):\n    l = [i for i in range(3)]\n    return a+b\n';
const BROKEN = 'def add(a, b):\n    return a + undefined_name\n';
const TESTS = [{ type: 'assert', code: 'assert add(1, 2) == 3' }, { type: 'assert', code: 'assert add(0, 0) == 0' }];

describe('Ruff lint', () => {
  it('counts violations by code and severity and scores them in [-1, 0]', () => {
    const l = new Linter();
    expect(l.lint(CLEAN)).toEqual({ score: 0, violations: 0, by_severity: { error: 0, warning: 0, style: 0 }, codes: {} });
    const messy = l.lint(MESSY);
    expect(messy.codes).toMatchObject({ F401: 1, F841: 1, E741: 1 });
    expect(messy.by_severity.error).toBe(2); // F401, F841: pyflakes
    expect(messy.violations).toBe(Object.values(messy.codes).reduce((a, b) => a + b, 0));
    expect(messy.score).toBeLessThan(0);
    expect(messy.score).toBeGreaterThanOrEqual(-1);
    const broken = l.lint(BROKEN);
    expect(broken.codes).toEqual({ F821: 1 });
    expect(broken.score).toBeCloseTo(-1 / 5, 12);
    const syntax = l.lint('def add(:\n');
    expect(syntax.codes['invalid-syntax']).toBeGreaterThan(0);
    expect(l.lint('x = (' + 'undefined_name + '.repeat(30) + '1)\n').score).toBe(-1); // saturates
  });

  it('severity classes: F, E9, PLE and parse errors are errors; B, PLW warnings; the rest style', () => {
    expect(['F821', 'E999', 'PLE0101', 'invalid-syntax'].map(severityOf)).toEqual(['error', 'error', 'error', 'error']);
    expect(['B007', 'PLW0120'].map(severityOf)).toEqual(['warning', 'warning']);
    expect(['E741', 'W291', 'E302'].map(severityOf)).toEqual(['style', 'style', 'style']);
  });

  it('bad configurations name the field, Ruff\'s unknown selectors included', () => {
    expect(() => checkShapingOptions({ lint: { select: ['XYZ123'] } })).toThrow('options.lint.select: unknown Ruff rule selector "XYZ123"');
    expect(() => checkShapingOptions({ lint: { select: ['f821'] } })).toThrow('options.lint.select[0] is "f821"');
    expect(() => checkShapingOptions({ lint: { weights: { error: -1 } } })).toThrow('options.lint.weights.error is -1');
    expect(() => checkShapingOptions({ styleWeight: -0.5 })).toThrow('options.styleWeight is -0.5');
    expect(() => checkShapingOptions({ styleWeight: NaN })).toThrow('options.styleWeight is NaN');
    expect(() => checkShapingOptions({ rewardProfile: 'style' as 'lint' })).toThrow('options.rewardProfile is "style"');
  });
});

describe('composed rewards', () => {
  it('with no terms, grpo, dr-grpo and rloo give exactly the kernels\' advantages', () => {
    const rand = rng(3);
    for (let k = 0; k < 200; k++) {
      const R = 1 + Math.floor(rand() * 12), M = 1 + Math.floor(rand() * 8);
      const P = Array.from({ length: R * M }, () => (rand() < 0.5 ? 1 : 0));
      for (const advantage of ['grpo', 'dr-grpo', 'rloo'] as Estimator[]) {
        const out = computeRewards({ passed: Uint8Array.from(P), rows: new Uint32Array([R]), tests: new Uint32Array([M]) }, { scheme: 'verpo', advantage });
        const c = composeGroup(out.reward, out.advantage, [], advantage);
        expect(c.advantage).toEqual(Array.from(out.advantage));
        expect(c.reward).toEqual(Array.from(out.reward));
      }
    }
  });

  it('verpo adds lambda * (term - mean); a flat term adds exactly nothing', () => {
    const c = composeGroup([1, 0.5, 0], [0.5, 0, -0.5], [{ values: [0, -0.5, -1], weight: 0.2 }], 'verpo');
    expect(c.reward).toEqual([1, 0.5 - 0.1, -0.2]);
    expect(c.advantage).toEqual([0.5 + 0.2 * 0.5, 0, -0.5 - 0.2 * 0.5]);
    const flat = composeGroup([1, 0], [0.5, -0.5], [{ values: [-0.3, -0.3], weight: 1 }], 'verpo');
    expect(flat.advantage).toEqual([0.5, -0.5]);
  });
});

describe('through the pipeline', () => {
  let ex: Executor;
  beforeAll(() => {
    ex = new Executor({ concurrency: 2, mode: 'spawn' });
  });
  afterAll(async () => ex?.close());
  const line = { id: 'add', tests: TESTS, rollouts: [CLEAN, MESSY, BROKEN] };

  it('--lint reports each rollout\'s lint without changing a reward', async () => {
    const [plain] = await scoreAll([line], { executor: ex });
    const [linted] = await scoreAll([line], { executor: ex, lint: true });
    expect(linted.rollouts!.map((r) => r.reward)).toEqual(plain.rollouts!.map((r) => r.reward));
    expect(linted.rollouts!.map((r) => r.lint?.codes)).toEqual([{}, expect.objectContaining({ F401: 1 }), { F821: 1 }]);
    expect(plain.rollouts![0].lint).toBeUndefined();
    expect(validate(loadSchema('verpo-output'), JSON.parse(JSON.stringify(linted)))).toEqual([]);
  });

  it('a style weight adds lambda * style to the reward; profiles lint and combined', async () => {
    const [plain] = await scoreAll([line], { executor: ex });
    const [styled] = await scoreAll([line], { executor: ex, styleWeight: 0.5 });
    const styles = styled.rollouts!.map((r) => r.lint!.score);
    expect(styled.rollouts!.map((r) => r.reward)).toEqual(plain.rollouts!.map((r, i) => r.reward + 0.5 * styles[i]));
    const [lintOnly] = await scoreAll([line], { executor: ex, rewardProfile: 'lint' });
    expect(lintOnly.rollouts!.map((r) => r.reward)).toEqual(styles.map((s) => 0 * 0 + s));
    // tests still run and are reported under the lint profile
    expect(lintOnly.rollouts!.map((r) => r.verdicts)).toEqual(plain.rollouts!.map((r) => r.verdicts));
    const [combined] = await scoreAll([line], { executor: ex, rewardProfile: 'combined', advantage: 'grpo' });
    const want = composeGroup(plain.rollouts!.map((r) => r.reward), plain.rollouts!.map((r) => r.advantage), [{ values: styles, weight: 1 }], 'grpo');
    expect(combined.rollouts!.map((r) => r.advantage)).toEqual(want.advantage);
  });

  it('a style reward on a line without Python programs is an error naming why; the other lines are scored', async () => {
    const out = await scoreAll([
      { id: 'pre', passed: [[1, 0], [0, 1]] },
      { id: 'cpp', language: 'cpp', tests: [{ type: 'stdio', stdin: '', stdout: '1\n' }], rollouts: ['#include <cstdio>\nint main(){puts("1");}\n'] },
      line,
    ], { executor: ex, styleWeight: 1 });
    expect(out[0].error).toBe('line 1: passed: a style reward needs the programs: a precomputed matrix has none (send rollouts)');
    expect(out[1].error).toMatch(/^line 2: language: is 'cpp': Ruff lints Python programs only/);
    expect(out[2].error).toBeNull();
  });
});
