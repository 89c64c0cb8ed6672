// MBPP (full JSONL) and sanitized MBPP (a JSON array) -> contract lines, on the complete upstream files.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { convertDataset, convertDatasetFile, type DatasetRecordError } from '../../lib/datasets';
import { expectValidLine } from './convert-helpers';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'mbpp');
const FULL = path.join(DIR, 'mbpp.jsonl.gz');
const SANITIZED = path.join(DIR, 'sanitized-mbpp.json.gz');
type Row = Record<string, unknown> & { task_id: number; code: string; test_list: string[] };
const fullRows = gunzipSync(readFileSync(FULL)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
const sanitizedRows = JSON.parse(gunzipSync(readFileSync(SANITIZED)).toString('utf8')) as Row[];

describe('convert mbpp (full)', () => {
  const c = convertDataset('mbpp', readFileSync(FULL), { withSolutions: true });
  const lines = [...c];

  it('converts all 974 problems, 3 asserts each, with schema-valid lines', () => {
    expect(c.stats).toEqual({ records: 974, converted: 974, skipped: 0, rollouts: 974, withoutSolutions: 0, tests: 2922 });
    for (const l of lines) {
      expectValidLine(l);
      expect(l.tests.length).toBe(3);
      expect(l.id).toMatch(/^mbpp\/\d+$/);
    }
    expect(lines.map((l) => l.id)).toEqual(fullRows.map((r) => `mbpp/${r.task_id}`));
  });

  it('normalises \\r\\n in the reference code and keeps each assert verbatim otherwise', () => {
    const first = lines[0];
    expect(fullRows[0].code).toContain('\r\n');
    expect(first.rollouts![0]).toBe(fullRows[0].code.replace(/\r\n/g, '\n'));
    expect(first.rollouts![0]).not.toContain('\r');
    expect(first.tests[0]).toEqual({ type: 'assert', code: `${fullRows[0].test_list[0]}\n` });
    expect(first.prompt).toBe(fullRows[0].text);
  });

  it('prefixes test_setup_code to each assert of the two problems that have it (it needs the program\'s classes)', () => {
    for (const id of ['mbpp/367', 'mbpp/927']) {
      const l = lines.find((x) => x.id === id)!;
      expect(l.setup).toBeUndefined();
      for (const t of l.tests) {
        expect(t.type).toBe('assert');
        const code = (t as { code: string }).code;
        expect(code.startsWith('root = Node(1)')).toBe(true);
        expect(code).not.toContain('\r');
        expect(code.trimEnd().split('\n').pop()).toMatch(/^assert /);
      }
    }
    expect(lines.filter((l) => l.tests.some((t) => (t as { code: string }).code.includes('Node(1)'))).length).toBe(2);
  });

  it('leaves challenge_test_list out by default, counts it in meta, and appends it on request', () => {
    const withChallenge = fullRows.filter((r) => (r.challenge_test_list as string[]).length > 0);
    expect(withChallenge.length).toBe(11);
    const extra = withChallenge.reduce((n, r) => n + (r.challenge_test_list as string[]).length, 0);
    const l11 = lines.find((l) => l.id === 'mbpp/11')!;
    expect(l11.meta).toMatchObject({ challenge_tests: 2, challenge_tests_included: false });
    const c2 = convertDataset('mbpp', readFileSync(FULL), { mbppChallengeTests: true });
    const all = [...c2];
    expect(c2.stats.tests).toBe(2922 + extra);
    const l11b = all.find((l) => l.id === 'mbpp/11')!;
    expect(l11b.tests.slice(3).map((t) => (t as { code: string }).code.trim())).toEqual(withChallenge[0].challenge_test_list);
    expect(l11b.meta).toMatchObject({ challenge_tests_included: true });
  });
});

describe('convert mbpp (sanitized)', () => {
  it('detects the sanitized shape, puts test_imports in setup, and converts all 427', async () => {
    const c = convertDatasetFile('mbpp', SANITIZED, { withSolutions: true });
    const lines = [];
    for await (const l of c) lines.push(l);
    expect(c.stats).toMatchObject({ records: 427, converted: 427, skipped: 0, rollouts: 427 });
    expect(c.stats.tests).toBe(sanitizedRows.reduce((n, r) => n + r.test_list.length, 0));
    lines.forEach((l, i) => {
      expectValidLine(l);
      expect(l.id).toBe(`mbpp-sanitized/${sanitizedRows[i].task_id}`);
      expect(l.prompt).toBe(sanitizedRows[i].prompt);
      expect(l.tests.length).toBe(sanitizedRows[i].test_list.length);
    });
    const withImports = lines.filter((l) => l.setup !== undefined);
    expect(withImports.length).toBe(sanitizedRows.filter((r) => (r.test_imports as string[]).length > 0).length);
    expect(lines.find((l) => l.id === 'mbpp-sanitized/82')!.setup).toBe('import math\n');
  });
});

describe('malformed MBPP records', () => {
  const good = { task_id: 1, text: 't', code: 'def f():\r\n  return 1', test_list: ['assert f() == 1'], test_setup_code: '', challenge_test_list: [] };
  it('reports each bad record by line and field through onError, skips it, and counts it', () => {
    const errors: DatasetRecordError[] = [];
    const text = [
      JSON.stringify(good),
      '{"task_id": 2, "text": "t", "code": "x", "test_list": "assert f() == 1"}',
      'not json',
      JSON.stringify({ ...good, task_id: 4, test_list: [] }),
      JSON.stringify({ ...good, task_id: 1 }),
      JSON.stringify({ ...good, task_id: 6 }),
    ].join('\n');
    const c = convertDataset('mbpp', text, { onError: (e) => errors.push(e) });
    const ids = [...c].map((l) => l.id);
    expect(ids).toEqual(['mbpp/1', 'mbpp/6']);
    expect(c.stats).toMatchObject({ records: 6, converted: 2, skipped: 4 });
    expect(errors.map((e) => e.message)).toEqual([
      'mbpp line 2: test_list: expected an array of strings, got the string "assert f() == 1"',
      expect.stringMatching(/^mbpp line 3: line: not valid JSON/),
      'mbpp line 4: test_list: is empty: the problem has no tests',
      'mbpp line 5: id: "mbpp/1" repeats an earlier record\'s id',
    ]);
  });
  it('throws the first error when no onError is given', () => {
    expect(() => [...convertDataset('mbpp', `[${JSON.stringify(good)}, {"task_id": 2}]`)]).toThrow('mbpp record 1: code: expected a string, got missing');
  });
});
