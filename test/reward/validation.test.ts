// Every validation rule has an error-path test, on both backends: the error type, and a message
// that names the field and what was expected. Nothing crashes; nothing returns a wrong number.
import { describe, expect, it } from 'vitest';
import { computeRewards, computeRewardsAsync } from '../../lib';
import type { RewardBatch, RewardOptions } from '../../lib';
import { BACKENDS, single } from './backends';

const good = (): RewardBatch => single([[1, 0], [0, 1]]);

describe.each(BACKENDS)('validation (%s)', (backend) => {
  const cases: Array<[string, () => RewardBatch, RewardOptions, ErrorConstructor, RegExp]> = [
    ['passed not a Uint8Array', () => ({ ...good(), passed: [1, 0, 0, 1] as unknown as Uint8Array }), {}, TypeError, /batch\.passed must be a Uint8Array \(got an Array\)/],
    ['passed a Uint8ClampedArray', () => ({ ...good(), passed: new Uint8ClampedArray(4) as unknown as Uint8Array }), {}, TypeError, /batch\.passed must be a Uint8Array \(got Uint8ClampedArray\)/],
    ['rows a Float64Array', () => ({ ...good(), rows: new Float64Array([2]) as unknown as Uint32Array }), {}, TypeError, /batch\.rows must be a Uint32Array/],
    ['tests missing', () => ({ ...good(), tests: undefined as unknown as Uint32Array }), {}, TypeError, /batch\.tests must be a Uint32Array/],
    ['rows and tests differ in groups', () => ({ ...good(), tests: new Uint32Array([2, 2]) }), {}, RangeError, /batch\.rows has 1 groups but batch\.tests has 2/],
    ['lengths do not add up', () => ({ ...good(), passed: new Uint8Array(5) }), {}, RangeError, /batch\.passed has 5 cells but sum\(rows\[g\] \* tests\[g\]\) is 4/],
    ['an empty group (0 rows)', () => ({ passed: new Uint8Array(0), rows: new Uint32Array([0]), tests: new Uint32Array([3]) }), {}, RangeError, /batch\.rows\[0\] is 0.*group 0 is empty/],
    ['an empty group (0 tests)', () => ({ passed: new Uint8Array(0), rows: new Uint32Array([2]), tests: new Uint32Array([0]) }), {}, RangeError, /batch\.tests\[0\] is 0/],
    ['a cell other than 0/1', () => ({ ...good(), passed: new Uint8Array([1, 0, 2, 1]) }), {}, RangeError, /batch\.passed\[2\] is 2 \(group 0, row 1, test 0\): expected 0 or 1/],
    ['a cell of 255 in a later group', () => ({ passed: new Uint8Array([1, 0, 1, 255]), rows: new Uint32Array([1, 1]), tests: new Uint32Array([2, 2]) }), {}, RangeError, /batch\.passed\[3\] is 255 \(group 1, row 0, test 1\)/],
    ['trajectory of the wrong length', () => ({ ...good(), trajectory: new Uint32Array([0]) }), {}, RangeError, /batch\.trajectory has 1 entries: expected one per row \(2\)/],
    ['trajectory id out of range', () => ({ ...good(), trajectory: new Uint32Array([0, 2]) }), {}, RangeError, /batch\.trajectory\[1\] is 2 \(group 0, row 1\)/],
    ['a trajectory with no rows', () => ({ ...single([[1], [0], [1]]), trajectory: new Uint32Array([0, 2, 2]) }), {}, RangeError, /trajectory 1 has no rows/],
    ['rho of the wrong length', () => ({ ...good(), rho: new Float64Array(3) }), {}, RangeError, /batch\.rho has 3 entries/],
    ['rho out of range', () => ({ ...good(), rho: new Float64Array([0.5, 1.5]) }), {}, RangeError, /batch\.rho\[1\] is 1\.5: expected a pass rate in \[0, 1\]/],
    ['rho NaN', () => ({ ...good(), rho: new Float64Array([NaN, 0.5]) }), {}, RangeError, /batch\.rho\[0\] is NaN/],
    ['alpha <= 0', good, { alpha: 0 }, RangeError, /options\.alpha is 0: expected finite and > 0/],
    ['alpha NaN', good, { alpha: NaN }, RangeError, /options\.alpha is NaN/],
    ['alpha a string', good, { alpha: '2' as unknown as number }, TypeError, /options\.alpha must be a number/],
    ['beta < 0', good, { beta: -1 }, RangeError, /options\.beta is -1: expected finite and >= 0/],
    ['beta Infinity', good, { beta: Infinity }, RangeError, /options\.beta is Infinity/],
    ['gamma 0', good, { gamma: 0 }, RangeError, /options\.gamma is 0: expected in \(0, 1\]/],
    ['gamma > 1', good, { gamma: 1.01 }, RangeError, /options\.gamma is 1\.01/],
    ['delta < 0', good, { delta: -1e-9 }, RangeError, /options\.delta is -1e-9: expected finite and >= 0/],
    ['unknown scheme', good, { scheme: 'ppo' as never }, TypeError, /options\.scheme is "ppo": expected one of 'binary', 'pass-rate', 'verpo', 'verpo-difficulty'/],
    ['unknown estimator', good, { advantage: 'ppo' as never }, TypeError, /options\.advantage is "ppo"/],
    ['out array of the wrong length', good, { out: { reward: new Float64Array(1) } }, RangeError, /options\.out\.reward has length 1: expected 2/],
  ];
  it.each(cases)('%s', (_name, batch, options, Type, message) => {
    const call = () => computeRewards(batch(), { backend, ...options });
    expect(call).toThrow(Type);
    expect(call).toThrow(message);
  });
  it.each(cases)('%s (async rejects the same way)', async (_name, batch, options, Type, message) => {
    const p = computeRewardsAsync(batch(), { backend, ...options });
    await expect(p).rejects.toThrow(Type);
    await expect(computeRewardsAsync(batch(), { backend, ...options })).rejects.toThrow(message);
  });
  it('a batch that is not an object, and options that are not', () => {
    expect(() => computeRewards(null as never, { backend })).toThrow(/batch must be an object/);
    expect(() => computeRewards(good(), 'verpo' as never)).toThrow(/options must be an object/);
  });
  it('an empty batch (no groups) gives empty outputs', () => {
    const o = computeRewards({ passed: new Uint8Array(0), rows: new Uint32Array(0), tests: new Uint32Array(0) }, { backend });
    expect(o.advantage.length).toBe(0);
    expect(o.weight.length).toBe(0);
  });
  it('caller-provided outputs are filled in place', () => {
    const out = { advantage: new Float64Array(2), weight: new Float64Array(2) };
    const o = computeRewards(good(), { backend, out });
    expect(o.advantage).toBe(out.advantage);
    expect(o.weight).toBe(out.weight);
    expect(out.advantage[0]).toBeCloseTo(-out.advantage[1], 15);
  });
});

