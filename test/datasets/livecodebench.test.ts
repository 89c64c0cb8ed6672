// LiveCodeBench -> contract lines. The private_test_cases blobs below were made once with CPython 3.11:
//   base64.b64encode(zlib.compress(pickle.dumps(json.dumps(cases), protocol=P)))
// and are decoded here without any unpickler (lib/datasets/pickle-string.ts).
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { convertDataset, decodeLcbBlob, readPickledString, type ContractLine } from '../../lib/datasets';
import { lcbArguments } from '../../lib/datasets/livecodebench';
import { LCB_PRELUDE } from '../../lib/datasets/python-preludes';
import { expectValidLine } from './convert-helpers';

// json.dumps([{"input": "[3,2,4]\n6", "output": "[1,2]", "testtype": "functional"},
//             {"input": "[3,3]\n6", "output": "[0,1]", "testtype": "functional"}]), pickled with protocols 2..5
const TWO_SUM_PRIVATE: Record<number, string> = {
  2: 'eJxrYIroYmBgiK5WyswrKC1RslJQijbWMdIxiY3JM1PSUVDKLy2BiRvqGMWChEpSi0tKKgtSQYJppXnJJZn5eYk5SrU6CqimGGMxw0DHEK8ZsYUMegBzyCwf',
  3: 'eJxrYI7oYmBgiK5WyswrKC1RslJQijbWMdIxiY3JM1PSUVDKLy2BiRvqGMWChEpSi0tKKgtSQYJppXnJJZn5eYk5SrU6CqimGGMxw0DHEK8ZsYUMegB0Wywg',
  4: 'eJxrYJnaxwABPV3R1UqZeQWlJUpWCkrRxjpGOiaxMXlmSjoKSvmlJTBxQx2jWJBQSWpxSUllQSpIMK00L7kkMz8vMUepVkcB1RRjLGYY6BjiNSN2ih4AEbctmw==',
  5: 'eJxrYJ3axwABPV3R1UqZeQWlJUpWCkrRxjpGOiaxMXlmSjoKSvmlJTBxQx2jWJBQSWpxSUllQSpIMK00L7kkMz8vMUepVkcB1RRjLGYY6BjiNSN2ih4AEk8tnA==',
};
// json.dumps([{"input": "3\n1 2 3\n", "output": "6\n", "testtype": "stdin"},
//             {"input": "1\n-5\n", "output": "-5\n", "testtype": "stdin"}]), default protocol
const SUM_PRIVATE = 'eJxrYJnawAABPTXR1UqZeQWlJUpWCkrGMXmGCkYKQEpJR0Epv7QEKm4GEShJLS4pqSxIBQkVl6Rk5inV6iggaTeMydM1RdcLE8GiOXaKHgCn1CjO';
// hostile or wrong blobs: a __reduce__ pickle calling os.system('echo pwned'); a list holding the str; bytes
const EVIL = 'eJxrYJmqygABPawF+cWZFVN62Iori0tSc6dMntLDlZqcka9QUJ6XmjKldUrQFD0AXoEQvQ==';
const LIST = 'eJxrYJk6kQECYqf0dEVXK2XmFZSWKFkpKEUb6xjpmMTG5Jkp6Sgo5ZeWwMQNdYxiQUIlqcUlJZUFqSDBtNK85JLM/LzEHKVaHQVUU4yxmGGgY4jXjNgpiXoAzO4u8A==';
const BYTES = 'eJxrYJnaxwABzl3R1UqZeQWlJUpWCkrRxjpGOiaxMXlmSjoKSvmlJTBxQx2jWJBQSWpxSUllQSpIMK00L7kkMz8vMUepVkcB1RRjLGYY6BjiNSN2ih4A6SotUg==';

const TWO_SUM_CASES = '[{"input": "[3,2,4]\\n6", "output": "[1,2]", "testtype": "functional"}, {"input": "[3,3]\\n6", "output": "[0,1]", "testtype": "functional"}]';

const twoSum = {
  question_title: 'Two Sum', question_content: 'Return the indices of the two numbers that add up to target.',
  platform: 'leetcode', question_id: '1', contest_id: 'weekly-contest-0', contest_date: '2023-05-01T00:00:00',
  starter_code: 'class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        ',
  difficulty: 'easy',
  public_test_cases: JSON.stringify([{ input: '[2,7,11,15]\n9', output: '[0,1]', testtype: 'functional' }]),
  private_test_cases: TWO_SUM_PRIVATE[4],
  metadata: '{"func_name": "twoSum"}',
};
const sumStdin = {
  question_title: 'Sum', question_content: 'Print the sum of N integers.', platform: 'atcoder', question_id: 'abc999_a',
  contest_id: 'abc999', contest_date: '2023-06-01T00:00:00', starter_code: '', difficulty: 'easy',
  public_test_cases: JSON.stringify([{ input: '2\n4 5\n', output: '9\n', testtype: 'stdin' }]),
  private_test_cases: SUM_PRIVATE, metadata: '{}',
};

function convert(rows: object[]): ContractLine[] {
  return [...convertDataset('livecodebench', rows.map((r) => JSON.stringify(r)).join('\n'))].map((l) => (expectValidLine(l), l));
}

