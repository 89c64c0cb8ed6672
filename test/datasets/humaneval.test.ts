// HumanEval -> contract lines, on the upstream file (gzipped fixture), via the loader's check() splitter.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertDataset, convertDatasetFile, DatasetRecordError } from '../../lib/datasets';
import { loadHumanEval } from '../../lib/datasets/humaneval';
import { topLevelImports } from '../../lib/datasets/humaneval-lines';
import { expectValidLine } from './convert-helpers';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');

describe('convert humaneval', () => {
  const gz = readFileSync(FIXTURE);
  const conversion = convertDataset('humaneval', gz, { withSolutions: true });
  const lines = [...conversion];

  it('converts all 164 problems with the loader\'s 1133 split tests, and counts them', () => {
    expect(lines.length).toBe(164);
    expect(conversion.stats).toEqual({ records: 164, converted: 164, skipped: 0, rollouts: 164, withoutSolutions: 0, tests: 1133 });
    const loaded = loadHumanEval(FIXTURE);
    lines.forEach((l, i) => {
      expect(l.id).toBe(loaded[i].id);
      expect(l.tests).toEqual(loaded[i].tests);
    });
  });

  it('writes schema-valid lines: prompt, imports as setup, prompt + canonical solution as the rollout', () => {
    const records = gunzipSync(gz).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    lines.forEach((l, i) => {
      expectValidLine(l);
      expect(l.language).toBe('python');
      expect(l.prompt).toBe(records[i].prompt);
      expect(l.rollouts).toEqual([records[i].prompt + records[i].canonical_solution]);
      expect(l.meta).toMatchObject({ dataset: 'humaneval', entry_point: records[i].entry_point, solution_correct: [true] });
    });
    expect(lines[0].setup).toBe('from typing import List');
    // HumanEval/2 imports nothing: no setup at all rather than an empty one
    expect(lines[2].setup).toBeUndefined();
  });

  it('adds no rollouts without withSolutions, and reads plain text the same as gzip', () => {
    const plain = [...convertDataset('humaneval', gunzipSync(gz).toString('utf8'))];
    expect(plain.length).toBe(164);
    expect(plain.every((l) => l.rollouts === undefined)).toBe(true);
    expect(plain.map((l) => l.tests)).toEqual(lines.map((l) => l.tests));
  });

  it('streams the gzipped file to the same lines', async () => {
    const streamed = [];
    const c = convertDatasetFile('humaneval', FIXTURE, { withSolutions: true });
    for await (const l of c) streamed.push(l);
    expect(streamed).toEqual(lines);
    expect(c.stats.converted).toBe(164);
  });

  it('keeps multi-line parenthesised imports whole', () => {
    expect(topLevelImports('from typing import (\n    List,\n    Tuple)\nimport math\n\ndef f():\n    import os\n')).toBe('from typing import (\n    List,\n    Tuple)\nimport math');
  });

  it('names the line and field of a malformed record', () => {
    const bad = JSON.stringify({ task_id: 'X/1', prompt: 'def f():\n', canonical_solution: '  return 1\n', test: 'def check(candidate):\n    assert candidate() == 1\n' });
    expect(() => [...convertDataset('humaneval', '\n' + bad + '\n')]).toThrow(/humaneval line 2: entry_point: expected a string, got missing/);
    const noCheck = JSON.stringify({ task_id: 'X/1', prompt: 'def f():\n', canonical_solution: '', test: 'assert f() == 1\n', entry_point: 'f' });
    try {
      [...convertDataset('humaneval', noCheck)];
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DatasetRecordError);
      expect((e as DatasetRecordError).field).toBe('test');
      expect((e as DatasetRecordError).ref.line).toBe(1);
    }
  });

  it('replaces the dataset part of ids with idPrefix', () => {
    const [first] = convertDataset('humaneval', gz, { idPrefix: 'he' });
    expect(first.id).toBe('he/0');
  });
});
