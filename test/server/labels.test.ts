// Labels as the datasets and the trainers' data preparation write them (lib/datasets/label-rules.ts):
// LiveCodeBench functional cases, DeepCoder / rLLM ground truths, verl's fn_name / assert_case ground
// truths, APPS/TACO call-based rows with inputs and outputs as text. Correct code must score 1.0 through
// the server (here OpenRLHF's /get_reward, one sample per request as OpenRLHF sends it), wrong code 0.0,
// and the converters must read the same data the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { testsFromLabel, LabelError } from '../../lib/datasets/label-rules';
import { convertLiveCodeBenchRecord } from '../../lib/datasets/livecodebench';
import { convertAppsRecord } from '../../lib/datasets/apps';
import { LCB_PRELUDE } from '../../lib/datasets/python-preludes';
import { post, serve } from './helpers';

let server: VerpoServer;
beforeAll(async () => {
  server = await serve();
});
afterAll(async () => {
  await server.close();
});

const fence = (code: string) => `Here is my solution.\n\`\`\`python\n${code}\`\`\`\n`;

/** One sample through OpenRLHF's wire: its reward and, if any, why it has none. */
async function reward(program: string, label: unknown): Promise<{ reward: number; error: string | null }> {
  const r = await post(server.url, '/get_reward', { query: [fence(program)], prompts: [''], labels: [label] });
  expect(r.status).toBe(200);
  return { reward: r.json.rewards[0], error: r.json.errors[0] };
}

// LiveCodeBench release test 510 (the case verl's own sandbox_fusion tests use), LeetCode style
const OCCURRENCES = `class Solution:
    def occurrencesOfElement(self, nums: List[int], queries: List[int], x: int) -> List[int]:
        positions = defaultdict(list)
        for idx, num in enumerate(nums):
            positions[num].append(idx)
        xs = positions[x]
        return [xs[k - 1] if k <= len(xs) else -1 for k in queries]
`;
const OCCURRENCES_WRONG = OCCURRENCES.replace('xs[k - 1]', 'xs[0]');
const LCB_CASES = [
  { input: '[1, 3, 1, 7]\n[1, 3, 2, 4]\n1', output: '[0, -1, 2, -1]', testtype: 'functional' },
  { input: '[1, 2, 3]\n[10]\n5', output: '[-1]', testtype: 'functional' },
];

