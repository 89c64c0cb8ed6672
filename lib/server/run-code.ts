// SandboxFusion's POST /run_code (trainer-integration.md §1.1), so verl's
// reward_model.sandbox_fusion.url and ROLL's sandbox worker work unchanged: same request fields
// (unknown ones ignored), same response shape, same statuses, HTTP 200 even for Failed and
// SandboxError. Python and C++ (`cpp`: compiled once in the sandbox, with a compile_result as
// SandboxFusion's compiled languages have). The program runs through the server's executor as one stdio run
// with no expected output: the same sandbox and concurrency slots as /score, and as SandboxFusion
// runs it:
//  - every request runs (no cell cache: a program's random output or time-out is never replayed);
//  - memory_limit_MB -1 (SandboxFusion's default: no limit of its own) means this server's ceiling;
//  - stdout and stderr are returned up to the server's output size (--output-kb, default 1 MiB, the
//    1 MiB SandboxFusion reads of each stream), cut there while the program runs on and is judged
//    by its own exit; only past OUTPUT_GUARD times that is it stopped (a host needs a bound).
import { constants } from 'os';
import type { Executor } from '../exec/executor';
import type { TestResult } from '../exec/types';
import { redactPaths } from './errors';

export const RUN_CODE_SCHEMA = {
  type: 'object',
  required: ['code', 'language'],
  properties: {
    code: { type: 'string' },
    language: { type: 'string' },
    compile_timeout: { type: 'number' },
    run_timeout: { type: 'number' },
    memory_limit_MB: { type: 'number' },
    stdin: { type: ['string', 'null'] },
    files: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
    fetch_files: { type: 'array', items: { type: 'string' } },
  },
} as const;

export interface RunCodeRequest {
  code: string;
  language: string;
  compile_timeout?: number;
  run_timeout?: number;
  memory_limit_MB?: number;
  stdin?: string | null;
  files?: Record<string, string | null>;
  fetch_files?: string[];
}

/** SandboxFusion's CommandRunResult. */
export interface CommandRunResult {
  status: 'Finished' | 'Error' | 'TimeLimitExceeded';
  execution_time: number | null;
  return_code: number | null;
  stdout: string | null;
  stderr: string | null;
}

/** SandboxFusion's RunCodeResponse. */
export interface RunCodeResponse {
  status: 'Success' | 'Failed' | 'SandboxError';
  message: string;
  compile_result: CommandRunResult | null;
  run_result: CommandRunResult | null;
  executor_pod_name: string | null;
  files: Record<string, string>;
}

/** SandboxFusion's defaults, and the ceilings this server puts on what a request may ask for. */
export const DEFAULT_RUN_TIMEOUT_S = 10;
export const DEFAULT_COMPILE_TIMEOUT_S = 10;
const MAX_RUN_TIMEOUT_S = 180;
export const MAX_MEMORY_MB = 4096;
/** A program may write this many times the returned size per stream before it is stopped. */
export const OUTPUT_GUARD = 16;
/** And never more than this (KiB per stream): the supervisor holds what it captures in memory. */
const MAX_GUARD_KB = 65_536;

/** The run timeout a request asks for, in seconds (SandboxFusion's default 10; at most 180 here). */
export function runTimeoutS(req: RunCodeRequest): number {
  return Math.min(req.run_timeout !== undefined && req.run_timeout > 0 ? req.run_timeout : DEFAULT_RUN_TIMEOUT_S, MAX_RUN_TIMEOUT_S);
}

/**
 * How long the client waits for the reply, ms: verl's rule (call_sandbox_api: requests' timeout is
 * compile_timeout + run_timeout + API_TIMEOUT, 10 s). A program that cannot start early enough to finish within it
 * is not run: the server answers 503 instead.
 */
export function clientTimeoutMs(req: RunCodeRequest, slackMs = VERL_API_TIMEOUT_MS): number {
  const compile = req.compile_timeout !== undefined && req.compile_timeout >= 0 ? req.compile_timeout : DEFAULT_COMPILE_TIMEOUT_S;
  const run = req.run_timeout !== undefined && req.run_timeout >= 0 ? req.run_timeout : DEFAULT_RUN_TIMEOUT_S;
  return Math.round((compile + run) * 1000) + slackMs;
}

/** verl's API_TIMEOUT: the seconds its client waits beyond compile_timeout + run_timeout. */
export const VERL_API_TIMEOUT_MS = 10_000;

export function sandboxError(message: string): RunCodeResponse {
  return { status: 'SandboxError', message: redactPaths(message), compile_result: null, run_result: null, executor_pod_name: null, files: {} };
}

/** A C++ run as SandboxFusion reports a compiled language: the compile step (the compiler's message when it
 *  failed; its time is not measured apart), then the run step unless it did not compile. */
