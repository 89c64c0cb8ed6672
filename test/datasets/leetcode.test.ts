// LeetCode rows -> contract lines: DeepSeek-Coder's LeetCode contest sample (20 rows, test/fixtures/realworld/)
// and rows in LeetCodeDataset's own shape, then through the real executor: programs written here for a few
// DeepSeek problems (both linked-list ones among them, with and without the stub's ListNode) are AC on all
// 100 tests, a method returning None is AC on none; LeetCode's node helpers in setup (list_node, tree_node,
// is_same_list, is_same_tree) judge a program's nodes.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertDataset, convertDatasetFile, DatasetRecordError, type ContractLine } from '../../lib/datasets';
import { DEEPSEEK_PRELUDE, deepseekStub, deepseekTests, LEETCODE_PRELUDE, stubClasses } from '../../lib/datasets/leetcode';
import type { AssertTest } from '../../lib/exec/types';
import type { Executor as ExecutorType, RunResult } from '../../lib/exec';
import { expectValidLine } from './convert-helpers';
import { executorOrSkip } from './executor-or-skip';

const FILE = path.resolve(__dirname, '..', 'fixtures', 'realworld', 'deepseek_leetcode_20240121_sample20.jsonl');
type DeepSeekRow = { task_id: string; prompt: string; prompt_sft: string; test: string; url: string; meta: Record<string, unknown> };
const ROWS = readFileSync(FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DeepSeekRow);
const LIST_NODE = 'class ListNode:\n    def __init__(self, val=0, next=None):\n        self.val = val\n        self.next = next';

async function deepseekLines(): Promise<{ lines: ContractLine[]; skipped: DatasetRecordError[]; stats: object }> {
  const skipped: DatasetRecordError[] = [];
  const c = convertDatasetFile('leetcode', FILE, { withSolutions: true, onError: (e) => skipped.push(e) });
  const lines: ContractLine[] = [];
  for await (const l of c) lines.push(l);
  return { lines, skipped, stats: c.stats };
}
const code = (t: { type: string }) => (t as AssertTest).code;

