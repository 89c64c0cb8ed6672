// Bad input is a TypeError/RangeError naming the field, before anything runs.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import type { RunRequest } from '../../lib/exec';
import { MAX_JSON_DEPTH } from '../../lib/exec/validate';
import { harnessProcesses } from './host';

const ex = new Executor({ concurrency: 1 });
afterAll(() => ex.close());

const ok: RunRequest = { language: 'python', code: 'def f():\n    return 1\n', tests: [{ type: 'assert', code: 'assert f() == 1' }] };
const bad = (patch: Record<string, unknown>) => ex.run({ ...ok, ...patch } as unknown as RunRequest);

describe('run() rejects bad requests', () => {
  it('unknown language', async () => {
    await expect(bad({ language: 'ruby' })).rejects.toThrow(TypeError);
    await expect(bad({ language: 'ruby' })).rejects.toThrow(/language/);
  });
  it('code that is not a string', async () => {
    await expect(bad({ code: 42 })).rejects.toThrow(/code must be a string/);
  });
  it('empty or missing tests', async () => {
    await expect(bad({ tests: [] })).rejects.toThrow(RangeError);
    await expect(bad({ tests: [] })).rejects.toThrow(/tests must not be empty/);
    await expect(bad({ tests: undefined })).rejects.toThrow(/tests must be an array/);
  });
  it('sandboxed tests: a group, and its coverage, are checked', async () => {
    const t = (x: Record<string, unknown>) => ({ type: 'assert', code: 'assert f() == 1', sandboxed: true, ...x });
    await expect(bad({ tests: [t({ group: 1.5 })] })).rejects.toThrow(/tests\[0\]\.group must be an integer/);
    await expect(bad({ tests: [{ type: 'assert', code: 'assert f() == 1', group: 0 }] })).rejects.toThrow(/tests\[0\]\.group/);
    await expect(bad({ tests: [t({ group: 0, coverage: true }), t({ group: 0 })] })).rejects.toThrow(/tests\[1\]\.coverage differs from tests\[0\]'s/);
  });
  it('unknown test type', async () => {
    await expect(bad({ tests: [{ type: 'fuzz' }] })).rejects.toThrow(/tests\[0\]\.type/);
  });
  it('assert without code, stdio without stdout, bad comparator', async () => {
    await expect(bad({ tests: [{ type: 'assert', code: ' ' }] })).rejects.toThrow(/tests\[0\]\.code/);
    await expect(bad({ tests: [{ type: 'stdio', stdin: '' }] })).rejects.toThrow(/tests\[0\]\.stdout/);
    await expect(bad({ tests: [{ type: 'stdio', stdin: '', stdout: '', compare: 'lenient' }] })).rejects.toThrow(/tests\[0\]\.compare/);
  });
  it('call arguments, kwargs and expected values that are not JSON', async () => {
    const call = (x: Record<string, unknown>) => bad({ tests: [ok.tests[0], { type: 'call', fn: 'f', args: [], expected: 1, ...x }] });
    await expect(call({ args: [NaN] })).rejects.toThrow(/tests\[1\]\.args\[0\]/);
    await expect(call({ args: [() => 1] })).rejects.toThrow(/tests\[1\]\.args\[0\]/);
    await expect(call({ args: [10n] })).rejects.toThrow(/tests\[1\]\.args\[0\]/);
    await expect(call({ args: [new Date()] })).rejects.toThrow(/tests\[1\]\.args\[0\]/);
    await expect(call({ args: [undefined] })).rejects.toThrow(/tests\[1\]\.args\[0\]/);
    const cyc: unknown[] = [];
    cyc.push(cyc);
    await expect(call({ args: [cyc] })).rejects.toThrow(/cycle/);
    await expect(call({ args: 'x' })).rejects.toThrow(/tests\[1\]\.args must be an array/);
    await expect(call({ kwargs: { 'not id': 1 } })).rejects.toThrow(/kwargs/);
    await expect(call({ expected: undefined })).rejects.toThrow(/tests\[1\]\.expected/);
    await expect(call({ expected: Infinity })).rejects.toThrow(/tests\[1\]\.expected/);
    await expect(call({ fn: 'os.system' })).rejects.toThrow(/tests\[1\]\.fn/);
    await expect(call({ tolerance: { abs: -1 } })).rejects.toThrow(RangeError);
  });
  it('values nested deeper than the wire limit (400, protocol.py MAX_DEPTH): a RangeError naming the value and its depth, no stack overflow', async () => {
    const nest = (n: number, leaf: unknown = 1): unknown => {
      let v = leaf;
      for (let i = 0; i < n; i++) v = [v];
      return v;
    };
    const objects = (n: number): unknown => {
      let v: unknown = 0;
      for (let i = 0; i < n; i++) v = { k: v };
      return v;
    };
    const call = (x: Record<string, unknown>) => bad({ tests: [ok.tests[0], ok.tests[0], { type: 'call', fn: 'f', args: [1], expected: 1, ...x }] });
    await expect(call({ args: [1, nest(5001)] })).rejects.toThrow(RangeError);
    await expect(call({ args: [1, nest(5001)] })).rejects.toThrow(/^tests\[2\]\.args\[1\]: nested 5001 levels deep; at most 400 are allowed$/);
    await expect(call({ kwargs: { x: objects(1_000_000) } })).rejects.toThrow(/^tests\[2\]\.kwargs\.x: nested 1000000 levels deep; at most 400 are allowed$/);
    await expect(call({ expected: nest(401) })).rejects.toThrow(/^tests\[2\]\.expected: nested 401 levels deep; at most 400 are allowed$/);
    // an invalid value deep inside is still found by its path, without recursion
    await expect(call({ args: [nest(300, NaN)] })).rejects.toThrow(/^tests\[2\]\.args\[0\](\[0\]){300} must be JSON: NaN is not a finite number$/);
    expect(MAX_JSON_DEPTH).toBe(Number(/^MAX_DEPTH = (\d+)/m.exec(readFileSync(path.join(__dirname, '..', '..', 'lib', 'exec', 'python', 'protocol.py'), 'utf8'))![1]));
  });
  it('values exactly at the limit run: a 400-level argument travels to the program and back', async () => {
    let v: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) v = [v];
    const res = await ex.run({ language: 'python', code: 'def f(x):\n    return x\n', tests: [
      { type: 'call', fn: 'f', args: [v], expected: v }, { type: 'call', fn: 'f', args: [], kwargs: { x: v }, expected: v }] });
    expect(res.tests.map((t) => t.verdict)).toEqual(['AC', 'AC']);
  });
  it('limits <= 0 or not numbers', async () => {
    await expect(bad({ limits: { cpuMs: 0 } })).rejects.toThrow(RangeError);
    await expect(bad({ limits: { cpuMs: 0 } })).rejects.toThrow(/limits\.cpuMs/);
    await expect(bad({ limits: { wallMs: -5 } })).rejects.toThrow(/limits\.wallMs/);
    await expect(bad({ limits: { memoryMb: '512' } })).rejects.toThrow(TypeError);
    await expect(bad({ limits: { diskMb: 1 } })).rejects.toThrow(/limits\.diskMb/);
    await expect(bad({ limits: { inodes: 10.5 } })).rejects.toThrow(/limits\.inodes must be an integer/);
    await expect(bad({ limits: { tmpfsMb: 0 } })).rejects.toThrow(/limits\.tmpfsMb/);
  });
  it('nothing ran for a rejected request', async () => {
    await expect(bad({ tests: [ok.tests[0], { type: 'nope' }] })).rejects.toThrow(TypeError);
    expect(harnessProcesses()).toEqual([]);
  });
  it('a valid request still works on the same executor', async () => {
    const res = await ex.run(ok);
    expect(res.tests[0].verdict).toBe('AC');
  });
});

