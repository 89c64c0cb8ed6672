// evalplus MBPP+ / HumanEval+ -> contract lines (expected outputs from the canonical solutions, run once in
// the sandbox and cached), and dataset files that are one pretty-printed JSON document.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDataset, convertDatasetFile, type ContractLine, type DatasetKind, type DatasetRecordError } from '../../lib/datasets';
import { parseRecords } from '../../lib/datasets/records';

const dir = mkdtempSync(path.join(tmpdir(), 'verpo-evalplus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fileLines(kind: DatasetKind, file: string, options = {}): Promise<{ lines: ContractLine[]; errors: DatasetRecordError[] }> {
  const errors: DatasetRecordError[] = [];
  const lines: ContractLine[] = [];
  for await (const l of convertDatasetFile(kind, file, { onError: (e) => errors.push(e), ...options })) lines.push(l);
  return { lines, errors };
}

const mbppRow = (id: number) => ({ task_id: id, text: `problem ${id}`, code: 'def f():\n    return 1\n', test_list: ['assert f() == 1'] });

describe('a dataset file that is one pretty-printed JSON document', () => {
  it('reads one pretty-printed record object (plain or gzipped), as every converter sees it', async () => {
    const text = JSON.stringify(mbppRow(7), null, 2) + '\n';
    expect(text.split('\n').length).toBeGreaterThan(4);
    for (const [name, bytes] of [['one.json', Buffer.from(text)], ['one.json.gz', gzipSync(Buffer.from(text))]] as const) {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      const { lines, errors } = await fileLines('mbpp', file);
      expect(errors).toEqual([]);
      expect(lines.map((l) => [l.id, l.tests.length])).toEqual([['mbpp/7', 1]]);
    }
    expect([...convertDataset('mbpp', text)].map((l) => l.id)).toEqual(['mbpp/7']);
    const taco = { question: 'q', solutions: JSON.stringify(['print(1)']), input_output: JSON.stringify({ inputs: [''], outputs: ['1\n'] }) };
    const tacoFile = path.join(dir, 'taco-one.json');
    writeFileSync(tacoFile, JSON.stringify(taco, null, 4));
    const apps = await fileLines('apps', tacoFile);
    expect(apps.errors).toEqual([]);
    expect(apps.lines.map((l) => l.tests)).toEqual([[{ type: 'stdio', stdin: '', stdout: '1\n' }]]);
  });

  it('reads a pretty-printed array element by element: one bad element is one bad record', async () => {
    const good = JSON.stringify([mbppRow(1), mbppRow(2)], null, 2);
    const file = path.join(dir, 'arr.json');
    writeFileSync(file, good.replace('"problem 2"', '"problem 2" oops'));
    const { lines, errors } = await fileLines('mbpp', file);
    expect(lines.map((l) => l.id)).toEqual(['mbpp/1']);
    expect(errors.map((e) => [e.ref.index, e.field])).toEqual([[1, 'record']]);
    expect(errors[0].message).toContain(file);
    // the in-memory reader numbers the same records
    expect([...parseRecords(good, 'mbpp')].map((r) => [r.ref.index, 'value' in r])).toEqual([[0, true], [1, true]]);
  });

  it('names the path when the document itself is broken', async () => {
    const objectLines = JSON.stringify(mbppRow(1), null, 2).split('\n').length;
    const cases: [string, string, RegExp][] = [
      ['cut.json', JSON.stringify(mbppRow(1), null, 2).slice(0, -3), /not a valid JSON document \(.*cut\.json: it ends before its last bracket closes\)/],
      ['two.json', JSON.stringify(mbppRow(1), null, 2) + '\n{', new RegExp(`not a valid JSON document \\(.*two\\.json: text after the document at line ${objectLines + 1} column 1\\)`)],
      ['mismatch.json', '[\n  {"task_id": 1]\n', /not a valid JSON array \(.*mismatch\.json: '\]' where '\}' closes at line 2 column 16\)/],
    ];
    for (const [name, text, message] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const { lines, errors } = await fileLines('mbpp', file);
      expect(lines).toEqual([]);
      expect(errors.map((e) => e.field), name).toEqual(['file']);
      expect(errors[0].message, name).toMatch(message);
    }
  });

  it('still reads JSONL whose first line is broken line by line, and one-line objects as JSONL', async () => {
    const file = path.join(dir, 'broken-first.jsonl');
    writeFileSync(file, `{"task_id": 1, "text":\n${JSON.stringify(mbppRow(2))}\n${JSON.stringify(mbppRow(3))}\n`);
    const { lines, errors } = await fileLines('mbpp', file);
    expect(lines.map((l) => l.id)).toEqual(['mbpp/2', 'mbpp/3']);
    expect(errors.map((e) => [e.ref.line, e.field])).toEqual([[1, 'line']]);
    const jsonl = [...parseRecords(`${JSON.stringify(mbppRow(1))}\n${JSON.stringify(mbppRow(2))}\n`, 'mbpp')];
    expect(jsonl.map((r) => r.ref)).toEqual([{ dataset: 'mbpp', index: 0, line: 1 }, { dataset: 'mbpp', index: 1, line: 2 }]);
  });
});
