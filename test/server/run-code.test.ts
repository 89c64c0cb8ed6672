// POST /run_code against SandboxFusion's documented shapes (trainer-integration.md §1.1): the exact
// key sets of RunCodeResponse and CommandRunResult, its statuses, HTTP 200 for Failed and
// SandboxError, verl's exact request, and unknown fields ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerpoServer } from '../../lib/server/app';
import { post, pythonNumberTypes, serve } from './helpers';

const RESPONSE_KEYS = ['compile_result', 'executor_pod_name', 'files', 'message', 'run_result', 'status'];
const RUN_KEYS = ['execution_time', 'return_code', 'status', 'stderr', 'stdout'];

let server: VerpoServer;
beforeAll(async () => {
  server = await serve();
});
afterAll(async () => {
  await server.close();
});

function expectShape(body: any, compiled = false): void {
  expect(Object.keys(body).sort()).toEqual(RESPONSE_KEYS);
  expect(['Success', 'Failed', 'SandboxError']).toContain(body.status);
  expect(typeof body.message).toBe('string');
  // python: no compile step, as in SandboxFusion; cpp: one
  if (compiled) expect(Object.keys(body.compile_result).sort()).toEqual(RUN_KEYS);
  else expect(body.compile_result).toBeNull();
  expect(body.executor_pod_name).toBeNull();
  expect(body.files).toEqual({});
  if (body.run_result !== null) {
    expect(Object.keys(body.run_result).sort()).toEqual(RUN_KEYS);
    expect(['Finished', 'Error', 'TimeLimitExceeded']).toContain(body.run_result.status);
    expect(typeof body.run_result.execution_time).toBe('number');
  }
}