describe('labels as the datasets write them: correct code scores 1.0', () => {
  it('LiveCodeBench functional cases as rLLM / DeepCoder ground truth (JSON text, func_name on each case)', async () => {
    const label = JSON.stringify(LCB_CASES.map((c) => ({ ...c, metadata: { func_name: 'occurrencesOfElement' } })));
    expect(await reward(OCCURRENCES, label)).toEqual({ reward: 1, error: null });
    expect((await reward(OCCURRENCES_WRONG, label)).reward).toBe(0.5);
  });

  it('a DeepCoder row: tests as JSON text, func_name in its metadata (text or object)', async () => {
    for (const metadata of [JSON.stringify({ func_name: 'occurrencesOfElement' }), { func_name: 'occurrencesOfElement' }]) {
      const row = { problem: '...', tests: JSON.stringify(LCB_CASES), metadata };
      expect(await reward(OCCURRENCES, row)).toEqual({ reward: 1, error: null });
    }
  });

  it('a LiveCodeBench row itself (public_test_cases, metadata), read as the converter reads it', async () => {
    const row = { question_id: '510', public_test_cases: JSON.stringify(LCB_CASES.slice(0, 1)), private_test_cases: JSON.stringify(LCB_CASES.slice(1)),
      metadata: JSON.stringify({ func_name: 'occurrencesOfElement' }), starter_code: 'class Solution:\n    def occurrencesOfElement(self, nums: List[int], queries: List[int], x: int) -> List[int]:\n        ' };
    expect(await reward(OCCURRENCES, JSON.stringify(row))).toEqual({ reward: 1, error: null });
    const converted = convertLiveCodeBenchRecord(row, { dataset: 'livecodebench', index: 0 }, {});
    const labelled = testsFromLabel(row);
    expect(labelled.tests).toEqual(converted.tests);
    expect(labelled.setup).toBe(converted.setup);
  });

  it('verl\'s fn_name ground truth: inputs one JSON value per line, outputs the JSON text of the value', async () => {
    const gt = { fn_name: 'occurrencesOfElement', inputs: LCB_CASES.map((c) => c.input), outputs: LCB_CASES.map((c) => c.output) };
    expect(await reward(OCCURRENCES, JSON.stringify(gt))).toEqual({ reward: 1, error: null });
    // a plain function is called directly (verl: the global function first, then Solution().<fn_name>)
    const plain = 'def total(arr):\n    while len(arr) > 1:\n        arr = [x + y for (x, y) in zip(arr, arr[1:])]\n    return arr[0]\n';
    expect(await reward(plain, { fn_name: 'total', inputs: ['[1, 2, 3, 4, 5]\n', '[42]'], outputs: ['48\n', '42'] })).toEqual({ reward: 1, error: null });
    // verl prints str(result) for a str: an output that is not JSON is the string itself
    expect(await reward('def greet(n):\n    return "hello " + n\n', { fn_name: 'greet', inputs: ['"bob"'], outputs: ['hello bob'] }))
      .toEqual({ reward: 1, error: null });
  });

  it('APPS call-based with inputs and outputs as strings, and as an APPS/TACO row\'s input_output text', async () => {
    const addBinary = 'def add_binary(a, b):\n    return bin(a + b)[2:]\n';
    expect(await reward(addBinary, JSON.stringify({ fn_name: 'add_binary', inputs: ['1\n2', '2\n3'], outputs: ['"11"', '"101"'] })))
      .toEqual({ reward: 1, error: null });
    const anagram = 'def is_anagram(test, original):\n    return sorted(original.lower()) == sorted(test.lower())\n';
    const io = { fn_name: 'is_anagram', inputs: [['foefet', 'toffee'], ['dumble', 'bumble']], outputs: [[true], [false]] };
    expect(await reward(anagram, { input_output: JSON.stringify(io) })).toEqual({ reward: 1, error: null });
    // the converter reads the same row the same way
    const converted = convertAppsRecord({ problem_id: 1, input_output: JSON.stringify({ fn_name: 'add_binary', inputs: ['1\n2'], outputs: ['"11"'] }) },
      { dataset: 'apps', index: 0 }, {});
    expect(converted.tests).toEqual([{ type: 'call', fn: 'add_binary', args: [1, 2], expected: '11' }]);
  });

  it('verl\'s assert_case ground truth with the "" / None padding verl adds', async () => {
    const merge = 'def merge_intervals(iv):\n    iv = sorted(iv)\n    out = [iv[0]]\n    for a, b in iv[1:]:\n        if a <= out[-1][1]:\n            out[-1] = (out[-1][0], max(out[-1][1], b))\n        else:\n            out.append((a, b))\n    return out\n';
    const gt = { fn_name: 'merge_intervals', assert_case: ['assert merge_intervals([(1, 2), (2, 3), (3, 4)]) == [(1, 4)]', 'assert merge_intervals([(0, 1), (3, 5), (4, 7)]) == [(0, 1), (3, 7)]'],
      inputs: ['', ''], outputs: [null, null] };
    expect(testsFromLabel(gt).tests.map((t) => t.type)).toEqual(['assert', 'assert']);
    expect(await reward(merge, gt)).toEqual({ reward: 1, error: null });
  });

  it('stdio ground truths: verl\'s None stdin, DeepCoder\'s stdin_stdout cases', async () => {
    const echo = 'import sys\nprint(f"You said \'{sys.stdin.readline().strip()}\'")\n';
    expect(await reward(echo, { inputs: [null, '', 'hello'], outputs: ["You said ''", "You said ''", "You said 'hello'"] })).toEqual({ reward: 1, error: null });
    const sum = 'print(sum(map(int, input().split())))\n';
    expect(await reward(sum, [{ input: '1 2\n', output: '3\n', testtype: 'stdin_stdout' }, { input: '5 5\n', output: '10\n', testtype: 'stdin' }]))
      .toEqual({ reward: 1, error: null });
  });
});

