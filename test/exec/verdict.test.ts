// The verdict mapping (lib/exec/verdict.ts) on sandbox results that are hard to provoke on demand:
// supervisor facts outrank the judge and stdout, and only the judge's AC or a matching stdout is AC.
import { describe, expect, it } from 'vitest';
import type { CandidateResult, SandboxResult } from '../../lib/exec/sandbox';
import { compileFromRun, judgedCell, parseJudgeOutput, stdioCell } from '../../lib/exec/verdict';

const ctx = { excerptBytes: 8, memoryMb: 100 };

function result(cand: Partial<CandidateResult> = {}, judgeLine: string | null = '{"verdict":"AC","detail":null}',
                extra: Partial<SandboxResult> = {}): SandboxResult {
  const candidate: CandidateResult = {
    exitCode: 0, signal: null, cpuMs: 5, wallMs: 9, memoryKb: 1000, stdout: Buffer.from(''), stderr: Buffer.from(''),
    stdoutTruncated: false, stderrTruncated: false, limit: null, violation: null, ...cand,
  };
  const judge = judgeLine === null ? null : {
    exitCode: 0, signal: null, cpuMs: 5, wallMs: 9, memoryKb: 1000, stdout: Buffer.from(judgeLine + '\n'),
    stderr: Buffer.from(''), stdoutTruncated: false, stderrTruncated: false,
  };
  return {
    candidate, judge, internalError: null,
    isolation: { rlimits: true, seccomp: true, noNewPrivs: true, namespaces: [], dropUid: true, uid: 1, cgroup: false, privateWorkdir: true, cleanEnv: true, notes: [] },
    ...extra,
  };
}

describe('judged cells', () => {
  it('AC only from the judge\'s AC line', () => {
    expect(judgedCell(result(), ctx).verdict).toBe('AC');
    // the program killed after the judge finished: no exit status is reported for it
    const ac = judgedCell(result({ exitCode: null, signal: 'SIGKILL' }), ctx);
    expect(ac.verdict).toBe('AC');
    expect('signal' in ac || 'exitCode' in ac).toBe(false);
    expect(judgedCell(result({}, '{"verdict":"WA","detail":"x"}'), ctx)).toMatchObject({ verdict: 'WA', detail: 'x' });
  });
  it('supervisor facts outrank an AC line: internal error, violation, limits', () => {
    expect(judgedCell(result({}, undefined, { internalError: 'boom' }), ctx).verdict).toBe('IE');
    expect(judgedCell(result({ violation: { syscall: 'ptrace', nr: 101 } }), ctx)).toMatchObject({ verdict: 'SV', syscall: 'ptrace' });
    expect(judgedCell(result({ limit: 'cpu' }), ctx)).toMatchObject({ verdict: 'TLE', limit: 'cpu' });
    expect(judgedCell(result({ limit: 'wall' }), ctx)).toMatchObject({ verdict: 'TLE', limit: 'wall' });
    expect(judgedCell(result({ limit: 'memory' }), ctx).verdict).toBe('MLE');
    expect(judgedCell(result({ limit: 'output' }), ctx).verdict).toBe('OLE');
    expect(judgedCell(result({ limit: 'file' }), ctx).verdict).toBe('OLE');
  });
  it('a missing, malformed or multi-line judge output, or a failed judge, is IE', () => {
    expect(judgedCell(result({}, null), ctx).verdict).toBe('IE');
    expect(judgedCell(result({}, 'AC'), ctx).verdict).toBe('IE');
    expect(judgedCell(result({}, '{"verdict":"AC"}\n{"verdict":"AC"}'), ctx).verdict).toBe('IE');
    expect(judgedCell(result({}, '{"verdict":"PASS"}'), ctx).verdict).toBe('IE');
    const r = result();
    r.judge!.exitCode = 1;
    expect(judgedCell(r, ctx).verdict).toBe('IE');
  });
  it('a candidate that ended mid-test is RE with its exit status; SIGKILL near the memory limit is MLE', () => {
    const gone = '{"verdict":"RE","detail":"ended","gone":true}';
    expect(judgedCell(result({ exitCode: 0 }, gone), ctx)).toMatchObject({ verdict: 'RE', detail: expect.stringContaining('code 0') });
    expect(judgedCell(result({ exitCode: null, signal: 'SIGSEGV' }, gone), ctx)).toMatchObject({ verdict: 'RE', detail: expect.stringContaining('SIGSEGV') });
    expect(judgedCell(result({ exitCode: null, signal: 'SIGKILL', memoryKb: 99 * 1024 }, gone), ctx).verdict).toBe('MLE');
    expect(judgedCell(result({ exitCode: null, signal: 'SIGKILL', memoryKb: 10 * 1024 }, gone), ctx).verdict).toBe('RE');
    expect(judgedCell(result({}, '{"verdict":"RE","detail":"raised","exc":"MemoryError"}'), ctx).verdict).toBe('MLE');
  });
  it('keeps capped excerpts with a truncated flag', () => {
    const c = judgedCell(result({ stdout: Buffer.from('0123456789'), stderr: Buffer.from('ab') }), ctx);
    expect(c.stdout).toBe('01234567');
    expect(c.stderr).toBe('ab');
    expect(c.truncated).toBe(true);
    expect(judgedCell(result({ stderrTruncated: true }), ctx).truncated).toBe(true);
    expect(judgedCell(result(), ctx).truncated).toBe(false);
  });
});

