// Public types of the executor: tests in, one verdict per (program, test) cell out.

/** AC passed · WA wrong answer · RE runtime error · TLE time (cpu or wall, see `limit`) · MLE memory ·
 *  OLE output · CE the program does not compile · SV sandbox violation (see `syscall`) ·
 *  IE internal error: never the program's fault (retried once); trainers should mask it. */
/** SKIPPED: not run, because an earlier test of the program failed and the request asked to stop there
 *  (RunRequest.stopAfterFailure). Passed 0. */
export type Verdict = 'AC' | 'WA' | 'RE' | 'TLE' | 'MLE' | 'OLE' | 'CE' | 'SV' | 'IE' | 'SKIPPED';

export interface Limits {
  /** CPU time per test (candidate process tree), ms. */
  cpuMs: number;
  /** Wall time per test, ms (a guard; keep it a few times cpuMs). */
  wallMs: number;
  /** Memory per test, MiB. */
  memoryMb: number;
  /** stdout/stderr bytes kept per stream before the run is stopped with OLE, KiB. */
  outputKb: number;
  /** Size of each of the test's own tmpfs (/tmp, its cwd, and /dev/shm), MiB. Default (limits.ts, defaultTmpfsMb):
   *  past the memory limit by 1/8 + 16 MiB. What they hold counts as the test's memory either way. */
  tmpfsMb?: number;
  /** Files and directories each of those tmpfs may hold (default 4096, limits.ts). Past it: ENOSPC. */
  inodes?: number;
}

export interface Tolerance {
  /** Absolute tolerance (default 1e-6 for the float comparator, 0 for call tests). */
  abs?: number;
  /** Relative tolerance (default 1e-6 for the float comparator, 0 for call tests). */
  rel?: number;
}

/** Python statements run by the trusted judge against the program's top-level names. */
export interface AssertTest {
  type: 'assert';
  code: string;
  /** The test's code is untrusted (model-written: task 'tests'): it runs inside the sandbox, in a process of its
   *  own beside the program's, and judges the program through calls only (lib/exec/python/README.md, "Pair
   *  mode"). Never in the trusted judge. */
  sandboxed?: boolean;
  /** With `sandboxed`: report the arcs of program lines the program executed during the test (`arcs`). */
  coverage?: boolean;
  /** With `sandboxed`: consecutive tests of one request with the same group run one after another in one pair of
   *  processes (one test file: what a test leaves in its own process, and the program's state, carry to the
   *  group's next test); nothing carries between groups. Without it, a test is a group of its own. */
  group?: number;
  /** Pipeline only: a held-out test, executed and reported, never rewarded (the executor ignores it). */
  hidden?: boolean;
  /** Pipeline only: a prior weight multiplied into the test's reward weight (default 1; RewardBatch.testWeight). */
  weight?: number;
}

/** `fn(*args, **kwargs)` in the program; the return value is compared with `expected` by type-aware rules. */
export interface CallTest {
  type: 'call';
  fn: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  expected: unknown;
  /** Numbers compare exactly unless a tolerance is given. */
  tolerance?: Tolerance;
  hidden?: boolean;
  weight?: number;
}

/** How a stdio test's output is compared (compare.ts): 'whitespace' (default: line by line, trailing spaces and
 *  blank lines ignored), 'exact' (bytes), 'tokens' (testlib's wcmp: whitespace-separated tokens, exact),
 *  'tokens-float' (numeric tokens within a tolerance, integers exactly; 'float' is its older name),
 *  'lines' (testlib's lcmp: line by line, each line's tokens), 'checker' (the request's checker decides: a
 *  special judge, for problems with several right answers). */
export type Comparator = 'exact' | 'whitespace' | 'tokens' | 'tokens-float' | 'float' | 'lines' | 'checker';
/** 'insensitive': ASCII case folded before comparing (YES = yes). */
export type CaseMode = 'sensitive' | 'insensitive';

