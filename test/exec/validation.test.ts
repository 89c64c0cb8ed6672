// Bad input is a TypeError/RangeError naming the field, before anything runs.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import type { RunRequest } from '../../lib/exec';
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
  it('limits <= 0 or not numbers', async () => {
    await expect(bad({ limits: { cpuMs: 0 } })).rejects.toThrow(RangeError);
    await expect(bad({ limits: { cpuMs: 0 } })).rejects.toThrow(/limits\.cpuMs/);
    await expect(bad({ limits: { wallMs: -5 } })).rejects.toThrow(/limits\.wallMs/);
    await expect(bad({ limits: { memoryMb: '512' } })).rejects.toThrow(TypeError);
    await expect(bad({ limits: { diskMb: 1 } })).rejects.toThrow(/limits\.diskMb/);
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