describe('stdio cells', () => {
  const test = { type: 'stdio' as const, stdin: '', stdout: '42\n' };
  it('compares stdout only after a clean exit', () => {
    expect(stdioCell(result({ stdout: Buffer.from('42\n') }, null), test, ctx).verdict).toBe('AC');
    expect(stdioCell(result({ stdout: Buffer.from('41\n') }, null), test, ctx).verdict).toBe('WA');
    expect(stdioCell(result({ stdout: Buffer.from('42\n'), exitCode: 1, stderr: Buffer.from('Traceback\nValueError: x\n') }, null), test, ctx))
      .toMatchObject({ verdict: 'RE', detail: expect.stringContaining('ValueError: x') });
    expect(stdioCell(result({ stdout: Buffer.from('42\n'), exitCode: 1, stderr: Buffer.from('MemoryError\n') }, null), test, ctx).verdict).toBe('MLE');
    expect(stdioCell(result({ stdout: Buffer.from('42\n'), stdoutTruncated: true }, null), test, ctx).verdict).toBe('OLE');
    expect(stdioCell(result({ stdout: Buffer.from('42\n'), limit: 'cpu' }, null), test, ctx).verdict).toBe('TLE');
  });
  it("uses the test's comparator and case mode", () => {
    const yes = { type: 'stdio' as const, stdin: '', stdout: 'YES 2\n' };
    const out = result({ stdout: Buffer.from('yes  2.0000001') }, null);
    expect(stdioCell(out, yes, ctx).verdict).toBe('WA');
    expect(stdioCell(out, { ...yes, compare: 'tokens-float', case: 'insensitive' }, ctx).verdict).toBe('AC');
    expect(stdioCell(out, { ...yes, compare: 'tokens', case: 'insensitive' }, ctx).verdict).toBe('WA');
  });
});

describe('the syntax check', () => {
  it('reads the compile result, and refuses to guess when the check itself failed', () => {
    expect(compileFromRun(result({ stdout: Buffer.from('{"ok":true}\n') }, null))).toEqual({ ok: true });
    expect(compileFromRun(result({ stdout: Buffer.from('{"ok":false,"where":"program","message":"SyntaxError: x"}\n') }, null)))
      .toEqual({ ok: false, message: 'SyntaxError: x', where: 'program' });
    expect(compileFromRun(result({ exitCode: 1 }, null))).toBeNull();
    expect(compileFromRun(result({ stdout: Buffer.from('garbage') }, null))).toBeNull();
    expect(compileFromRun(result({}, null, { internalError: 'x' }))).toBeNull();
    expect(compileFromRun(result({ limit: 'cpu' }, null))).toMatchObject({ ok: false });
  });
  it('takes the compiled code that follows an ok line only when it is whole', () => {
    const code = Buffer.from([0xe3, 0, 10, 0xff, 10]);  // marshal bytes may hold newlines
    const out = (n: number, body: Buffer, extra: Partial<CandidateResult> = {}) =>
      compileFromRun(result({ stdout: Buffer.concat([Buffer.from(`{"ok":true,"marshal":${n}}\n`), body]), ...extra }, null));
    expect(out(5, code)).toEqual({ ok: true, code });
    expect(out(6, code)).toEqual({ ok: true });  // shorter than announced: the tests compile from source
    expect(out(4, code)).toEqual({ ok: true });
    expect(out(5, code, { stdoutTruncated: true })).toEqual({ ok: true });
  });

  it('parses exactly one judge line', () => {
    expect(parseJudgeOutput(Buffer.from('{"verdict":"WA"}\n'))).toEqual({ verdict: 'WA' });
    expect(parseJudgeOutput(Buffer.from(''))).toBeNull();
    expect(parseJudgeOutput(Buffer.from('null'))).toBeNull();
  });
});