describe('POST /run_code (SandboxFusion)', () => {
  it('verl\'s exact request: Success with the program\'s stdout', async () => {
    const r = await post(server.url, '/run_code', {
      compile_timeout: 10, run_timeout: 10, code: 'a,b=map(int,input().split())\nprint(a+b)\n',
      stdin: '1 2\n', memory_limit_MB: 1024, language: 'python', files: {}, fetch_files: [],
    });
    expect(r.status).toBe(200);
    expectShape(r.json);
    expect(r.json.status).toBe('Success');
    expect(r.json.message).toBe('');
    expect(r.json.run_result).toMatchObject({ status: 'Finished', return_code: 0, stdout: '3\n', stderr: '' });
    expect(r.json.run_result.execution_time).toBeGreaterThan(0);
    expect(r.json.run_result.execution_time).toBeLessThan(10);
  });

  it('the minimal request (code, language) and unknown fields such as ROLL\'s expected_stdout', async () => {
    const r = await post(server.url, '/run_code', { code: 'print("Hello, world!")', language: 'python', expected_stdout: 'x', stdin: null });
    expectShape(r.json);
    expect(r.json.run_result.stdout).toBe('Hello, world!\n');
    expect(r.json.status).toBe('Success');
  });

  it('a non-zero exit is Failed, with the return code and stderr', async () => {
    const r = await post(server.url, '/run_code', { code: 'import sys\nprint("out")\nsys.stderr.write("bad\\n")\nsys.exit(3)', language: 'python' });
    expect(r.status).toBe(200);
    expectShape(r.json);
    expect(r.json.status).toBe('Failed');
    expect(r.json.run_result).toMatchObject({ status: 'Finished', return_code: 3, stdout: 'out\n', stderr: 'bad\n' });
  });

  it('an exception is Failed with return code 1 and the traceback on stderr', async () => {
    const r = await post(server.url, '/run_code', { code: 'raise ValueError("boom")', language: 'python' });
    expectShape(r.json);
    expect(r.json.status).toBe('Failed');
    expect(r.json.run_result.return_code).toBe(1);
    expect(r.json.run_result.stderr).toMatch(/ValueError: boom/);
  });

  it('a syntax error is a run that exits 1 (python has no compile step)', async () => {
    const r = await post(server.url, '/run_code', { code: 'def f(:\n  pass', language: 'python' });
    expectShape(r.json);
    expect(r.json.status).toBe('Failed');
    expect(r.json.run_result).toMatchObject({ status: 'Finished', return_code: 1, stdout: '' });
    expect(r.json.run_result.stderr).toMatch(/SyntaxError|invalid syntax/);
  });

  it('run_timeout: TimeLimitExceeded, overall Failed', async () => {
    const r = await post(server.url, '/run_code', { code: 'while True: pass', language: 'python', run_timeout: 0.5 });
    expectShape(r.json);
    expect(r.json.status).toBe('Failed');
    expect(r.json.run_result.status).toBe('TimeLimitExceeded');
    expect(r.json.run_result.return_code).toBeNull();
  });

  it('a large stdout comes back whole (verl compares it with the expected output)', async () => {
    const r = await post(server.url, '/run_code', { code: 'print("x" * 200000)', language: 'python' });
    expect(r.json.run_result.stdout).toHaveLength(200001);
  });

  it('other languages and files: SandboxError with a message, HTTP 200', async () => {
    for (const [body, msg] of [
      [{ code: 'fn main(){}', language: 'rust' }, /language "rust" is not supported by this server: python and cpp only/],
      [{ code: 'x', language: 'nodejs' }, /python and cpp only/],
      [{ code: 'print(1)', language: 'python', files: { 'a.txt': 'aGk=' } }, /files are not supported/],
      [{ code: 'print(1)', language: 'python', fetch_files: ['a.txt'] }, /fetch_files is not supported/],
    ] as const) {
      const r = await post(server.url, '/run_code', body);
      expect(r.status).toBe(200);
      expectShape(r.json);
      expect(r.json).toMatchObject({ status: 'SandboxError', run_result: null });
      expect(r.json.message).toMatch(msg);
    }
    expect(server.metrics.runCode.get({ status: 'SandboxError' })).toBeGreaterThanOrEqual(4);
  });

  it('cpp: compiled in the sandbox, with a compile_result as SandboxFusion gives compiled languages', async () => {
    const code = '#include <cstdio>\nint main(){ int a, b; scanf("%d %d", &a, &b); printf("%d\\n", a + b); return a > 5; }\n';
    const ok = await post(server.url, '/run_code', { code, language: 'cpp', stdin: '2 3\n' });
    expectShape(ok.json, true);
    expect(ok.json).toMatchObject({ status: 'Success', compile_result: { status: 'Finished', return_code: 0 }, run_result: { status: 'Finished', return_code: 0, stdout: '5\n' } });
    const failed = await post(server.url, '/run_code', { code, language: 'cpp', stdin: '7 1\n' });
    expect(failed.json).toMatchObject({ status: 'Failed', run_result: { return_code: 1, stdout: '8\n' } });
    const ce = await post(server.url, '/run_code', { code: 'int main() { return nope; }', language: 'cpp' });
    expectShape(ce.json, true);
    expect(ce.json).toMatchObject({ status: 'Failed', run_result: null, compile_result: { status: 'Finished', return_code: 1 } });
    expect(ce.json.compile_result.stderr).toContain('nope');
  });

  it('a malformed request is 400 with the field named', async () => {
    const r = await post(server.url, '/run_code', { language: 'python' });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/code/);
  });

  it('64 requests in flight at once (verl\'s default max_concurrent) all answer correctly', async () => {
    const replies = await Promise.all(Array.from({ length: 64 }, (_, i) =>
      post(server.url, '/run_code', { code: 'print(int(input()) * 2)', stdin: `${i}\n`, language: 'python', run_timeout: 20 })));
    replies.forEach((r, i) => {
      expect(r.json.status, JSON.stringify(r.json)).toBe('Success');
      expect(r.json.run_result.stdout).toBe(`${2 * i}\n`);
    });
  });
});