describe('the label rules', () => {
  it('call inputs: argument lists as given, text one JSON value per line (blank lines skipped)', () => {
    expect(testsFromLabel({ fn_name: 'f', inputs: [[1, [2]]], outputs: [[3]] }).tests).toEqual([{ type: 'call', fn: 'f', args: [1, [2]], expected: 3 }]);
    expect(testsFromLabel({ fn_name: 'f', inputs: ['1\n\n[2]\n'], outputs: ['3'] }).tests).toEqual([{ type: 'call', fn: 'f', args: [1, [2]], expected: 3 }]);
  });

  it('call outputs: text is the value\'s JSON (never compared as a string); values follow APPS\'s one-element-list convention', () => {
    const expected = (outputs: unknown[]) => testsFromLabel({ fn_name: 'f', inputs: outputs.map(() => '1'), outputs }).tests.map((t) => (t as { expected: unknown }).expected);
    expect(expected(['3', '[1, 2]', 'true', 'null', '"s"'])).toEqual([3, [1, 2], true, null, 's']);
    expect(expected([[3], [[1, 2]]])).toEqual([3, [1, 2]]);
    expect(expected([[3], 4])).toEqual([[3], 4]);
  });

  it('LiveCodeBench cases must hold JSON outputs; one function per label', () => {
    const bad = [{ input: '1', output: 'not json', testtype: 'functional', metadata: { func_name: 'f' } }];
    expect(() => testsFromLabel(bad)).toThrow(LabelError);
    expect(() => testsFromLabel(bad)).toThrow('label[0].output: expected a JSON value, got the string "not json"');
    expect(() => testsFromLabel([{ input: '1', output: '1', testtype: 'functional' }])).toThrow('label[0].metadata.func_name: functional tests need a Python function name');
    const two = [{ input: '1', output: '1', testtype: 'functional', metadata: { func_name: 'f' } }, { input: '1', output: '1', testtype: 'functional', metadata: { func_name: 'g' } }];
    expect(() => testsFromLabel(two)).toThrow('label[1].metadata.func_name: is g, but an earlier case calls f');
  });

  it('setup: call tests get LCB\'s import prelude (List, defaultdict...) and the Solution() forwarder; verpo\'s own form is kept as is', () => {
    const g = testsFromLabel({ fn_name: 'f', inputs: ['1'], outputs: ['1'] });
    expect(g.setup).toBe(`${LCB_PRELUDE}def f(*args, **kwargs):\n    return Solution().f(*args, **kwargs)\n`);
    const own = { tests: [{ type: 'assert', code: 'assert f() == 1' }], setup: 'import math', limits: { cpu_ms: 500 } };
    expect(testsFromLabel(JSON.stringify(own))).toEqual(own);
  });

  it('empty and test-less labels are errors naming the field', () => {
    expect(() => testsFromLabel('')).toThrow('label: is empty');
    expect(() => testsFromLabel('  ')).toThrow('label: is empty');
    expect(() => testsFromLabel([])).toThrow('label: is empty: the label has no tests');
    expect(() => testsFromLabel({ inputs: [], outputs: [] })).toThrow('label.inputs: is empty');
    expect(() => testsFromLabel({ inputs: ['1'], outputs: [] })).toThrow('label: 1 inputs but 0 outputs');
    expect(() => testsFromLabel({ assert_case: [] })).toThrow('label: has no tests');
    expect(() => testsFromLabel(42)).toThrow('label: expected a JSON object or an array of test cases');
  });
});
