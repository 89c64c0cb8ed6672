// Cross-step difficulty statistics: blending, decay, snapshots, and use with computeRewards.
import { describe, expect, it } from 'vitest';
import { computeRewards, DifficultyTracker } from '../../lib';
import { single } from './backends';

describe('DifficultyTracker', () => {
  it('first sight uses the group rate; later steps blend history in, capped at priorRows', () => {
    const t = new DifficultyTracker({ decay: 1, priorRows: 4 });
    const step1 = single([[1, 0], [1, 0]]); // rates 1, 0
    expect(Array.from(t.update(step1, { problems: ['p'] }))).toEqual([1, 0]);
    const step2 = single([[0, 1], [0, 1]]); // rates 0, 1; history rows 2 (< cap 4)
    expect(Array.from(t.update(step2, { problems: ['p'] }))).toEqual([(0 + 2 * 1) / (2 + 2), (2 + 2 * 0) / (2 + 2)]);
    // history now 4 rows: test 0 rate 0.5
    const step3 = single([[0, 0], [0, 0]]);
    const r3 = t.update(step3, { problems: ['p'] });
    expect(r3[0]).toBeCloseTo((0 + 4 * 0.5) / (2 + 4), 15);
    expect(t.size).toBe(2);
  });

  it('decay forgets: old passes weigh less each step', () => {
    const t = new DifficultyTracker({ decay: 0.5, priorRows: 1000 });
    t.update(single([[1], [1]]), { problems: ['p'] });
    const r = t.update(single([[0], [0]]), { problems: ['p'] }); // history [2, 2]
    expect(r[0]).toBeCloseTo(2 / 4, 15);
    const r2 = t.update(single([[0], [0]]), { problems: ['p'] }); // history [1, 3]: rate 1/3, weight 3
    expect(r2[0]).toBeCloseTo((0 + 3 * (1 / 3)) / (2 + 3), 15);
  });

  it('test ids key the statistics across reordered tests and problems', () => {
    const t = new DifficultyTracker({ decay: 1 });
    t.update(single([[1, 0]]), { problems: ['p'], tests: [['a', 'b']] });
    const r = t.update(single([[0, 0]]), { problems: ['p'], tests: [['b', 'a']] });
    expect(r[0]).toBeCloseTo(0, 15); // 'b' never passed
    expect(r[1]).toBeCloseTo(0.5, 15); // 'a': 1 pass in 1 row + 0 in 1 row
    const other = t.update(single([[1, 1]]), { problems: ['q'], tests: [['a', 'b']] });
    expect(Array.from(other)).toEqual([1, 1]); // another problem starts fresh
  });

  it('snapshots to JSON and restores to an equal tracker', () => {
    const t = new DifficultyTracker({ decay: 0.8, priorRows: 8 });
    t.update(single([[1, 0, 1], [0, 0, 1]]), { problems: ['HumanEval/0'] });
    const json = JSON.stringify(t);
    const u = DifficultyTracker.fromJSON(json);
    expect(u.toJSON()).toEqual(t.toJSON());
    const next = single([[1, 1, 0], [1, 0, 0]]);
    expect(Array.from(u.update(next, { problems: ['HumanEval/0'] }))).toEqual(Array.from(t.update(next, { problems: ['HumanEval/0'] })));
  });

  it('blended rates feed computeRewards through batch.rho', () => {
    const t = new DifficultyTracker();
    const b = single([[1, 0, 1], [1, 1, 0]]);
    const rho = t.update(b, { problems: ['p'] });
    const o = computeRewards({ ...b, rho });
    expect(Array.from(o.rho)).toEqual(Array.from(rho));
  });

  it('rejects bad options, keys and snapshots with named errors', () => {
    expect(() => new DifficultyTracker({ decay: 0 })).toThrow(/tracker decay is 0/);
    expect(() => new DifficultyTracker({ priorRows: -1 })).toThrow(/tracker priorRows is -1/);
    const t = new DifficultyTracker();
    expect(() => t.update(single([[1]]), { problems: [] })).toThrow(/keys\.problems must hold one problem id per group \(1\)/);
    expect(() => t.update(single([[1, 0]]), { problems: ['p'], tests: [['a']] })).toThrow(/keys\.tests\[0\] has 1 ids/);
    expect(() => t.update({ ...single([[1, 3]]) }, { problems: ['p'] })).toThrow(/batch\.passed\[1\] is 3/);
    expect(() => DifficultyTracker.fromJSON('{"version":2}')).toThrow(/expected \{ version: 1/);
    expect(() => DifficultyTracker.fromJSON({ version: 1, decay: 0.9, priorRows: 4, stats: { p: { a: [3, 1] } } })).toThrow(/0 <= passes <= rows/);
  });
});