describe('new Executor() rejects bad options', () => {
  it('an interpreter path that does not exist', () => {
    expect(() => new Executor({ python: '/nonexistent/python3' })).toThrow(TypeError);
    expect(() => new Executor({ python: '/nonexistent/python3' })).toThrow(/python/);
  });
  it.skipIf(!ex.isolation().dropUid)('an interpreter the sandbox\'s unprivileged uid cannot reach (e.g. under /root)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verpo-private-')); // mode 0700
    try {
      const link = path.join(dir, 'python3');
      symlinkSync(ex.python, link);
      expect(() => new Executor({ python: link })).toThrow(/unprivileged uid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('an interpreter that is not Python', () => {
    expect(() => new Executor({ python: '/bin/false' })).toThrow(/python/);
  });
  it('a cell-cache bound (cacheMb) that is not a number of MiB > 0', () => {
    for (const cacheMb of [0, -5, NaN, '256']) {
      expect(() => new Executor({ cacheMb } as unknown as ConstructorParameters<typeof Executor>[0])).toThrow(RangeError);
      expect(() => new Executor({ cacheMb } as unknown as ConstructorParameters<typeof Executor>[0])).toThrow(/^cacheMb must be a number of MiB > 0/);
    }
  });
  it('limits <= 0, concurrency < 1', () => {
    expect(() => new Executor({ limits: { cpuMs: -1 } })).toThrow(RangeError);
    expect(() => new Executor({ limits: { outputKb: 0 } })).toThrow(/limits\.outputKb/);
    expect(() => new Executor({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => new Executor({ concurrency: 1.5 })).toThrow(RangeError);
  });
  it('run() after close() is an error', async () => {
    const e = new Executor({ concurrency: 1 });
    await e.close();
    await expect(e.run(ok)).rejects.toThrow(/closed/);
  });
});
