// DeepCoder / rllm rows -> contract lines, on the four 30-row samples (test/fixtures/realworld/), and the
// converted lines through the real executor: the leetcodedataset rows' reference solutions are AC on every
// test, wrong programs are not; rows without references get a correct program written here for a few
// easy problems (AC under the comparator the converter chose) and a trivially wrong one for every row.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDataset, convertDatasetFile, DatasetRecordError, type ContractLine } from '../../lib/datasets';
import { deepCoderSource, isInteractive, starterMethod } from '../../lib/datasets/deepcoder';
import { testsFromLabel } from '../../lib/datasets/label-rules';
import { LEETCODE_PRELUDE } from '../../lib/datasets/leetcode';
import { APPS_PRELUDE, LCB_PRELUDE } from '../../lib/datasets/python-preludes';
import type { Executor as ExecutorType, RunResult } from '../../lib/exec';
import { expectValidLine } from './convert-helpers';
import { executorOrSkip } from './executor-or-skip';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'realworld');
const SOURCES = ['code_contests', 'codeforces', 'livecodebench', 'leetcodedataset'] as const;
type Source = (typeof SOURCES)[number];
const file = (s: Source) => path.join(DIR, `deepcoder_rllm_${s}_sample30.jsonl`);
type Row = { problem: string; tests: unknown; starter_code?: string; solutions?: string };
const rows = (s: Source): Row[] => readFileSync(file(s), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);

async function convertSample(s: Source, withSolutions = true) {
  const skipped: DatasetRecordError[] = [];
  const c = convertDatasetFile('deepcoder', file(s), { withSolutions, onError: (e) => skipped.push(e) });
  const lines: ContractLine[] = [];
  for await (const l of c) lines.push(l);
  return { lines, skipped, stats: c.stats };
}

const INTERACTIVE_WHY = "problem: an interactive problem: its tests are one transcript of the jury's side, which stdio tests cannot judge (it needs an interactor)";