describe('POST /run_code: SandboxFusion\'s behaviour, not a cache\'s', () => {
  it('every request runs: random output differs, a time-out is run again, nothing is answered from the cache', async () => {
    const before = { executions: server.metrics.executions.get(), hits: server.metrics.cacheHits.get() };
    const body = { code: 'import random\nprint(random.random())', language: 'python' };
    const [a, b] = [await post(server.url, '/run_code', body), await post(server.url, '/run_code', body)];
    expect(a.json.status).toBe('Success');
    expect(a.json.run_result.stdout).not.toBe(b.json.run_result.stdout);
    const tle = { code: 'while True: pass', language: 'python', run_timeout: 0.3 };
    for (let i = 0; i < 2; i++) expect((await post(server.url, '/run_code', tle)).json.run_result.status).toBe('TimeLimitExceeded');
    expect(server.metrics.executions.get() - before.executions).toBe(4);
    expect(server.metrics.cacheHits.get()).toBe(before.hits);
  });

  it('numbers as SandboxFusion\'s pydantic model writes them: execution_time a float, return_code an int', async () => {
    const r = await post(server.url, '/run_code', { code: 'import sys; sys.exit(3)', language: 'python' });
    const types = await pythonNumberTypes(r.text);
    expect(types).toEqual(['$.run_result.execution_time: float', '$.run_result.return_code: int']);
  });
});

describe('POST /run_code: memory_limit_MB and output as SandboxFusion treats them', () => {
  let small: VerpoServer;
  beforeAll(async () => {
    // a low default memory limit and a small output size (64 KiB per stream; the program may write 16 x that)
    small = await serve({ limits: { memoryMb: 96, outputKb: 64 } });
  });
  afterAll(async () => {
    await small.close();
  });
  const allocate = 'b = bytearray(200 * 1024 * 1024)\nfor i in range(0, len(b), 4096): b[i] = 1\nprint("ok")';

  it('memory_limit_MB -1 (SandboxFusion: no limit of its own) is the server\'s ceiling, not its default', async () => {
    for (const memory_limit_MB of [-1, undefined]) {
      const r = await post(small.url, '/run_code', { code: allocate, language: 'python', run_timeout: 20, ...(memory_limit_MB === undefined ? {} : { memory_limit_MB }) });
      expect(r.json.status, JSON.stringify(r.json)).toBe('Success');
      expect(r.json.run_result.stdout).toBe('ok\n');
    }
    // a limit the request sets is kept
    const limited = await post(small.url, '/run_code', { code: allocate, language: 'python', run_timeout: 20, memory_limit_MB: 64 });
    expect(limited.json.status).toBe('Failed');
    expect(limited.json.run_result.status).toBe('Finished');
    expect(limited.json.run_result.return_code).not.toBe(0);
  });

  it('output past the returned size is cut, and the run is still judged by its own exit (SandboxFusion reads 1 MiB of each stream)', async () => {
    const r = await post(small.url, '/run_code', { code: 'import sys\nsys.stdout.write("x" * 300000)\nsys.stderr.write("e" * 100000)\nprint("done", file=sys.stderr)', language: 'python' });
    expect(r.json.status).toBe('Success');
    expect(r.json.run_result).toMatchObject({ status: 'Finished', return_code: 0 });
    expect(r.json.run_result.stdout).toBe('x'.repeat(64 * 1024));
    expect(r.json.run_result.stderr).toBe('e'.repeat(64 * 1024));
    // a program that exits 1 after a lot of output is still a non-zero exit
    const failing = await post(small.url, '/run_code', { code: 'print("y" * 200000)\nraise SystemExit(1)', language: 'python' });
    expect(failing.json.status).toBe('Failed');
    expect(failing.json.run_result).toMatchObject({ status: 'Finished', return_code: 1 });
  });

  it('only far past it (16 x the returned size) is the program stopped: Finished, killed (return code -9)', async () => {
    const r = await post(small.url, '/run_code', { code: 'import sys\nwhile True: sys.stdout.write("z" * 65536)', language: 'python', run_timeout: 20 });
    expect(r.json.status).toBe('Failed');
    expect(r.json.run_result).toMatchObject({ status: 'Finished', return_code: -9 });
    expect(r.json.run_result.stdout).toBe('z'.repeat(64 * 1024));
  });
});
