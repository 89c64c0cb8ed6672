// SandboxFusion's POST /run_code (trainer-integration.md §1.1), so verl's
// reward_model.sandbox_fusion.url and ROLL's sandbox worker work unchanged: same request fields
// (unknown ones ignored), same response shape, same statuses, HTTP 200 even for Failed and
// SandboxError. Python only. The program runs through the server's executor as one stdio run
// with no expected output: the same sandbox, limits and concurrency slots as /score.
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
const DEFAULT_RUN_TIMEOUT_S = 10;
const MAX_RUN_TIMEOUT_S = 180;
const MAX_MEMORY_MB = 4096;

export function sandboxError(message: string): RunCodeResponse {
  return { status: 'SandboxError', message: redactPaths(message), compile_result: null, run_result: null, executor_pod_name: null, files: {} };
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
      // AC/WA (no expected output here), RE, MLE, OLE, SV: the program ran and ended with this status
      return result('Finished', returnCode(t) ?? 1);
  }
}

/** Checks what this server can do with a request; a SandboxError reply when it cannot. */
export function unsupported(req: RunCodeRequest): RunCodeResponse | null {
  if (req.language !== 'python') return sandboxError(`language ${JSON.stringify(req.language)} is not supported by this server: python only`);
  if (req.files && Object.keys(req.files).length > 0) return sandboxError('files are not supported by this server: send {} (inline data in the code or stdin)');
  if (req.fetch_files && req.fetch_files.length > 0) return sandboxError('fetch_files is not supported by this server: send []');
  return null;
}

/** Runs one /run_code request (already checked by unsupported()). */
export async function runCode(executor: Executor, req: RunCodeRequest): Promise<RunCodeResponse> {
  const timeoutS = Math.min(req.run_timeout !== undefined && req.run_timeout > 0 ? req.run_timeout : DEFAULT_RUN_TIMEOUT_S, MAX_RUN_TIMEOUT_S);
  const ms = Math.max(1, Math.round(timeoutS * 1000));
  const memoryMb = req.memory_limit_MB !== undefined && req.memory_limit_MB > 0 ? Math.min(req.memory_limit_MB, MAX_MEMORY_MB) : undefined;
  // The wall clock is SandboxFusion's run_timeout; the CPU limit is the same (a program cannot use
  // more CPU than wall time single-threaded, and the sandbox needs a CPU limit).
  const result = await executor.run({
    language: 'python',
    code: req.code,
    tests: [{ type: 'stdio', stdin: req.stdin ?? '', stdout: '', compare: 'exact' }],
    limits: { cpuMs: ms, wallMs: ms, ...(memoryMb !== undefined ? { memoryMb } : {}) },
  });
  const cell = result.tests[0];
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