describe('the native binding re-checks what it is given', () => {
  it('rejects wrong argument types with a TypeError instead of crashing', async () => {
    const { native } = await import('../../lib/native/load');
    const addon = native();
    if (!addon) return expect(addon).toBeNull(); // JS-only machine: nothing native to check
    expect(() => addon.rewardCompute(1, 2, 3)).toThrow(TypeError);
    const f = new Float64Array(2);
    expect(() =>
      addon.rewardCompute(new Uint8Array(4), new Uint32Array([2]), new Uint32Array([2]), null, null, null, new Float64Array(6), f, f, f, f, f, f, 0, 5),
    ).toThrow(/group range out of bounds/);
    // Bad parameters that slip past JS are reported as a status, not used.
    const params = new Float64Array([2, 0, -1, 1, 1, 1e-6]);
    expect(addon.rewardCompute(new Uint8Array(4), new Uint32Array([2]), new Uint32Array([2]), null, null, null, params, f, f, f, f, f, f, 0, 1)).toEqual([6, 0, 0]);
    // so is a prior test weight that slips past JS (a negative one), at its position
    const ok = new Float64Array([2, 0, 2, 1, 1, 1e-6]);
    expect(addon.rewardCompute(new Uint8Array(4), new Uint32Array([2]), new Uint32Array([2]), null, null, new Float64Array([1, -1]), ok, f, f, f, f, f, f, 0, 1)).toEqual([7, 1, 0]);
  });
});
