// Reading dataset files: JSONL or a JSON array, plain or gzipped (by magic bytes, whatever the name),
// CRLF and BOM tolerated, line numbers kept for errors, streaming and in-memory reads agreeing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDataset, convertDatasetFile, decodeDatasetBytes, isGzip, type DatasetKind, type DatasetRecordError } from '../../lib/datasets';
import { parseRecords, streamRecords } from '../../lib/datasets/records';

const dir = mkdtempSync(path.join(tmpdir(), 'verpo-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rec = (id: number) => JSON.stringify({ task_id: id, text: 't', code: 'def f(): return 1', test_list: ['assert f() == 1'] });
const JSONL = `\ufeff${rec(1)}\r\n\r\n${rec(2)}\r\n{broken\r\n${rec(4)}\r\n`;

async function streamed(file: string, kind: DatasetKind = 'mbpp') {
  const out = [];
  for await (const r of streamRecords(file, kind)) out.push(r);
  return out;
}

describe('dataset files', () => {
  it('tells gzip by its magic bytes and decodes either form to the same text', () => {
    const gz = gzipSync(Buffer.from(JSONL));
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(Buffer.from(JSONL))).toBe(false);
    expect(decodeDatasetBytes(gz)).toBe(JSONL.slice(1));
    expect(decodeDatasetBytes(Buffer.from(JSONL))).toBe(JSONL.slice(1));
  });

  it('numbers records and their file lines (blank lines skipped), in memory and streamed, plain and gzipped', async () => {
    const plain = path.join(dir, 'a.jsonl');
    const gz = path.join(dir, 'a.jsonl.txt'); // a misleading name: only the bytes count
    writeFileSync(plain, JSONL);
    writeFileSync(gz, gzipSync(Buffer.from(JSONL)));
    const mem = [...parseRecords(decodeDatasetBytes(Buffer.from(JSONL)), 'mbpp')];
    expect(mem.map((r) => [r.ref.index, r.ref.line, 'error' in r])).toEqual([[0, 1, false], [1, 3, false], [2, 4, true], [3, 5, false]]);
    const strip = (rs: typeof mem) => rs.map((r) => ({ ref: r.ref, ok: 'value' in r ? r.value : r.error.message }));
    expect(strip(await streamed(plain))).toEqual(strip(mem));
    expect(strip(await streamed(gz))).toEqual(strip(mem));
  });

  it('reads a JSON array whole, records numbered by index', async () => {
    const file = path.join(dir, 'b.json');
    writeFileSync(file, gzipSync(Buffer.from(`[\n${rec(1)},\n${rec(2)}\n]\n`)));
    const rs = await streamed(file);
    expect(rs.map((r) => r.ref)).toEqual([{ dataset: 'mbpp', index: 0 }, { dataset: 'mbpp', index: 1 }]);
    const broken = path.join(dir, 'c.json');
    writeFileSync(broken, `[${rec(1)},`);
    const [only] = await streamed(broken);
    expect('error' in only && only.error.message).toMatch(/^mbpp record 0: file: not a valid JSON array/);
  });

  it('accounts for every record: converted + skipped = records, streamed or not', async () => {
    const file = path.join(dir, 'd.jsonl');
    writeFileSync(file, JSONL);
    const errors: DatasetRecordError[] = [];
    const c = convertDatasetFile('mbpp', file, { onError: (e) => errors.push(e) });
    const ids = [];
    for await (const l of c) ids.push(l.id);
    expect(ids).toEqual(['mbpp/1', 'mbpp/2', 'mbpp/4']);
    expect(c.stats).toEqual({ records: 4, converted: 3, skipped: 1, rollouts: 0, withoutSolutions: 0, tests: 3 });
    expect(errors.map((e) => [e.ref.line, e.field])).toEqual([[4, 'line']]);
    const m = convertDataset('mbpp', JSONL, { onError: () => undefined });
    expect([...m].map((l) => l.id)).toEqual(ids);
    expect(m.stats).toEqual(c.stats);
  });

  it('refuses an unknown dataset kind', () => {
    expect(() => convertDataset('humaneval-x' as DatasetKind, '')).toThrow('unknown dataset "humaneval-x": expected one of humaneval, mbpp, apps, codecontests, livecodebench, evalplus');
  });
});