describe('the pickle-str reader', () => {
  it('decodes the blob of every protocol Python 3 writes (2-5) to the same JSON text', () => {
    for (const p of [2, 3, 4, 5]) expect(decodeLcbBlob(TWO_SUM_PRIVATE[p]), `protocol ${p}`).toBe(TWO_SUM_CASES);
  });

  it('refuses anything but a single str: a code-running pickle, a list, bytes', () => {
    // posix.system is named by two strings before STACK_GLOBAL: refused at the second string
    expect(() => decodeLcbBlob(EVIL)).toThrow(/pickle pushes a second value at byte \d+/);
    expect(() => decodeLcbBlob(LIST)).toThrow(/opcode 0x5d at byte \d+ is not allowed/); // EMPTY_LIST
    expect(() => decodeLcbBlob(BYTES)).toThrow(/opcode 0x43 at byte \d+ is not allowed/); // SHORT_BINBYTES
  });

  it('reads BINUNICODE8, and refuses truncation, trailing bytes, two strings, no STOP, bad UTF-8', () => {
    const s = Buffer.from('héllo', 'utf8');
    const len8 = Buffer.alloc(8);
    len8.writeUInt32LE(s.length, 0);
    expect(readPickledString(Buffer.concat([Buffer.from([0x80, 4, 0x8d]), len8, s, Buffer.from([0x94, 0x2e])]))).toBe('héllo');
    const short = (body: number[]) => Buffer.from([0x80, 4, ...body]);
    expect(readPickledString(short([0x8c, 2, 0x68, 0x69, 0x2e]))).toBe('hi');
    expect(() => readPickledString(short([0x8c, 5, 0x68, 0x69]))).toThrow('truncated pickle');
    expect(() => readPickledString(short([0x8c, 2, 0x68, 0x69, 0x2e, 0x00]))).toThrow("1 bytes after the pickle's STOP");
    expect(() => readPickledString(short([0x8c, 1, 0x68, 0x8c, 1, 0x69, 0x2e]))).toThrow('pushes a second value');
    expect(() => readPickledString(short([0x8c, 1, 0x68]))).toThrow('pickle ends without STOP');
    expect(() => readPickledString(short([0x8c, 1, 0xff, 0x2e]))).toThrow('not valid UTF-8');
    expect(() => readPickledString(short([0x2e]))).toThrow('pickle holds no str');
    expect(() => readPickledString(Buffer.from([0x80, 9, 0x2e]))).toThrow('unsupported pickle protocol 9');
  });

  it('says which layer failed: base64, zlib', () => {
    expect(() => decodeLcbBlob('not base64!')).toThrow('not base64');
    expect(() => decodeLcbBlob(Buffer.from('plain text, not deflated').toString('base64'))).toThrow(/not zlib data/);
    // well-formed zlib around a non-pickle
    expect(() => decodeLcbBlob(deflateSync(Buffer.from('hello')).toString('base64'))).toThrow(/opcode 0x68/);
  });
});

describe('convert livecodebench', () => {
  const [fn, io] = convert([twoSum, sumStdin]);

  it('functional problems: call tests of metadata.func_name, one JSON argument per input line, public then private', () => {
    expect(fn.id).toBe('livecodebench/1');
    expect(fn.tests).toEqual([
      { type: 'call', fn: 'twoSum', args: [[2, 7, 11, 15], 9], expected: [0, 1] },
      { type: 'call', fn: 'twoSum', args: [[3, 2, 4], 6], expected: [1, 2] },
      { type: 'call', fn: 'twoSum', args: [[3, 3], 6], expected: [0, 1] },
    ]);
    expect(fn.meta).toMatchObject({ test_kind: 'call', func_name: 'twoSum', tests: { public: 1, private: 2 }, platform: 'leetcode', starter_code: twoSum.starter_code });
    expect(fn.prompt).toBe(twoSum.question_content);
  });

  it('setup: LCB\'s import prelude, plus a forwarder to Solution().twoSum; the starter stub stays out of setup', () => {
    expect(fn.setup).toBe(`${LCB_PRELUDE}def twoSum(*args, **kwargs):\n    return Solution().twoSum(*args, **kwargs)\n`);
    expect(fn.setup).not.toContain('class Solution');
    expect(io.setup).toBe(LCB_PRELUDE);
  });

  it('stdin problems: stdio tests, public then private', () => {
    expect(io.id).toBe('livecodebench/abc999_a');
    expect(io.tests).toEqual([
      { type: 'stdio', stdin: '2\n4 5\n', stdout: '9\n' },
      { type: 'stdio', stdin: '3\n1 2 3\n', stdout: '6\n' },
      { type: 'stdio', stdin: '1\n-5\n', stdout: '-5\n' },
    ]);
    expect(io.meta).toMatchObject({ test_kind: 'stdio', tests: { public: 1, private: 2 } });
  });

  it('accepts private tests given as plain JSON (older releases) and no rollouts exist to add', () => {
    const c = convertDataset('livecodebench', JSON.stringify({ ...twoSum, private_test_cases: TWO_SUM_CASES }), { withSolutions: true });
    const [l] = [...c];
    expect(l.tests).toEqual(fn.tests);
    expect(l.rollouts).toBeUndefined();
    expect(c.stats).toMatchObject({ converted: 1, withoutSolutions: 1 });
  });

  it('names the field of malformed records', () => {
    const bad = (rec: object) => () => convert([rec]);
    expect(bad({ ...twoSum, private_test_cases: EVIL })).toThrow(/^livecodebench line 1: private_test_cases: neither JSON nor base64\(zlib\(pickle\(str\)\)\): pickle pushes a second value/);
    expect(bad({ ...twoSum, metadata: '{}' })).toThrow('livecodebench line 1: metadata.func_name: functional tests need a Python function name, got missing');
    expect(bad({ ...sumStdin, public_test_cases: '[{"input": "1", "output": "1", "testtype": "interactive"}]' }))
      .toThrow('public_test_cases[0].testtype: expected "stdin" or "functional", got the string "interactive"');
    expect(() => lcbArguments('[1,2]\nnot json', 'public_test_cases[0].input', { dataset: 'livecodebench', index: 0 }))
      .toThrow('public_test_cases[0].input: line 2 of the input is not a JSON value');
  });
});
