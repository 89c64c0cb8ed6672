// The trusted judge's budget (issue 17, item 4, native part): every judged cell reports the CPU the judge spent
// on it (judgeCpuMs: spawn mode the judge process's rusage, zygote mode the warm judge's utime + stime over the
// test), apart from the program's cpuMs; a warm judge whose RSS grew past judgeMaxRssMb is recycled after its
// test (killed, restarted on next use) and counted in counters().judgeRecycles. Both modes, in this process and
// as an unprivileged user.
import { describe, expect } from 'vitest';
import type { RunRequest, TestCase, TestResult } from '../../lib/exec/types';
import { scenarioSuite, type Scenario } from './host';

const LIMITS = { cpuMs: 8000, wallMs: 30000, memoryMb: 256, outputKb: 256 };

function request(code: string, tests: TestCase[]): RunRequest {
  return { language: 'python', code, tests, cache: false };
}

function explain(c: TestResult): string {
  return `${c.verdict}: ${c.detail ?? ''} ${(c.stderr ?? '').slice(-600)}`;
}

const TRIVIAL = `def f():
    return 1
if __name__ == '__main__':
    print(f())
`;

// The judge's own work: a loop in the test code (trusted), while the program only answers one call.
const JUDGE_WORK = 's = 0\nfor i in range(5_000_000):\n    s += i\nassert f() == 1';

// Each call returns 32 namedtuples of distinct classes, which the judge rebuilds as classes of its own: the judge
// grows with every distinct class it is sent (bounded on the Python side; a small bound recycles it here anyway).
const CLASSES = `import collections
def classes(k):
    return [collections.namedtuple('T%d_%d' % (k, i), ['a%d' % j for j in range(8)])(*range(8)) for i in range(32)]
`;
const CLASS_TESTS: TestCase[] = [1, 2, 3, 4].map((k) => ({
  type: 'assert', code: `r = classes(${k})\nassert len({type(x) for x in r}) == 32 and all(tuple(x) == tuple(range(8)) for x in r)`,
}));

const accounting: Scenario[] = [
  {
    name: 'judgeCpuMs is in every judged cell (and in no stdio cell); the judge\'s work is not the program\'s cpuMs',
    requests: [request(TRIVIAL, [
      { type: 'assert', code: JUDGE_WORK },
      { type: 'call', fn: 'f', args: [], expected: 1 },
      { type: 'assert', code: 'assert f() == 2' },
      { type: 'stdio', stdin: '', stdout: '1\n' },
    ])],
    check({ cells: [[heavy, light, wrong, stdio]] }) {
      expect([heavy, light, wrong, stdio].map((c) => c.verdict), explain(heavy)).toEqual(['AC', 'AC', 'WA', 'AC']);
      for (const c of [heavy, light, wrong]) {
        expect(typeof c.judgeCpuMs).toBe('number');
        expect(c.judgeCpuMs).toBeGreaterThanOrEqual(0);
      }
      expect(stdio.judgeCpuMs).toBeUndefined();
      // five million additions in the judge, one call in the program: measured on the judge's side
      expect(heavy.judgeCpuMs).toBeGreaterThan(0);
      expect(heavy.judgeCpuMs!).toBeGreaterThan(heavy.cpuMs);
    },
  },
  {
    name: 'under the default bound (256 MB) a judge that is sent many classes is not recycled',
    requests: [request(CLASSES, CLASS_TESTS)],
    check({ cells, counters }) {
      for (const c of cells.flat()) expect(c.verdict, explain(c)).toBe('AC');
      expect(counters.judgeRecycles).toBe(0);
    },
  },
];

const recycling: Scenario[] = [
  {
    name: 'past judgeMaxRssMb the warm judge is recycled after each test, and the verdicts stay right',
    requests: [request(CLASSES, CLASS_TESTS), request(TRIVIAL, [{ type: 'assert', code: 'assert f() == 2' }])],
    check({ mode, cells, counters }) {
      expect(cells.flat().map((c) => c.verdict), cells.flat().map(explain).join('\n')).toEqual(['AC', 'AC', 'AC', 'AC', 'WA']);
      for (const c of cells.flat()) expect(c.retries).toBeUndefined();  // a recycled judge is never an internal error
      // every judge is bigger than 1 MiB: each judged test recycles the warm one; a spawn-mode judge lives for one
      // test anyway
      expect(counters.judgeRecycles).toBe(mode === 'zygote' ? 5 : 0);
    },
  },
];

describe('accounting, default bound', () => {
  scenarioSuite('judge', { concurrency: 1, cache: false, limits: LIMITS }, accounting);
});
describe('judgeMaxRssMb: 1', () => {
  scenarioSuite('judge-recycle', { concurrency: 1, cache: false, limits: LIMITS, judgeMaxRssMb: 1 }, recycling);
});
