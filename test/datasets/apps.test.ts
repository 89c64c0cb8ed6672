// APPS and TACO -> contract lines, on small hand-made records in the datasets' own shapes
// (test/fixtures/datasets/apps-sample.jsonl: JSONL as HF exports it; taco-sample.json: a JSON array).
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDataset, convertDatasetFile, type ContractLine, type DatasetRecordError } from '../../lib/datasets';
import { appsTests } from '../../lib/datasets/apps';
import { APPS_PRELUDE } from '../../lib/datasets/python-preludes';
import { readDatasetText } from '../../lib/datasets/records';
import { expectValidLine } from './convert-helpers';
import { readFileSync } from 'node:fs';
import { parseSpecialJudgeList } from '../../lib/datasets/special-judge';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'datasets');
const REF = { dataset: 'apps' as const, index: 0 };

async function collect(file: string, errors: DatasetRecordError[]) {
  const c = convertDatasetFile('apps', path.join(DIR, file), { withSolutions: true, onError: (e) => errors.push(e) });
  const lines: ContractLine[] = [];
  for await (const l of c) lines.push(expectValidLine(l) && l);
  return { lines, stats: c.stats };
}

describe('convert apps', () => {
  it('converts the sample, reporting the record without tests by line and field', async () => {
    const errors: DatasetRecordError[] = [];
    const { lines, stats } = await collect('apps-sample.jsonl', errors);
    expect(lines.map((l) => l.id)).toEqual(['apps/4321', 'apps/2500', 'apps/2401', 'apps/2402']);
    expect(stats).toMatchObject({ records: 5, converted: 4, skipped: 1, rollouts: 5, withoutSolutions: 0 });
    expect(errors.map((e) => e.message)).toEqual(['apps line 5: input_output: is empty: the problem has no tests']);
  });

  it('stdio problems: a string per case, and arrays of lines joined with \\n (quirk 1)', async () => {
    const { lines } = await collect('apps-sample.jsonl', []);
    const l = lines[0];
    expect(l.tests).toEqual([
      { type: 'stdio', stdin: '3\n1 2 3\n', stdout: '6\n' },
      { type: 'stdio', stdin: '2\n10 -4', stdout: '6' },
      { type: 'stdio', stdin: '1\n7\n', stdout: '7\n' },
    ]);
    expect(l.setup).toBe(APPS_PRELUDE);
    expect(l.rollouts!.length).toBe(2);
    expect(l.meta).toMatchObject({ dataset: 'apps', test_kind: 'stdio', difficulty: 'introductory', solution_correct: [true, true] });
  });

  it('call problems: one-element-list outputs are unwrapped when every output is wrapped (quirk 2)', async () => {
    const { lines } = await collect('apps-sample.jsonl', []);
    expect(lines[1].tests).toEqual([
      { type: 'call', fn: 'add_binary', args: [1, 2], expected: '11' },
      { type: 'call', fn: 'add_binary', args: [2, 3], expected: '101' },
      { type: 'call', fn: 'add_binary', args: [0, 0], expected: '0' },
    ]);
    expect(lines[1].meta).toMatchObject({ fn_name: 'add_binary', outputs_unwrapped: true, starter_code: 'def add_binary(a,b):\n\t' });
    expect(lines[1].setup).toBe(APPS_PRELUDE); // a plain function: no forwarder
    // a function returning a list, stored double-wrapped, comes out as the list
    expect(lines[3].tests[0]).toEqual({ type: 'call', fn: 'two_smallest', args: [[3, 1, 2]], expected: [1, 2] });
  });

  it('call outputs that do not all follow the convention are kept as they are', () => {
    const { tests, unwrapped } = appsTests({ fn_name: 'f', inputs: [[1], [2]], outputs: [[3], 4] }, REF);
    expect(unwrapped).toBe(false);
    expect(tests.map((t) => (t as { expected: unknown }).expected)).toEqual([[3], 4]);
  });

  it('LeetCode-style problems get a setup forwarder from fn_name to Solution().fn_name (quirk 3)', async () => {
    const { lines } = await collect('apps-sample.jsonl', []);
    const l = lines[2];
    expect(l.tests[0]).toEqual({ type: 'call', fn: 'maxProfit', args: [[7, 1, 5, 3, 6, 4]], expected: 5 });
    expect(l.meta).toMatchObject({ outputs_unwrapped: false });
    expect(l.setup).toBe(`${APPS_PRELUDE}def maxProfit(*args, **kwargs):\n    return Solution().maxProfit(*args, **kwargs)\n`);
  });

  it('refuses malformed input_output with the field named', () => {
    expect(() => appsTests({ inputs: ['1'], outputs: [] }, REF)).toThrow('apps record 0: input_output: 1 inputs but 0 outputs');
    expect(() => appsTests({ fn_name: 'f', inputs: [1], outputs: [[1]] }, REF)).toThrow('input_output.inputs[0]: expected the argument list of a call to f, got number 1');
    expect(() => appsTests({ fn_name: 'not valid', inputs: [[1]], outputs: [[1]] }, REF)).toThrow('input_output.fn_name: expected a Python function name');
    expect(() => appsTests({ inputs: [3], outputs: ['3'] }, REF)).toThrow('input_output.inputs[0]: expected a string (or an array of lines), got number 3');
    const bad = JSON.stringify({ problem_id: 1, input_output: '{"inputs": [' });
    expect(() => [...convertDataset('apps', bad)]).toThrow(/^apps line 1: input_output: not valid JSON/);
  });
});