describe('convert leetcode: DeepSeek-Coder\'s sample', () => {
  it('converts all 20 rows into 2000 tests, 100 per row, schema-valid, none skipped', async () => {
    const { lines, skipped, stats } = await deepseekLines();
    expect(skipped).toEqual([]);
    expect(stats).toEqual({ records: 20, converted: 20, skipped: 0, rollouts: 0, withoutSolutions: 20, tests: 2000 });
    lines.forEach((l, i) => {
      expectValidLine(l);
      expect(l.id).toBe(`leetcode/${ROWS[i].task_id}`);
      expect(l.tests.length).toBe(100);
      expect(l.prompt).toBe(ROWS[i].prompt_sft);
      expect(l.rollouts).toBeUndefined();
    });
  });

  it('each assert is one test: the shared statements, its own case\'s test_input, the assert — in the source\'s order', async () => {
    const { lines } = await deepseekLines();
    lines.forEach((l, i) => {
      const source = ROWS[i].test.split('\n');
      const inputs = source.filter((x) => x.startsWith('test_input = '));
      const asserts = source.filter((x) => x.startsWith('assert '));
      const shared = source.filter((x) => /^(my_solution|_f1|_f2) = /.test(x));
      expect(shared.length).toBe(i < 2 ? 3 : 1);
      l.tests.forEach((t, k) => {
        expect(t.type).toBe('assert');
        expect(code(t)).toBe([...shared, inputs[k], asserts[k], ''].join('\n'));
      });
    });
  });

  it('setup: DeepSeek\'s import list, plus the stub\'s ListNode where the stub defines one; meta: the stub, its method', async () => {
    const { lines } = await deepseekLines();
    lines.forEach((l, i) => {
      const stub = deepseekStub(ROWS[i].prompt);
      if (i < 2) {
        expect(l.setup).toBe(`${DEEPSEEK_PRELUDE}\n${LIST_NODE}\n`);
        expect(l.meta!.stub_classes).toEqual(['ListNode']);
      } else {
        expect(l.setup).toBe(DEEPSEEK_PRELUDE);
        expect(l.meta!.stub_classes).toBeUndefined();
      }
      expect(stub).toMatch(/^(# Definition for singly-linked list\.\n)?(class ListNode:[\s\S]*)?class Solution:\n {4}def \w+\(self/);
      expect(l.meta).toMatchObject({ dataset: 'leetcode', source: 'deepseek-coder', test_kind: 'assert', task_id: ROWS[i].task_id, stub,
        method: /class Solution:\n\s+def (\w+)\(self/.exec(stub)![1], difficulty: ROWS[i].meta.difficulty, url: ROWS[i].url });
    });
    expect(lines[0].meta!.method).toBe('doubleIt');
  });

  it('deepseekTests: a later case\'s inputs supersede the earlier ones; other statements stay shared; compound asserts are one test', () => {
    const tests = deepseekTests([
      's = Solution()', 'test_input = {"a": 1}', 'extra = {"b": 2}', 'assert s.f(**test_input) == 1',
      'test_input = {"a": 2}', 'assert s.f(**test_input) == 2', 'assert s.f(**test_input) > 1',
      'def helper(x):', '    assert x', '    return x', 'for k in range(2):', '    assert s.f(a=k) == k', ''].join('\n'));
    expect(tests.map(code)).toEqual([
      's = Solution()\ntest_input = {"a": 1}\nextra = {"b": 2}\nassert s.f(**test_input) == 1\n',
      's = Solution()\nextra = {"b": 2}\ntest_input = {"a": 2}\nassert s.f(**test_input) == 2\n',
      's = Solution()\nextra = {"b": 2}\ntest_input = {"a": 2}\nassert s.f(**test_input) > 1\n',
      's = Solution()\nextra = {"b": 2}\ntest_input = {"a": 2}\ndef helper(x):\n    assert x\n    return x\nfor k in range(2):\n    assert s.f(a=k) == k\n',
    ]);
  });

  it('stubClasses takes the complete classes other than Solution', () => {
    expect(stubClasses(`# Definition for a binary tree node.\nclass TreeNode:\n    def __init__(self, val=0, left=None, right=None):\n        self.val = val\n        self.left = left\n        self.right = right\nclass Solution:\n    def f(self, root: Optional[TreeNode]) -> int:\n        `))
      .toEqual({ names: ['TreeNode'], code: 'class TreeNode:\n    def __init__(self, val=0, left=None, right=None):\n        self.val = val\n        self.left = left\n        self.right = right' });
  });

  it('names the record and field of a malformed row', () => {
    const row = ROWS[2];
    const bad = (r: object) => () => [...convertDataset('leetcode', JSON.stringify(r))];
    expect(bad({ ...row, test: 'my_solution = Solution()\n' })).toThrow('leetcode line 1: test: holds no assert to test');
    expect(bad({ ...row, test: 3 })).toThrow('leetcode line 1: test: expected a string of Python test code, got number 3');
    expect(bad({ ...row, task_id: undefined })).toThrow('leetcode line 1: task_id: expected a string, got missing');
  });
});

// rows in LeetCodeDataset's shape (human-eval format), written for these tests
const withPrompt = {
  task_id: 'count-even-digits', entry_point: 'Solution().countEven',
  prompt: 'from typing import *\nfrom collections import *\n',
  test: 'def check(candidate):\n    assert candidate(nums = [2, 3, 4]) == 2\n    assert candidate(nums = []) == 0\n    assert candidate(nums = [1]) == 0\n',
  completion: 'class Solution:\n    def countEven(self, nums: List[int]) -> int:\n        return Counter(x % 2 for x in nums)[0]\n',
  query: 'Return how many numbers of nums are even.\n```python\nclass Solution:\n    def countEven(self, nums: List[int]) -> int:\n```',
  meta: { question_id: 9001, difficulty: 'Easy', lang_code: 'class Solution:\n    def countEven(self, nums: List[int]) -> int:' },
};
const reverseList = {
  task_id: 'reverse-linked-list', entry_point: 'Solution().reverseList',
  test: 'def check(candidate):\n    assert is_same_list(candidate(head = list_node([1, 2, 3, 4])), list_node([4, 3, 2, 1]))\n' +
    '    assert is_same_list(candidate(head = list_node([])), list_node([]))\n    assert candidate(head = list_node([7])).val == 7\n',
  completion: 'class Solution:\n    def reverseList(self, head: Optional[ListNode]) -> Optional[ListNode]:\n        prev = None\n' +
    '        while head:\n            head.next, prev, head = prev, head, head.next\n        return prev\n',
  query: 'Reverse a singly linked list.',
};
const invertTree = {
  task_id: 'invert-binary-tree', entry_point: 'Solution().invertTree',
  test: 'def check(candidate):\n    assert is_same_tree(candidate(root = tree_node([4, 2, 7, 1, 3, 6, 9])), tree_node([4, 7, 2, 9, 6, 3, 1]))\n' +
    '    assert is_same_tree(candidate(root = tree_node([1, None, 2])), tree_node([1, 2]))\n    assert is_same_tree(candidate(root = tree_node([])), None)\n',
  completion: 'class Solution:\n    def invertTree(self, root: Optional[TreeNode]) -> Optional[TreeNode]:\n        if root:\n' +
    '            root.left, root.right = self.invertTree(root.right), self.invertTree(root.left)\n        return root\n',
  query: 'Invert a binary tree.',
};

describe('convert leetcode: LeetCodeDataset\'s shape', () => {
  const lines = [...convertDataset('leetcode', [withPrompt, reverseList, invertTree].map((r) => JSON.stringify(r)).join('\n'), { withSolutions: true })];

  it('splits check into one test per assert calling entry_point; its prompt is the setup; the completion the rollout', () => {
    const [l] = lines;
    expectValidLine(l);
    expect(l.id).toBe('leetcodedataset/count-even-digits');
    expect(l.setup).toBe(withPrompt.prompt);
    expect(l.tests.map(code)).toEqual([
      'def check(candidate):\n    assert candidate(nums = [2, 3, 4]) == 2\n\ncheck(Solution().countEven)\n',
      'def check(candidate):\n    assert candidate(nums = []) == 0\n\ncheck(Solution().countEven)\n',
      'def check(candidate):\n    assert candidate(nums = [1]) == 0\n\ncheck(Solution().countEven)\n',
    ]);
    expect(l.rollouts).toEqual([withPrompt.completion]);
    expect(l.prompt).toBe(withPrompt.query);
    expect(l.meta).toMatchObject({ dataset: 'leetcode', source: 'leetcodedataset', test_kind: 'assert', entry_point: 'Solution().countEven', method: 'countEven',
      question_id: 9001, difficulty: 'Easy', starter_code: withPrompt.meta.lang_code, solution_correct: [true] });
  });

  it('a row without its prompt gets the LeetCode prelude with the node classes and helpers', () => {
    expect(lines[1].setup).toBe(LEETCODE_PRELUDE);
    expect(LEETCODE_PRELUDE).toMatch(/^class ListNode:$/m);
    expect(LEETCODE_PRELUDE).toMatch(/^def is_same_tree\(p, q\):$/m);
  });

  it('names the field of a malformed row', () => {
    const bad = (r: object) => () => [...convertDataset('leetcode', JSON.stringify(r))];
    expect(bad({ ...withPrompt, entry_point: undefined, test: 'def check(candidate):\n    assert candidate(1) == 1\n' })).toThrow('leetcode line 1: entry_point: expected a string, got missing');
    expect(bad({ ...withPrompt, test: 'def check(candidate):\n    pass\n' })).toThrow('leetcode line 1: test: check(candidate) holds no assert to test');
  });
});

// ---- through the executor ---------------------------------------------------------------------------

const Executor = await executorOrSkip('leetcode executor tests');

/** Whole programs (rollouts) written here for some of DeepSeek's problems, by row index. */
const DOUBLE_IT = 'class Solution:\n    def doubleIt(self, head: Optional[ListNode]) -> Optional[ListNode]:\n        digits = []\n' +
  '        while head:\n            digits.append(head.val)\n            head = head.next\n        out, carry = None, 0\n' +
  '        for d in reversed(digits):\n            carry, v = divmod(2 * d + carry, 10)\n            out = ListNode(v, out)\n' +
  '        return ListNode(carry, out) if carry else out\n';
const INSERT_GCD = 'class Solution:\n    def insertGreatestCommonDivisors(self, head: Optional[ListNode]) -> Optional[ListNode]:\n' +
  '        node = head\n        while node.next:\n            node.next = ListNode(math.gcd(node.val, node.next.val), node.next)\n' +
  '            node = node.next.next\n        return head\n';
const WRITTEN: Record<number, string> = {
  0: DOUBLE_IT,
  1: INSERT_GCD,
  2: 'class Solution:\n    def minimumPushes(self, word: str) -> int:\n        counts = sorted(Counter(word).values(), reverse=True)\n        return sum(c * (i // 8 + 1) for i, c in enumerate(counts))\n',
  10: 'class Solution:\n    def maxFrequencyElements(self, nums: List[int]) -> int:\n        c = Counter(nums)\n        m = max(c.values())\n        return sum(v for v in c.values() if v == m)\n',
  14: 'class Solution:\n    def areaOfMaxDiagonal(self, dimensions: List[List[int]]) -> int:\n        return max((l * l + w * w, l * w) for l, w in dimensions)[1]\n',
  18: 'class Solution:\n    def missingInteger(self, nums: List[int]) -> int:\n        s, i = nums[0], 1\n' +
    '        while i < len(nums) and nums[i] == nums[i - 1] + 1:\n            s += nums[i]\n            i += 1\n' +
    '        present = set(nums)\n        while s in present:\n            s += 1\n        return s\n',
};
WRITTEN[4] = WRITTEN[2]; // minimum-number-of-pushes II: the same method, repeated letters

describe.skipIf(Executor === null)('converted leetcode rows through the executor', () => {
  let ex: ExecutorType;
  beforeAll(() => {
    ex = new Executor!({ concurrency: 2, limits: { cpuMs: 10000, wallMs: 30000 } });
  });
  afterAll(async () => {
    await ex?.close();
  });
  const run = (l: ContractLine, program: string, tests = l.tests): Promise<RunResult> => ex.run({ language: 'python', code: program, setup: l.setup, tests });
  const bad = (r: RunResult) => r.tests.map((t, i) => (t.verdict === 'AC' ? null : `test ${i}: ${t.verdict} ${t.detail ?? ''}`)).filter((x) => x !== null);

  it('DeepSeek: the programs written here are AC on all 100 tests of their rows (both linked-list rows with and without the stub\'s ListNode)', async () => {
    const { lines } = await deepseekLines();
    const failures: string[] = [];
    const programs: Array<[number, string, string]> = Object.entries(WRITTEN).map(([i, p]) => [Number(i), p, 'program']);
    programs.push([0, `${LIST_NODE}\n${DOUBLE_IT}`, 'program with the stub\'s ListNode'], [1, `${LIST_NODE}\n${INSERT_GCD}`, 'program with the stub\'s ListNode']);
    await Promise.all(programs.map(async ([i, program, what]) => {
      const r = await run(lines[i], program);
      if (!r.compile.ok || bad(r).length) failures.push(`${lines[i].id} (${what}): ${r.compile.message ?? ''} ${bad(r).slice(0, 3).join('; ')}`);
    }));
    expect(failures).toEqual([]);
  }, 600_000);

  it('DeepSeek: a method returning None, or the list handed back unchanged, is AC on none of the first 10 tests of any row', async () => {
    const { lines } = await deepseekLines();
    const passing: string[] = [];
    await Promise.all(lines.map(async (l) => {
      const r = await run(l, `class Solution:\n    def ${l.meta!.method as string}(self, *args, **kwargs):\n        return None\n`, l.tests.slice(0, 10));
      if (r.tests.length !== 10 || r.tests.some((t) => t.verdict === 'AC')) passing.push(`${l.id}: ${r.tests.map((t) => t.verdict).join(',')}`);
    }));
    // doubleIt returning its input: right only where doubling changes nothing ([0]), wrong on the others
    const same = await run(lines[0], 'class Solution:\n    def doubleIt(self, head):\n        return head\n', lines[0].tests.slice(0, 10));
    expect(same.tests.map((t) => t.verdict)).toEqual(['WA', 'WA', 'AC', 'WA', 'WA', 'WA', 'WA', 'WA', 'WA', 'WA']);
    expect(passing).toEqual([]);
  }, 600_000);

  it('LeetCodeDataset shape: the completions are AC with list_node / tree_node / is_same_* in setup; wrong programs are not', async () => {
    const lines = [...convertDataset('leetcode', [withPrompt, reverseList, invertTree].map((r) => JSON.stringify(r)).join('\n'), { withSolutions: true })];
    for (const l of lines) expect(bad(await run(l, l.rollouts![0])), l.id).toEqual([]);
    const verdicts = async (l: ContractLine, program: string) => (await run(l, program)).tests.map((t) => t.verdict);
    expect(await verdicts(lines[0], 'class Solution:\n    def countEven(self, nums):\n        return len(nums)\n')).toEqual(['WA', 'AC', 'WA']);
    expect(await verdicts(lines[1], 'class Solution:\n    def reverseList(self, head):\n        return head\n')).toEqual(['WA', 'AC', 'AC']);
    expect(await verdicts(lines[2], 'class Solution:\n    def invertTree(self, root):\n        return root\n')).toEqual(['WA', 'WA', 'AC']);
  }, 300_000);
});