/** The program runs as __main__ with `stdin`; its stdout is compared with `stdout` outside the sandbox. */
export interface StdioTest {
  type: 'stdio';
  stdin: string;
  stdout: string;
  /** Default 'whitespace'. */
  compare?: Comparator;
  /** For compare: 'tokens-float' (default abs 1e-6, rel 1e-6). */
  tolerance?: Tolerance;
  /** Default 'sensitive'. */
  case?: CaseMode;
  hidden?: boolean;
  weight?: number;
}

export type TestCase = AssertTest | CallTest | StdioTest;

/** A special judge (checker.ts): started as `checker input.txt output.txt answer.txt`; exit code 0 AC, 1 WA,
 *  2 WA (presentation error), anything else IE. Runs in a sandbox of its own, after the program. */
export interface Checker {
  language: 'python' | 'cpp';
  source: string;
}

export interface RunRequest {
  /** 'cpp': compiled once (ExecutorOptions.cxx, cxxFlags) in the sandbox, stdio tests only. */
  language: 'python' | 'cpp';
  /** The untrusted program. */
  code: string;
  /** Trusted per-problem code (imports, helpers), run before the program and before each test (Python only). */
  setup?: string;
  /** For stdio tests with compare: 'checker'. */
  checker?: Checker;
  tests: TestCase[];
  /** Per-request overrides of the executor's limits. */
  limits?: Partial<Limits>;
  /** false: run every cell even if the content-hash cache holds it (default true; nothing is
   *  cached when the executor was made with cache: false). */
  cache?: boolean;
  /** After the program's first test that is not AC (in test order), its later tests are not run: SKIPPED. For
   *  callers to whom one failure decides the result (verpo run, the binary scheme). In scope rollout the
   *  supervisor stops the process's tests itself; a stdio test's wrong output is judged after the run, so the
   *  stdio tests after one still run there (and are reported SKIPPED). Elsewhere the tests run one at a time.
   *  Sandboxed tests stop per group (one test file): a group's tests after its first failure are SKIPPED. */
  stopAfterFailure?: boolean;
}

export interface CompileResult {
  ok: boolean;
  message?: string;
}

export type LimitKind = 'cpu' | 'wall' | 'memory' | 'output' | 'file';

export interface TestResult {
  verdict: Verdict;
  cpuMs: number;
  wallMs: number;
  /** Peak memory of the candidate, KiB: its process tree's resident memory plus the bytes in its own /tmp and
   *  /dev/shm tmpfs (sampled every 10 ms; the larger of that and the main process's own peak RSS). */
  memoryKb: number;
  /** The program's exit status, when its own end decided the verdict (stdio tests; a judged test whose
   *  program ended mid-test). Absent when the sandbox ended a program that was still serving the judge. */
  exitCode?: number | null;
  signal?: string | null;
  /** Excerpts of the candidate's output (capped; see `truncated`). */
  stdout?: string;
  stderr?: string;
  truncated?: boolean;
  detail?: string;
  /** Which limit ended the run (TLE: cpu or wall; MLE: memory; OLE: output or file). */
  limit?: LimitKind;
  /** SV: the syscall the filter refused. */
  syscall?: string;
  /** How many times the cell was re-run after an internal error. */
  retries?: number;
  /** The cell was answered from the executor's content-hash cache (an identical program, setup, test and
   *  limits ran already, or was running). */
  cached?: boolean;
  /** assert/call tests: CPU time the trusted judge spent on this test, ms (spawn mode: the judge process's
   *  rusage; zygote mode: the warm judge's utime + stime over the test, in 10 ms clock ticks). Not counted against
   *  the program's cpuMs. */
  judgeCpuMs?: number;
  /** A sandboxed assert test with `coverage`: the (line, next line) arcs of the program's own lines it executed,
   *  flat (-1: a frame's entry or exit), recorded by the program's side of the pair. */
  arcs?: number[];
  /** compare: 'checker': CPU time the checker spent on this test, ms (not counted against the program). */
  checkerCpuMs?: number;
}