function compiledRun(message: string | undefined, cell: TestResult): RunCodeResponse {
  const step = (code: number, stderr: string): CommandRunResult => ({ status: 'Finished', execution_time: null, return_code: code, stdout: '', stderr });
  if (cell.verdict === 'CE') {
    return { status: 'Failed', message: '', compile_result: step(1, `${message ?? cell.detail ?? 'compilation failed'}\n`), run_result: null, executor_pod_name: null, files: {} };
  }
  if (cell.verdict === 'IE' && cell.cpuMs === 0 && cell.wallMs === 0) return sandboxError(cell.detail ?? 'internal sandbox error');
  const run = runResultOf(cell);
  const status = overallStatus(run);
  return { status, message: status === 'SandboxError' ? run.stderr ?? '' : '', compile_result: step(0, ''), run_result: run, executor_pod_name: null, files: {} };
}

/** parse_run_status: SandboxError if a step errored, Failed on a timeout or a non-zero exit, else Success. */
function overallStatus(run: CommandRunResult): RunCodeResponse['status'] {
  if (run.status === 'Error') return 'SandboxError';
  if (run.status === 'TimeLimitExceeded' || run.return_code !== 0) return 'Failed';
  return 'Success';
}

/** Like a subprocess return code: the exit status, or minus the signal number. */
function returnCode(t: TestResult): number | null {
  if (t.signal) {
    const n = (constants.signals as Record<string, number>)[t.signal];
    return n !== undefined ? -n : null;
  }
  return t.exitCode ?? null;
}

/** One executed stdio cell as SandboxFusion would report the run step. */
export function runResultOf(t: TestResult): CommandRunResult {
  // keys in SandboxFusion's order
  const result = (status: CommandRunResult['status'], code: number | null, stderr?: string): CommandRunResult => ({
    status, execution_time: t.wallMs / 1000, return_code: code, stdout: t.stdout ?? '', stderr: stderr ?? t.stderr ?? '',
  });
  switch (t.verdict) {
    case 'TLE':
      return result('TimeLimitExceeded', null);
    case 'IE':
      return result('Error', returnCode(t), 'internal sandbox error');
    default:
      // AC/WA (no expected output here), RE, MLE, SV: the program ran and ended with this status; OLE only
      // past the output guard (runCode), where it was stopped (SIGKILL: return code -9)
      return result('Finished', returnCode(t) ?? 1);
  }
}

/** Checks what this server can do with a request; a SandboxError reply when it cannot. */
export function unsupported(req: RunCodeRequest): RunCodeResponse | null {
  if (req.language !== 'python' && req.language !== 'cpp') {
    return sandboxError(`language ${JSON.stringify(req.language)} is not supported by this server: python and cpp only`);
  }
  if (req.files && Object.keys(req.files).length > 0) return sandboxError('files are not supported by this server: send {} (inline data in the code or stdin)');
  if (req.fetch_files && req.fetch_files.length > 0) return sandboxError('fetch_files is not supported by this server: send []');
  return null;
}

/** The memory limit of a run, MiB: what the request asks, up to the ceiling; -1 (or none) is the ceiling. */
export function memoryMbOf(req: RunCodeRequest, ceilingMb = MAX_MEMORY_MB): number {
  const asked = req.memory_limit_MB;
  return asked !== undefined && asked > 0 ? Math.min(asked, ceilingMb) : ceilingMb;
}

/**
 * Runs one /run_code request (already checked by unsupported()). `outputKb` is what is returned of each
 * stream (the executor's excerpt size); the program may write OUTPUT_GUARD times that before it is stopped.
 */
export async function runCode(executor: Executor, req: RunCodeRequest, outputKb: number): Promise<RunCodeResponse> {
  const ms = Math.max(1, Math.round(runTimeoutS(req) * 1000));
  // The wall clock is SandboxFusion's run_timeout; the CPU limit is the same (a program cannot use
  // more CPU than wall time single-threaded, and the sandbox needs a CPU limit). Both start when the
  // program starts: time spent waiting for a slot is not counted.
  const language = req.language === 'cpp' ? 'cpp' : 'python';
  const result = await executor.run({
    language,
    code: req.code,
    tests: [{ type: 'stdio', stdin: req.stdin ?? '', stdout: '', compare: 'exact' }],
    limits: { cpuMs: ms, wallMs: ms, memoryMb: memoryMbOf(req), outputKb: Math.min(MAX_GUARD_KB, Math.max(outputKb, OUTPUT_GUARD * outputKb)) },
    cache: false,
  });
  const cell = result.tests[0];
  if (language === 'cpp') return compiledRun(result.compile.message, cell);
  if (cell.verdict === 'CE') {
    // Python has no compile step in SandboxFusion: a syntax error is a run that exits 1 with the message on stderr.
    const run: CommandRunResult = { status: 'Finished', execution_time: 0, return_code: 1, stdout: '', stderr: `${result.compile.message ?? cell.detail ?? 'SyntaxError'}\n` };
    return { status: 'Failed', message: '', compile_result: null, run_result: run, executor_pod_name: null, files: {} };
  }
  const run = runResultOf(cell);
  const status = overallStatus(run);
  return {
    status,
    message: status === 'SandboxError' ? run.stderr ?? '' : '',
    compile_result: null,
    run_result: run,
    executor_pod_name: null,
    files: {},
  };
}
