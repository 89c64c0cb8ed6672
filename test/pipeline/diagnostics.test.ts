// Diagnostics beyond pass@1 (issue 14): generation length, the exceptions behind RE verdicts, the lint profile,
// the TLE/IE shares and the held-out gap, in the CLI summary (and /metrics).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import { formatSummary, SummaryBuilder } from '../../lib/cli/summary';
import { runtimeErrorKind, Sample } from '../../lib/pipeline/diagnostics';
import { score } from '../../lib/pipeline/score';

describe('diagnostics', () => {
  it('names what ended a program from its RE detail', () => {
    expect(runtimeErrorKind('the program raised IndexError: list index out of range at test line 1: assert f(3) == 1')).toBe('IndexError');
    expect(runtimeErrorKind("the program failed: exit code 1: ValueError: invalid literal for int() with base 10: 'a'")).toBe('ValueError');
    expect(runtimeErrorKind('the program failed: killed by SIGSEGV')).toBe('SIGSEGV');
    expect(runtimeErrorKind('the program failed: exit code 3')).toBe('exit 3');
    expect(runtimeErrorKind('the program failed: exit code 2: usage: x')).toBe('exit 2');
    expect(runtimeErrorKind(undefined)).toBe('other');
  });

  it('percentiles from a bounded sample', () => {
    const s = new Sample(1000);
    for (let i = 1; i <= 100; i++) s.add(i);
    expect([s.quantile(0.5), s.quantile(0.9)]).toEqual([50, 90]);
    const big = new Sample(100);
    for (let i = 0; i < 10_000; i++) big.add(i % 10);
    expect(big.quantile(0.5)).toBeGreaterThanOrEqual(3);
    expect(big.quantile(0.5)).toBeLessThanOrEqual(6);
    expect(new Sample().quantile(0.5)).toBeNull();
  });

  describe('in the summary of a run', () => {
    let ex: Executor;
    beforeAll(() => {
      ex = new Executor({ concurrency: 2, mode: 'spawn' });
    });
    afterAll(async () => ex?.close());

    it('lengths, runtime errors by exception, lint, TLE/IE shares and the held-out gap', async () => {
      const tests = [{ type: 'call', fn: 'f', args: [5], expected: 6 }, { type: 'call', fn: 'f', args: [1], expected: 2, hidden: true }];
      const rollouts = [
        'def f(x):\n    return x + 1\n',
        'def f(x):\n    return [0][x]\n',
        'import os\ndef f(x):\n    return {5: 6}[x]\n',
      ];
      const b = new SummaryBuilder();
      for await (const r of score([{ id: 'd', tests, rollouts }], { executor: ex, lint: true })) b.add(r.output, r.stats);
      const s = b.result();
      expect(s.diagnostics.programs).toBe(3);
      expect(s.diagnostics.runtimeErrors).toEqual({ IndexError: 2, KeyError: 1 });
      expect(s.diagnostics.lint?.codes.F401).toBe(1);
      expect(s.diagnostics.heldOutGap).toBeCloseTo(2 / 3 - 1 / 3, 12);
      const text = formatSummary(s);
      expect(text).toMatch(/programs: 3, characters p50 \d+ p90 \d+, lines p50 2 p90 3/);
      expect(text).toContain('runtime errors (RE cells by exception): IndexError 2  KeyError 1');
      expect(text).toMatch(/lint: 1 errors, 0 warnings, 0 style; top codes F401 1/);
      expect(text).toMatch(/\(TLE 0\.0%, IE 0\.0% of cells\)/);
      expect(text).toMatch(/held-out gap \(visible - hidden pass rate\): mean 0\.3333 over 1 lines/);
      // a resumed line (no stats) counts in the verdicts but adds no diagnostics
      b.add({ id: 'old', rollouts: [{ verdicts: ['AC'], passed: [1], dense: 1, outcome: 1, reward: 1, advantage: 0 }], error: null });
      expect(b.result().diagnostics.programs).toBe(3);
    });
  });
});