describe('convert deepcoder: the four samples', () => {
  it('converts every row but the two interactive CodeContests problems, each skipped with its reason', async () => {
    const counts: Record<string, unknown> = {};
    for (const s of SOURCES) {
      const { lines, skipped, stats } = await convertSample(s);
      counts[s] = { ...stats, skippedLines: skipped.map((e) => e.ref.line) };
      for (const l of lines) {
        expectValidLine(l);
        expect(l.meta).toMatchObject({ dataset: 'deepcoder', source: s });
        expect(l.id).toBe(`deepcoder/${s}/${l.meta!.record_index as number}`);
      }
      for (const e of skipped) expect(`${e.field}: ${e.reason}`).toBe(INTERACTIVE_WHY);
    }
    expect(counts).toEqual({
      code_contests: { records: 30, converted: 28, skipped: 2, rollouts: 0, withoutSolutions: 28, tests: 207, skippedLines: [5, 15] },
      codeforces: { records: 30, converted: 30, skipped: 0, rollouts: 0, withoutSolutions: 30, tests: 36, skippedLines: [] },
      livecodebench: { records: 30, converted: 30, skipped: 0, rollouts: 0, withoutSolutions: 30, tests: 78, skippedLines: [] },
      leetcodedataset: { records: 30, converted: 30, skipped: 0, rollouts: 30, withoutSolutions: 0, tests: 68, skippedLines: [] },
    });
  });

  it('code_contests and codeforces: every input/output pair is one stdio test compared as rllm\'s grader nearly does, after its import lines', async () => {
    for (const s of ['code_contests', 'codeforces'] as const) {
      const raw = rows(s);
      const { lines } = await convertSample(s);
      for (const l of lines) {
        const row = raw[l.meta!.record_index as number];
        const pairs = s === 'code_contests'
          ? (row.tests as { inputs: string[]; outputs: string[] }).inputs.map((x, i) => [x, (row.tests as { outputs: string[] }).outputs[i]])
          : (row.tests as Array<{ input: string; output: string }>).map((c) => [c.input, c.output]);
        expect(l.tests).toEqual(pairs.map(([stdin, stdout]) => ({ type: 'stdio', stdin, stdout, compare: 'whitespace' })));
        expect(l.setup).toBe(APPS_PRELUDE);
        expect(l.harness).toBe('apps');
        expect(l.prompt).toBe(row.problem);
        expect(l.meta!.test_kind).toBe('stdio');
      }
    }
  });

  it('livecodebench: stdin cases compare line by line; functional cases call the starter code\'s method with one JSON argument per line', async () => {
    const raw = rows('livecodebench');
    const { lines } = await convertSample('livecodebench');
    const kinds = { stdio: 0, call: 0 };
    for (const l of lines) {
      const row = raw[l.meta!.record_index as number];
      const cases = row.tests as Array<{ input: string; output: string; testtype: string }>;
      if (cases[0].testtype === 'stdin') {
        kinds.stdio++;
        expect(l.tests).toEqual(cases.map((c) => ({ type: 'stdio', stdin: c.input, stdout: c.output, compare: 'lines' })));
        expect(l.setup).toBe(LCB_PRELUDE);
        expect(l.harness).toBe('apps');
      } else {
        kinds.call++;
        const fn = starterMethod(row.starter_code)!;
        expect(l.tests).toEqual(cases.map((c) => ({
          type: 'call', fn, args: c.input.split('\n').filter((x) => x.trim() !== '').map((x) => JSON.parse(x) as unknown), expected: JSON.parse(c.output) as unknown,
        })));
        expect(l.setup).toBe(`${LCB_PRELUDE}def ${fn}(*args, **kwargs):\n    return Solution().${fn}(*args, **kwargs)\n`);
        expect(l.harness).toBeUndefined();
        expect(l.meta).toMatchObject({ test_kind: 'call', func_name: fn, starter_code: row.starter_code });
      }
    }
    expect(kinds).toEqual({ stdio: 19, call: 11 });
  });

  it('the label rules make the tests: a row\'s tests sent as a label give the same tests (only the comparator differs)', async () => {
    for (const s of ['code_contests', 'codeforces', 'livecodebench'] as const) {
      const raw = rows(s);
      const { lines } = await convertSample(s);
      for (const l of lines) {
        const row = raw[l.meta!.record_index as number];
        const fn = l.meta!.func_name as string | undefined;
        const label = testsFromLabel(fn === undefined ? row.tests : { tests: row.tests, metadata: { func_name: fn } });
        expect(l.tests.map((t) => (t.type === 'stdio' ? { ...t, compare: undefined } : t)))
          .toEqual(label.tests.map((t) => (t.type === 'stdio' ? { ...t, compare: undefined } : t)));
      }
    }
  });

  it('leetcodedataset: one assert test per assert of check, calling the candidate of its trailing check(...), after the LeetCode prelude', async () => {
    const raw = rows('leetcodedataset');
    const { lines } = await convertSample('leetcodedataset');
    for (const l of lines) {
      const row = raw[l.meta!.record_index as number];
      const functional = (row.tests as { functional: string }).functional;
      const candidate = /check\((.*)\)\s*$/.exec(functional)![1];
      const asserts = functional.split('\n').filter((x) => /^\s+assert\b/.test(x));
      expect(l.tests.length).toBe(asserts.length);
      l.tests.forEach((t, i) => {
        expect(t.type).toBe('assert');
        const code = (t as { code: string }).code;
        expect(code).toBe(`def check(candidate):\n${asserts[i]}\n\ncheck(${candidate})\n`);
      });
      expect(l.setup).toBe(LEETCODE_PRELUDE);
      expect(l.rollouts).toEqual([row.solutions]);
      expect(l.meta).toMatchObject({ test_kind: 'assert', entry_point: candidate, method: candidate.replace('Solution().', ''), solution_correct: [true] });
    }
    const [first] = lines;
    expect(first.meta!.entry_point).toBe('Solution().mostExpensiveItem');
  });

  it('marks the problems whose statement accepts several answers, in every source', async () => {
    const marked: Record<string, number[]> = {};
    for (const s of SOURCES) {
      const { lines } = await convertSample(s);
      marked[s] = lines.filter((l) => l.meta!.needs_checker === true).map((l) => l.meta!.record_index as number);
    }
    expect(marked).toEqual({ code_contests: [1, 6, 8, 17, 18, 20, 26], codeforces: [15, 16, 26], livecodebench: [], leetcodedataset: [8] });
  });

  it('without withSolutions, no rollouts', async () => {
    const { lines, stats } = await convertSample('leetcodedataset', false);
    expect(lines.every((l) => l.rollouts === undefined && l.meta!.solution_correct === undefined)).toBe(true);
    expect(stats.rollouts).toBe(0);
  });
});

