// Real CodeContests records of two problems that accept several answers (test/fixtures/realworld/
// codecontests_multi_answer2.jsonl.gz): their reference solutions print other valid answers than the tests
// hold, so a text comparison calls correct programs wrong. With a checker on the line (Python for 1144F, C++
// with testlib.h for 698B; test/fixtures/checkers/) the references are AC on every test and wrong programs
// are still WA.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDatasetFile, type ContractLine } from '../../lib/datasets';
import { Executor } from '../../lib/exec';
import type { Checker } from '../../lib/exec';
import { score } from '../../lib/pipeline/score';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const RECORDS = path.join(FIXTURES, 'realworld', 'codecontests_multi_answer2.jsonl.gz');
const CHECKERS: Record<string, Checker> = {
  'codecontests/1144_F. Graph Without Long Directed Paths': { language: 'python', source: readFileSync(path.join(FIXTURES, 'checkers', '1144F.py'), 'utf8') },
  'codecontests/698_B. Fix a Tree': { language: 'cpp', source: readFileSync(path.join(FIXTURES, 'checkers', '698B.cpp'), 'utf8') },
};
// another right answer than the tests hold (the other orientation of the bipartition); 698B's reference already
// prints another one than the tests on some of them
const OTHER_RIGHT = "import sys\nfrom collections import deque\ndef main():\n    d = sys.stdin.buffer.read().split()\n    n, m = int(d[0]), int(d[1])\n    g = [[] for _ in range(n + 1)]\n    E = []\n    for i in range(m):\n        u, v = int(d[2 + 2 * i]), int(d[3 + 2 * i])\n        g[u].append(v); g[v].append(u); E.append((u, v))\n    c = [-1] * (n + 1); c[1] = 0; q = deque([1])\n    while q:\n        x = q.popleft()\n        for y in g[x]:\n            if c[y] < 0:\n                c[y] = c[x] ^ 1; q.append(y)\n            elif c[y] == c[x]:\n                print(\"NO\"); return\n    print(\"YES\")\n    print(\"\".join(\"0\" if c[u] == 0 else \"1\" for u, v in E))\nmain()\n";
// wrong programs: every edge one way (a vertex in the middle of a path fails); no change at all
const WRONG: Record<string, string> = {
  'codecontests/1144_F. Graph Without Long Directed Paths': 'n, m = map(int, input().split())\nprint("YES")\nprint("0" * m)\n',
  'codecontests/698_B. Fix a Tree': 'n = int(input())\na = input()\nprint(0)\nprint(a)\n',
};

async function lines(): Promise<ContractLine[]> {
  const out: ContractLine[] = [];
  for await (const l of convertDatasetFile('codecontests', RECORDS, { withSolutions: true })) out.push(l);
  return out;
}

function withChecker(l: ContractLine): ContractLine {
  return { ...l, checker: CHECKERS[String(l.id)], tests: l.tests.map((t) => (t.type === 'stdio' ? { ...t, compare: 'checker' as const } : t)) } as ContractLine;
}

async function verdicts(ex: Executor, input: ContractLine[]): Promise<Record<string, string[][]>> {
  const out: Record<string, string[][]> = {};
  for await (const r of score(input, { executor: ex, mode: 'run' })) {
    expect(r.output.error).toBeNull();
    out[String(r.output.id)] = (r.output.rollouts ?? []).map((row) => row.verdicts ?? []);
  }
  return out;
}

describe('CodeContests problems with several answers, judged by checkers', () => {
  let ex: Executor;
  beforeAll(() => {
    ex = new Executor({ concurrency: 2, testlib: path.join(FIXTURES, 'testlib-mini') });
  });
  afterAll(async () => ex?.close());

  it('the converter marks both as needing a checker, and text comparison calls right answers wrong', async () => {
    const ls = await lines();
    expect(ls.map((l) => l.id).sort()).toEqual(Object.keys(CHECKERS).sort());
    for (const l of ls) expect(l.meta?.needs_checker).toBe(true);
    const got = await verdicts(ex, ls.map((l) => (String(l.id).includes('1144_F') ? { ...l, rollouts: [OTHER_RIGHT] } : l)));
    for (const [id, rows] of Object.entries(got)) expect(rows[0].some((v) => v === 'WA'), `${id}: ${rows[0].join(' ')}`).toBe(true);
  });

  it('with the checkers, each reference solution is AC on every test and a wrong program is WA', async () => {
    const ls = (await lines()).map((l) => ({ ...withChecker(l), rollouts: [...(l.rollouts ?? []), WRONG[String(l.id)], OTHER_RIGHT] }));
    const got = await verdicts(ex, ls);
    for (const l of ls) {
      const [reference, wrong, other] = got[String(l.id)];
      expect(reference.length).toBe(l.tests.length);
      expect(reference.every((v) => v === 'AC'), `${l.id}: ${reference.join(' ')}`).toBe(true);
      if (String(l.id).includes('1144_F')) expect(other.every((v) => v === 'AC'), other.join(' ')).toBe(true);
      expect(wrong.filter((v) => v === 'WA').length, `${l.id}: ${wrong.join(' ')}`).toBeGreaterThan(l.tests.length / 2);
      expect(wrong.every((v) => v === 'WA' || v === 'AC')).toBe(true);
    }
  }, 300_000);
});