describe('convert taco', () => {
  it('recognises TACO rows, numbers them by record, keeps limits in meta, and reads a JSON array file', async () => {
    const errors: DatasetRecordError[] = [];
    const { lines, stats } = await collect('taco-sample.json', errors);
    expect(errors).toEqual([]);
    expect(stats).toMatchObject({ records: 2, converted: 2, rollouts: 2 });
    expect(lines.map((l) => l.id)).toEqual(['taco/0', 'taco/1']);
    expect(lines[0].meta).toMatchObject({ dataset: 'taco', record_index: 0, time_limit: '1 seconds', memory_limit: '256 megabytes', source: 'codechef' });
    expect(lines[0].limits).toBeUndefined();
    expect(lines[1].tests[0]).toEqual({ type: 'call', fn: 'reverse', args: ['abc'], expected: 'cba' });
    const again = [...convertDataset('apps', readDatasetText(path.join(DIR, 'taco-sample.json')), { idPrefix: 'taco-train' })];
    expect(again.map((l) => l.id)).toEqual(['taco-train/0', 'taco-train/1']);
  });
});

describe('TACO\'s special-judge list (--special-judge)', () => {
  const LIST = path.resolve(__dirname, '..', 'fixtures', 'realworld', 'taco_test_output_spj.jsonl');

  it('reads TACO\'s own output_spj.jsonl: 218 of its 1,000 test problems need a special judge', () => {
    const list = parseSpecialJudgeList(readFileSync(LIST, 'utf8'), 'output_spj.jsonl');
    expect(list.size).toBe(1000);
    expect([...list.values()].filter((e) => e.special).length).toBe(218);
    expect(list.get(5)).toEqual({ special: true, case: 1 });
    expect(list.get(18)).toEqual({ special: true, case: 3 });
    expect(list.get(0)).toEqual({ special: false, case: 0 });
  });

  it('marks the TACO records it names by record index, and decides over the statement for the ones it lists', () => {
    const text = readDatasetText(path.join(DIR, 'taco-sample.json'));
    // record 0 (a stdio problem) named by the list; then the list says no for a statement that says "print any"
    const named = [...convertDataset('apps', text, { specialJudge: new Map([[0, { special: true, case: 2 }]]) })];
    expect(named[0].meta).toMatchObject({ needs_checker: true });
    expect(String(named[0].meta?.needs_checker_why)).toContain("TACO's special-judge list");
    const records = JSON.parse(text) as Record<string, unknown>[];
    records[0].question = 'Print the maximum. If there are multiple answers, print any of them.';
    const cued = [...convertDataset('apps', JSON.stringify(records), {})];
    expect(cued[0].meta).toMatchObject({ needs_checker: true });
    const overruled = [...convertDataset('apps', JSON.stringify(records), { specialJudge: new Map([[0, { special: false, case: 0 }]]) })];
    expect(overruled[0].meta?.needs_checker).toBeUndefined();
  });

  it('a malformed list is an error naming its line', () => {
    expect(() => parseSpecialJudgeList('{"idx": 0, "special_judge": false}\n{"idx": "x"}\n', 'spj.jsonl')).toThrow('spj.jsonl line 2: idx');
    expect(() => parseSpecialJudgeList('{"idx": 0, "special_judge": true}\n{"idx": 0, "special_judge": true}\n', 'spj.jsonl')).toThrow('listed twice');
  });
});