describe('convert deepcoder: shapes and errors', () => {
  const one = (row: object, options = {}) => [...convertDataset('deepcoder', JSON.stringify(row), options)];

  it('tells the source from the shape of tests', () => {
    expect(deepCoderSource({ inputs: ['1\n'], outputs: ['1\n'] })).toBe('code_contests');
    expect(deepCoderSource([{ input: '1', output: '1' }])).toBe('codeforces');
    expect(deepCoderSource([{ input: '1', output: '1', testtype: 'stdin' }])).toBe('livecodebench');
    expect(deepCoderSource({ functional: 'def check(candidate):\n    assert candidate(1) == 1\n\ncheck(f)' })).toBe('leetcodedataset');
    expect(deepCoderSource('text')).toBeUndefined();
  });

  it('reads tests given as JSON text (the Hugging Face copy) like tests given as values', () => {
    const tests = [{ input: '1 2\n', output: '3\n', testtype: 'stdin' }];
    expect(one({ problem: 'sum', tests: JSON.stringify(tests) })[0].tests).toEqual(one({ problem: 'sum', tests })[0].tests);
  });

  it('call-based code_contests rows (fn_name) call the function, after the grader\'s imports and the Solution() forwarder', () => {
    const [l] = one({ problem: 'p', tests: { inputs: [[1, 2]], outputs: [[3]], fn_name: 'add' } });
    expect(l.tests).toEqual([{ type: 'call', fn: 'add', args: [1, 2], expected: 3 }]);
    expect(l.setup).toBe(`${APPS_PRELUDE}def add(*args, **kwargs):\n    return Solution().add(*args, **kwargs)\n`);
    expect(l.harness).toBeUndefined();
  });

  it('a functional case\'s own metadata.func_name wins over the starter code', () => {
    const [l] = one({ problem: 'p', starter_code: 'class Solution:\n    def other(self, x):\n        ',
      tests: [{ input: '1', output: '2', testtype: 'functional', metadata: { func_name: 'double' } }] });
    expect(l.tests).toEqual([{ type: 'call', fn: 'double', args: [1], expected: 2 }]);
  });

  it('solutions: a program or a list of programs (or its JSON text); empty ones are none', () => {
    const row = { problem: 'p', tests: { functional: 'def check(candidate):\n    assert candidate(1) == 1\n\ncheck(Solution().f)' } };
    expect(one({ ...row, solutions: ['a = 1\n', 'b = 2\n'] }, { withSolutions: true })[0].rollouts).toEqual(['a = 1\n', 'b = 2\n']);
    expect(one({ ...row, solutions: '["a = 1\\n"]' }, { withSolutions: true })[0].rollouts).toEqual(['a = 1\n']);
    expect(one({ ...row, solutions: '' }, { withSolutions: true })[0].rollouts).toBeUndefined();
  });

  it('recognises interactive statements, not the word in passing', () => {
    expect(isInteractive('This is an interactive problem.\n')).toBe(true);
    expect(isInteractive('Input\n...\n\nInteraction\n\nFirst read n.')).toBe(true);
    expect(isInteractive('This is a non-interactive problem about interactive problems setters.')).toBe(false);
  });

  it('names the record and field of a malformed row', () => {
    const bad = (row: object) => () => one(row);
    expect(bad({ problem: 'p' })).toThrow('deepcoder line 1: tests: is missing: the row has no tests');
    expect(bad({ problem: 'p', tests: '{oops' })).toThrow(/^deepcoder line 1: tests: not valid JSON/);
    expect(bad({ problem: 'p', tests: 7 })).toThrow('deepcoder line 1: tests: expected {inputs, outputs}, [{input, output, testtype?}] or {functional}, got number 7');
    expect(bad({ problem: 'p', tests: { inputs: ['1'], outputs: [] } })).toThrow('deepcoder line 1: tests: 1 inputs but 0 outputs');
    expect(bad({ problem: 'p', tests: [{ input: 1, output: '1' }] })).toThrow('deepcoder line 1: tests[0].input: expected a string, got number 1');
    expect(bad({ problem: 'p', starter_code: '', tests: [{ input: '1', output: '1', testtype: 'functional' }] }))
      .toThrow("deepcoder line 1: starter_code: functional tests need the function's name: no case names it (metadata.func_name) and the starter code declares no method");
    expect(bad({ problem: 'p', tests: [{ input: '1', output: 'not json', testtype: 'functional', metadata: { func_name: 'f' } }] }))
      .toThrow('deepcoder line 1: tests[0].output: expected a JSON value, got the string "not json"');
    expect(bad({ problem: 'p', tests: { functional: 'def check(candidate):\n    assert candidate(1) == 1\n' } }))
      .toThrow('deepcoder line 1: tests.functional: no trailing check(<candidate>) call names what to test');
    expect(bad({ problem: 'p', tests: { functional: 'def check(candidate):\n    pass\n\ncheck(f)' } }))
      .toThrow('deepcoder line 1: tests.functional: check(candidate) holds no assert to test');
  });
});

