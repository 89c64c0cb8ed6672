// The native addon's surface (native/binding/*.cc), typed once: every function it exports, what each takes
// and what it returns. lib/native/load.ts loads the addon as a NativeAddon; lib/reward and lib/exec call it
// through these types, with no cast of their own. The binding re-checks the type of everything it is given
// (a wrong one is a TypeError), so these say what lib/ passes; they guard nothing at run time.

// ---- Reward kernels (reward_binding.cc)

/** [status, index, group]; null when the kernel succeeded (the codes: lib/reward/codes.ts). */
export type KernelResult = null | [number, number, number];

/** The kernel's positional arguments: the batch, its parameters (scheme, estimator, alpha, beta, gamma, delta)
 *  and the output arrays (per row, then per (group, test)); then the range of groups to compute. */
export type RewardBatchArgs = [
  passed: Uint8Array, rows: Uint32Array, tests: Uint32Array, trajectory: Uint32Array | null, rho: Float64Array | null,
  testWeight: Float64Array | null, params: Float64Array, reward: Float64Array, dense: Float64Array, outcome: Float64Array, advantage: Float64Array,
  weight: Float64Array, rhoOut: Float64Array,
];
export type RewardKernelArgs = [...batch: RewardBatchArgs, groupBegin: number, groupEnd: number];

// ---- The sandbox supervisor (exec_binding.cc; lib/exec/sandbox.ts validates and normalises what it gets)

/** tmpfsMb, inodes: the test's own /tmp and /dev/shm (with a mount namespace); their defaults (the memory limit,
 *  4096) live in native/core/exec/policy.hpp only. */
export interface SandboxLimits { cpuMs: number; wallMs: number; memoryMb: number; outputKb: number; fileKb?: number; nofile?: number; nproc?: number; tmpfsMb?: number; inodes?: number }
/** All optional in specs; defaults: every layer the host allows, except the address-space limit. */
export interface SandboxLayers { seccomp: boolean; namespaces: boolean; dropUid: boolean; cgroup: boolean; addressSpaceLimit: boolean }
export interface ZygoteSpec { init: Buffer; mode: 'serve' | 'stdio' | 'compile'; judgeInit?: Buffer }

/** A process as the binding takes it: argv[0] absolute, env as "KEY=value". */
export interface NativeProcess { argv: string[]; env: string[]; stdin: Buffer }
export interface NativeSpec {
  candidate: NativeProcess;
  judge: NativeProcess | null;
  channel: boolean;
  /** [name, data] (0444) or [name, data, true] (0555). */
  files: ([string, Buffer] | [string, Buffer, true])[];
  limits: SandboxLimits;
  layers: SandboxLayers;
  zygote?: ZygoteSpec;
  judgeMaxRssMb?: number;
  stopAfterFailure?: boolean;
}

/** writeSetPages: zygote mode, pages of the zygote its process copied in bulk right after the fork (the write set
 *  learned from earlier processes, native/core/exec/write_set.hpp); reported with the test in which the process
 *  ended; 0 elsewhere. */
export interface ProcessResult { exitCode: number | null; signal: string | null; cpuMs: number; wallMs: number; memoryKb: number; writeSetPages: number; stdout: Buffer; stderr: Buffer; stdoutTruncated: boolean; stderrTruncated: boolean }
export interface CandidateResult extends ProcessResult { limit: null | 'cpu' | 'wall' | 'memory' | 'output' | 'file'; violation: null | { syscall: string; nr: number } }
export interface IsolationReport { rlimits: boolean; seccomp: boolean; noNewPrivs: boolean; namespaces: string[]; dropUid: boolean; uid: number; cgroup: boolean; privateTmpfs: boolean; ownRlimits: boolean; privateWorkdir: boolean; cleanEnv: boolean; notes: string[] }
/** judgeRecycled: zygote mode, the slot's warm judge outgrew judgeMaxRssMb and was stopped after this test. isolation: the
 *  results of one runRollout share one object (copy it before changing it). compileError: zygote mode, a stdio run
 *  given the sources (no compiled code): its harness found, before any of them ran, that the program (or the setup
 *  code) does not compile; the compiler's message is the candidate's stderr. */
export interface SandboxResult {
  candidate: CandidateResult; judge: ProcessResult | null; isolation: IsolationReport; judgeRecycled: boolean; internalError: string | null;
  compileError: null | 'program' | 'setup';
}

export interface NativeSandboxOptions { concurrency: number; workRoot: string }
export interface NativeSandbox {
  run(spec: NativeSpec): Promise<SandboxResult>;
  /** Rollout scope: one program's tests in one process, one result each: the zygote spec they share (its stdins
   *  unused) and each test's [candidate stdin, judge stdin] (null exactly when the spec has no judge). */
  runRollout(spec: NativeSpec, stdins: [Buffer, Buffer | null][]): Promise<SandboxResult[]>;
  close(): Promise<void>;
  isolation(layers: SandboxLayers): IsolationReport;
  counters(): { active: number; queued: number; peakActive: number };
}

// ---- The addon

export interface NativeAddon {
  rewardCompute(...args: RewardKernelArgs): KernelResult;
  rewardComputeAsync(...args: RewardKernelArgs): Promise<KernelResult>;
  /** The memory-read floor of the reward benchmark: the sum of the bytes. */
  sumBytes(data: Uint8Array): number;
  ExecSandbox: new (opts: NativeSandboxOptions) => NativeSandbox;
  /** The report a run with these layers would get (the uid of slot 0). */
  execProbeIsolation(layers: SandboxLayers): IsolationReport;
  /** The fork server library zygote mode needs (verpo_zygote.so beside the addon), or null when it is missing. */
  execZygoteLibrary(): string | null;
}