export interface IsolationLayers {
  rlimits: boolean;
  seccomp: boolean;
  noNewPrivs: boolean;
  namespaces: string[];
  dropUid: boolean;
  uid: number;
  cgroup: boolean;
  /** /tmp and /dev/shm are tmpfs of the test's own (size- and inode-limited, counted as its memory). */
  privateTmpfs: boolean;
  /** The test may lower its rlimits and raise a soft one up to its hard one (it holds no CAP_SYS_RESOURCE). */
  ownRlimits: boolean;
  /** Programs can import the host interpreter's installed packages (ExecutorOptions.sitePackages). */
  sitePackages: boolean;
  privateWorkdir: boolean;
  cleanEnv: boolean;
  notes: string[];
}

export interface RunResult {
  compile: CompileResult;
  tests: TestResult[];
  /** The isolation layers that were active for this run. */
  isolation: IsolationLayers;
}

export interface ExecutorOptions {
  /** Tests running at once across all run() calls (default: the number of cores). */
  concurrency?: number;
  /** Python interpreter (default /usr/bin/python3 when present, else `python3` on PATH, resolved once). */
  python?: string;
  /** Default limits (cpuMs 2000, wallMs 6000, memoryMb 512, outputKb 1024). */
  limits?: Partial<Limits>;
  /** Programs import what the host interpreter has installed (its site-packages, read-only in the sandbox's
   *  mount view; `site` runs once in each slot's zygote, so a test pays nothing for it), as on a judge and under
   *  the datasets' graders. Default true; false: stdlib only (`-S`). User site-packages never (`-s`). */
  sitePackages?: boolean;
  /** Bytes of stdout/stderr kept per stream in each cell (default 4096). */
  excerptBytes?: number;
  /** Largest single reply (a return value) the judge accepts from a program, KiB (default 16384). */
  maxReplyKb?: number;
  /** Isolation layers to turn off (for benchmarking what each costs). */
  layers?: Partial<{ seccomp: boolean; namespaces: boolean; dropUid: boolean; cgroup: boolean; addressSpaceLimit: boolean }>;
  /** Where per-test workdirs are created (passed to the sandbox). */
  workRoot?: string;
  /** How each test's process starts. 'zygote' (default): forked from a warm interpreter of the slot,
   *  isolated in the child before any program code runs, judged by a warm judge of the slot.
   *  'spawn': a fresh interpreter (and a fresh judge) per test. Same layers, same verdicts.
   *  Without verpo_zygote.so beside the addon the default is 'spawn' (the isolation notes say so), and
   *  asking for 'zygote' throws. */
  mode?: 'zygote' | 'spawn';
  /** The unit of process creation (zygote mode, Python programs). 'test': one process per test. 'rollout': one
   *  process per program's tests of a kind — its top level runs once, then its assert/call tests are judged one
   *  after another against it, and its stdio tests each run its compiled top level again as `__main__` with
   *  their own stdin/stdout/stderr; every test keeps its own verdict and limits (measured from outside), and a
   *  test that ends the process (crash, limit, `os._exit`...) is followed by a fresh one. What may carry over
   *  between the tests of one program: README "Rollout scope". Spawn mode and C++ programs run per test. */
  scope?: 'rollout' | 'test';
  /** Content-hash cache of (program, setup, test, limits) -> cell (default true): duplicate rollouts run once. */
  cache?: boolean;
  /** Bound of that cache, MiB of estimated cell bytes (default 256; least recently used dropped first; cell-cache.ts). */
  cacheMb?: number;
  /** Zygote mode: a slot's warm judge whose resident memory has grown past this many MiB is recycled (killed
   *  after its test, restarted on next use; counted in `counters().judgeRecycles`). Default 256
   *  (native/core/exec/policy.hpp); 0: never. */
  judgeMaxRssMb?: number;
  /** C++ compiler for language 'cpp' programs and C++ checkers (cpp.ts): default $VERPO_CXX, else /usr/bin/g++,
   *  else g++ on PATH. Without one, their cells are IE saying so. */
  cxx?: string;
  /** Its flags (default -O2 -std=gnu++17 -DONLINE_JUDGE, as Codeforces). */
  cxxFlags?: string[];
  /** testlib.h (a file, or a directory holding it) for C++ checkers that include it; default $VERPO_TESTLIB. */
  testlib?: string;
}