// ---- through the executor ---------------------------------------------------------------------------

const Executor = await executorOrSkip('deepcoder executor tests');

/** Correct programs written for a few of the rows that carry no reference (record index -> program). */
const WRITTEN: Partial<Record<Source, Record<number, string>>> = {
  // CF 1607A: the time to type s is the sum of the distances between consecutive letters' keys
  code_contests: { 0: 't = int(input())\nfor _ in range(t):\n    kb = input().strip(); s = input().strip()\n    pos = {c: i for i, c in enumerate(kb)}\n    print(sum(abs(pos[s[i]] - pos[s[i - 1]]) for i in range(1, len(s))))\n' },
  codeforces: {
    // "10^x" written without the caret: 10 then x >= 2 without a leading zero
    7: 'import sys\nfor a in sys.stdin.read().split()[1:]:\n    print("YES" if a.startswith("10") and len(a) > 2 and a[2] != "0" and int(a[2:]) >= 2 else "NO")\n',
    // the expected output has a space before each newline of the pairs (its author's print); this prints none
    9: 'import sys\nout = []\nfor n in map(int, sys.stdin.read().split()[1:]):\n    s = str(n); found = []\n    for a in range(1, 10001):\n        for k in range(1, 8):\n            b = len(s) * a - k\n            if 1 <= b <= min(10000, a * n) and int((s * (k // len(s) + 1))[:k]) == n * a - b:\n                found.append(f"{a} {b}")\n    out.append(str(len(found))); out.extend(found)\nprint("\\n".join(out))\n',
    25: 'for _ in range(int(input())):\n    n = int(input()); s = input()\n    print(sum(min(n, s.count(c)) for c in "ABCD"))\n',
  },
  livecodebench: {
    18: 'n = input().strip()\nprint("Yes" if n.count("1") == 1 and n.count("2") == 2 and n.count("3") == 3 else "No")\n',
    22: 'class Solution:\n    def possibleStringCount(self, word: str) -> int:\n        return 1 + sum(word[i] == word[i - 1] for i in range(1, len(word)))\n',
    28: 'class Solution:\n    def isBalanced(self, num: str) -> bool:\n        return sum(map(int, num[::2])) == sum(map(int, num[1::2]))\n',
  },
};

/** A program that answers nothing right: prints a word no test expects, or a method that returns None. */
function wrongProgram(l: ContractLine): string {
  const method = (l.meta!.method ?? l.meta!.func_name) as string | undefined;
  if (method === undefined) return 'print("verpo: not an answer")\n';
  return `class Solution:\n    def ${method}(self, *args, **kwargs):\n        return None\n`;
}

describe.skipIf(Executor === null)('converted deepcoder rows through the executor', () => {
  let ex: ExecutorType;
  beforeAll(() => {
    ex = new Executor!({ concurrency: 2, limits: { cpuMs: 10000, wallMs: 30000 } });
  });
  afterAll(async () => {
    await ex?.close();
  });
  const run = (l: ContractLine, code: string): Promise<RunResult> => ex.run({ language: 'python', code, setup: l.setup, tests: l.tests });
  const verdicts = (r: RunResult) => r.tests.map((t) => t.verdict);

  it('leetcodedataset: every reference solution is AC on every test (30 rows, 68 tests); a method returning None is AC on none', async () => {
    const { lines } = await convertSample('leetcodedataset');
    const failures: string[] = [];
    let ac = 0;
    await Promise.all(lines.map(async (l) => {
      const r = await run(l, l.rollouts![0]);
      r.tests.forEach((t, i) => (t.verdict === 'AC' ? ac++ : failures.push(`${l.id} test ${i}: ${t.verdict} ${t.detail ?? ''}`)));
      if (!r.compile.ok) failures.push(`${l.id}: ${r.compile.message}`);
      const w = await run(l, wrongProgram(l));
      if (verdicts(w).some((v) => v === 'AC')) failures.push(`${l.id}: the wrong program passes ${verdicts(w).join(',')}`);
    }));
    expect(failures).toEqual([]);
    expect(ac).toBe(68);
  }, 600_000);

  it('stdio and call rows: the programs written here are AC, a trivially wrong program is AC on no test of any row', async () => {
    const failures: string[] = [];
    const written: string[] = [];
    for (const s of ['code_contests', 'codeforces', 'livecodebench'] as const) {
      const { lines } = await convertSample(s);
      await Promise.all(lines.map(async (l) => {
        const w = await run(l, wrongProgram(l));
        if (w.tests.length !== l.tests.length || verdicts(w).some((v) => v === 'AC')) failures.push(`${l.id}: wrong program ${verdicts(w).join(',')}`);
        const good = WRITTEN[s]?.[l.meta!.record_index as number];
        if (good === undefined) return;
        const r = await run(l, good);
        if (verdicts(r).some((v) => v !== 'AC')) failures.push(`${l.id}: written program ${r.tests.map((t) => `${t.verdict} ${t.detail ?? ''}`).join('; ')}`);
        else written.push(l.id);
      }));
    }
    expect(failures).toEqual([]);
    expect(written.sort()).toEqual([
      'deepcoder/code_contests/0', 'deepcoder/codeforces/25', 'deepcoder/codeforces/7', 'deepcoder/codeforces/9',
      'deepcoder/livecodebench/18', 'deepcoder/livecodebench/22', 'deepcoder/livecodebench/28',
    ]);
  }, 600_000);

  it('the comparators: codeforces\' whole-output strip (nearly: whitespace), LiveCodeBench\'s stripped lines', async () => {
    const cf = (await convertSample('codeforces')).lines.find((l) => l.id === 'deepcoder/codeforces/25')!;
    const lcb = (await convertSample('livecodebench')).lines.find((l) => l.id === 'deepcoder/livecodebench/18')!;
    const echo = (text: string) => `import sys\nsys.stdout.write(${JSON.stringify(text)})\n`;
    const cfOut = '4\n2\n4\n0\n9\n13';
    expect(verdicts(await run({ ...cf, tests: cf.tests.slice(0, 1) }, echo(cfOut + '\n\n')))).toEqual(['AC']);
    expect(verdicts(await run({ ...cf, tests: cf.tests.slice(0, 1) }, echo(cfOut.replace(/\n/g, ' \n'))))).toEqual(['AC']);
    expect(verdicts(await run({ ...cf, tests: cf.tests.slice(0, 1) }, echo(cfOut.replace(/\n/g, ' '))))).toEqual(['WA']);
    // LCB strips each line: leading spaces of a line are nothing; tokens must still be the same
    expect(verdicts(await run({ ...lcb, tests: lcb.tests.slice(0, 1) }, echo('  Yes  \n')))).toEqual(['AC']);
    expect(verdicts(await run({ ...lcb, tests: lcb.tests.slice(0, 1) }, echo('yes\n')))).toEqual(['WA']);
  }, 120_000);
});
