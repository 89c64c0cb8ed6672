// The Executor: runs an untrusted Python program against unit tests, one fresh sandboxed process per test,
// and returns one verdict per test. assert/call tests are evaluated by a trusted judge process that talks
// to the sandboxed runner over a socketpair (see python/judge.py); stdio tests are compared here.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  compileHarness, describePython, JUDGE_BOOT, JUDGE_SERVER_BOOT, pythonDir, reachableByOthers, RUNNER_BOOT, ZYGOTE_BOOT,
  type CompiledHarness,
} from './interpreter';
import type { SandboxResult } from '../native/types';
import { Sandbox, zygoteLibrary, type SandboxSpec } from './sandbox';
import type {
  AssertTest, CallTest, CompileResult, ExecutorOptions, IsolationLayers, Limits, RunRequest, RunResult, StdioTest, TestCase,
  TestResult,
} from './types';
import { DEFAULT_LIMITS, validateExecutorOptions, validateLimits, validateRequest } from './validate';
import { defaultTmpfsMb } from './limits';
import { OnceCache } from './once-cache';
import { cacheBytes, CellCache, type CellCacheStats } from './cell-cache';
import { checkedCell, compileFromRun, judgedCell, pairCells, SETUP_DOES_NOT_COMPILE, stdioCell, stdioRunCell, type CellContext } from './verdict';
import {
  binarySpec, compiledFromRun, compileSpec, DEFAULT_CXX_FLAGS, findCompiler, type CompiledOutcome, type CompilerLookup,
} from './cpp';
import {
  CHECKER_ARGS, CHECKER_LIMITS, checkerVerdict, checkFiles, includesTestlib, pythonCheckerSpec,
} from './checker';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const DEFAULT_EXCERPT_BYTES = 4096;
const DEFAULT_MAX_REPLY_KB = 16384;
/** Cells kept by the content-hash cache (oldest dropped first); a cell is a few hundred bytes. */
/** Programs whose syntax check (and compiled code, a few KB each) the cache keeps. */
const COMPILE_CACHE_ENTRIES = 4096;
/** The syntax check's output carries the program's compiled code (runner.py MAX_CODE_BYTES and its line). */
const COMPILE_OUTPUT_KB = 1024;
/** The syntax check's own time budget: compiling is not running a test, so a test's tight CPU limit (or a
 *  loaded host) must not turn a correct program into CE. CPython's compile has no time bombs that need more. */
const SYNTAX_CHECK_CPU_MS = 10_000;
const SYNTAX_CHECK_WALL_MS = 30_000;
/** Bytes of compiled C++ programs and checkers the compile cache keeps (a typical binary is ~20 KB). */
const BINARY_CACHE_BYTES = 128 * 2 ** 20;
/** Rollout scope: programs up to this size (setup included) compile in the process that runs them; larger ones get
 *  the syntax check of their own, whose budget a large program's compile may need (it is not a test's CPU). */
const IN_PROCESS_COMPILE_CHARS = 64 * 1024;
/** Compiler messages kept for a CE, bytes. */
const COMPILER_MESSAGE_BYTES = 8192;

/** Tests handed to the native supervisor beyond the ones running, per slot: the supervisor runs at most one
 *  per slot (never more than `concurrency` at once) and starts a queued one as soon as a slot frees, without
 *  waiting for this thread. A queued test's time limits start when it starts. */
const QUEUED_PER_SLOT = 1;

/** Counting semaphore: never more than `size` sandboxed runs handed to the sandbox, across all run() calls. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) { this.free = size; }
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.free++;
    }
  }
}

interface Prepared {
  files: Record<string, string | Buffer>;
  limits: Limits;
  setup: string | undefined;
  /** Content hash of (program, setup, limits, checker): the cache key prefix of this program's cells. */
  key: string;
  /** A 'cpp' program, compiled. */
  binary?: Buffer;
  /** The request's checker, made ready once per checker text (only awaited by checker tests). */
  checker?: Promise<ReadyChecker>;
  /** RunRequest.stopAfterFailure. */
  stop?: boolean;
}

/** A checker ready to run: the spec of one check from its three files, or why it cannot run (IE). */
type ReadyChecker = { spec: (files: Record<string, string | Buffer>) => SandboxSpec } | { error: string };

export interface ExecutorCounters {
  /** Sandboxed executions started (tests, syntax checks, retries). */
  executions: number;
  /** Cells answered from the content-hash cache (including duplicates that joined a running execution). */
  cacheHits: number;
  /** Syntax checks answered from the cache. */
  compileCacheHits: number;
  /** Zygote mode: warm judges stopped after a test because their RSS had grown past `judgeMaxRssMb`. */
  judgeRecycles: number;
}

export class Executor {
  readonly concurrency: number;
  readonly python: string;
  readonly limits: Limits;
  private readonly sandbox: Sandbox;
  private readonly slots: Slots;
  private readonly excerptBytes: number;
  private readonly maxReplyBytes: number;
  private readonly harness: CompiledHarness;
  private readonly candidateFlags: string[];
  private readonly sitePackages: boolean;
  readonly mode: 'zygote' | 'spawn';
  /** 'rollout' applies in zygote mode to Python programs; otherwise every test gets its own process. */
  readonly scope: 'rollout' | 'test';
  private readonly modeNote: string | null;
  private isolationReport: IsolationLayers | null = null;
  private readonly cache: CellCache | null;
  private readonly compileCache: OnceCache<CompileOutcome> | null;
  private readonly stats: ExecutorCounters = { executions: 0, cacheHits: 0, compileCacheHits: 0, judgeRecycles: 0 };
  /** undefined: the native default (policy.hpp). */
  private readonly judgeMaxRssMb: number | undefined;
  private readonly cxxGiven: string | undefined;
  private compilerFound: CompilerLookup | null = null;
  readonly cxxFlags: readonly string[];
  private readonly testlibPath: string | undefined;
  private readonly binaries = new OnceCache<CompiledOutcome>({
    bytes: BINARY_CACHE_BYTES, keep: (o) => !('internal' in o), bytesOf: (o) => ('binary' in o ? o.binary.length : 'message' in o ? o.message.length : 0),
  });
  private closed = false;

  constructor(options?: ExecutorOptions) {
    const opts = validateExecutorOptions(options);
    this.concurrency = opts.concurrency ?? availableParallelism();
    const py = describePython(opts.python);
    this.python = py.executable;
    this.limits = { ...DEFAULT_LIMITS, ...validateLimits(opts.limits, 'limits') };
    this.excerptBytes = opts.excerptBytes ?? DEFAULT_EXCERPT_BYTES;
    this.maxReplyBytes = (opts.maxReplyKb ?? DEFAULT_MAX_REPLY_KB) * 1024;
    const bound = opts.judgeMaxRssMb;
    if (bound !== undefined && (typeof bound !== 'number' || !Number.isInteger(bound) || bound < 0)) {
      throw new RangeError(`judgeMaxRssMb must be an integer >= 0, got ${String(bound)}`);
    }
    this.judgeMaxRssMb = bound;
    this.cxxGiven = opts.cxx;
    this.cxxFlags = Object.freeze([...(opts.cxxFlags ?? DEFAULT_CXX_FLAGS)]);
    this.testlibPath = opts.testlib ?? (process.env.VERPO_TESTLIB || undefined);
    this.harness = compileHarness(this.python, pythonDir());
    // Not -I: it implies -E, which would drop PYTHONHASHSEED=0 from our (clean, allowlisted) environment.
    // -s: no user site; -B: no .pyc writes; -S only for a stdlib-only run (sitePackages: false). Trusted
    // processes (judge, compile harness) always run with -S.
    this.sitePackages = opts.sitePackages !== false;
    this.candidateFlags = this.sitePackages ? ['-s', '-B'] : ['-S', '-s', '-B'];
    // Zygote mode needs the fork server library beside the addon (a hand-copied .node may lack it): asked
    // for, that is an error; by default, spawn mode serves instead (slower) and the isolation notes say so.
    const forkServer = opts.mode === 'spawn' ? null : zygoteLibrary();
    if (opts.mode === 'zygote' && forkServer === null) {
      throw new Error("mode 'zygote' needs verpo_zygote.so beside the native addon, which is missing " +
        "(rebuild the addon with `npm run build:native`, or use mode: 'spawn')");
    }
    this.mode = opts.mode ?? (forkServer === null ? 'spawn' : 'zygote');
    this.scope = opts.scope ?? 'rollout';
    this.modeNote = opts.mode === undefined && forkServer === null
      ? 'spawn mode: verpo_zygote.so (the zygote\'s fork server) is missing beside the native addon' : null;
    this.cache = opts.cache === false ? null : new CellCache(cacheBytes(opts.cacheMb));
    this.compileCache = opts.cache === false ? null : new OnceCache({ entries: COMPILE_CACHE_ENTRIES, keep: (c) => c.kind !== 'internal' });
    this.sandbox = new Sandbox({ concurrency: this.concurrency, workRoot: opts.workRoot, layers: opts.layers });
    this.slots = new Slots(this.concurrency * (1 + QUEUED_PER_SLOT));
    if (opts.cxx !== undefined) {
      const c = this.compiler();
      if ('missing' in c) {
        void this.sandbox.close();
        throw new TypeError(`cxx: ${c.missing}`);
      }
    }
    // The candidate runs as an unprivileged uid: an interpreter under /root (pyenv) would fail every test.
    if (this.sandbox.isolation().dropUid && !(reachableByOthers(this.python, 0o001) && reachableByOthers(`${py.stdlib}/os.py`, 0o004))) {
      void this.sandbox.close();
      throw new TypeError(`python: ${this.python} (stdlib ${py.stdlib}) is not readable/executable by the sandbox's ` +
        'unprivileged uid; use a system-wide interpreter such as /usr/bin/python3');
    }
  }

  /** The isolation layers this host allows and the sandbox applies. */
  isolation(): IsolationLayers {
    // The same for every run of this executor (the host is probed once, the layers are fixed at construction):
    // built once, and a copy per call, as every run result carries one
    const r = this.isolationReport ??= this.buildIsolation();
    return { ...r, namespaces: [...r.namespaces], notes: [...r.notes] };
  }

  private buildIsolation(): IsolationLayers {
    const report = { ...this.sandbox.isolation(), sitePackages: this.sitePackages };
    if (this.modeNote !== null) report.notes.push(this.modeNote);
    // (the fork server resets its namespace's last pid before each fork, which only root may: fork_server.cpp)
    if (this.mode === 'zygote' && report.namespaces.includes('pid') && process.getuid?.() !== 0) {
      report.notes.push('pids: a program\'s pid follows on from the processes the programs before it in its slot made ' +
        '(a few bits from one rollout to the next): resetting the namespace\'s last pid needs root');
    }
    if (!this.sitePackages) report.notes.push('site-packages: off (sitePackages: false): programs import the standard library only');
    return report;
  }

  /** The cell cache's size and bound (null when caching is off). */
  cacheStats(): CellCacheStats | null {
    return this.cache?.stats() ?? null;
  }

  /** Executions and cache hits since construction. */
  counters(): ExecutorCounters {
    return { ...this.stats };
  }

  async run(request: RunRequest): Promise<RunResult> {
    const req = validateRequest(request);
    if (this.closed) throw new Error('Executor is closed');
    const limits = { ...this.limits, ...validateLimits(req.limits, 'limits') };
    // The tmpfs size follows the executor's memory limit, not each request's: a zygote slot's tmpfs is
    // mounted with the slot, so a size that moved with every problem's memory limit would restart it.
    // What the tmpfs hold counts against each test's own memory limit either way.
    // Past the memory limit (as policy.hpp's default): files that fill it are MLE, not an ENOSPC at the limit.
    if (limits.tmpfsMb === undefined) limits.tmpfsMb = defaultTmpfsMb(Math.max(this.limits.memoryMb, limits.memoryMb));
    const checker = req.checker === undefined ? undefined : this.readyChecker(req.checker.language, req.checker.source);
    const key = contentHash([this.mode, req.language, req.code, req.setup ?? '', JSON.stringify(limits),
      req.checker?.language ?? '', req.checker?.source ?? '', req.language === 'cpp' ? this.cxxFlags.join('\0') : '']);
    const stop = req.stopAfterFailure === true;
    if (req.language === 'cpp') return this.runCpp(req, { files: {}, limits, setup: undefined, key, checker, stop });
    const prepared: Prepared = { files: this.programFiles(req), limits, setup: req.setup ?? undefined, key, checker, stop };
    const paired = req.tests.some((t) => t.type === 'assert' && t.sandboxed === true);
    if (!paired && this.compilesInProcess(req)) return this.runCompilingInProcess(req, prepared);
    const compile = await this.cachedSyntaxCheck(prepared);
    if (compile.kind === 'internal') {
      return { compile: { ok: false, message: compile.message }, tests: req.tests.map(() => blankCell('IE', compile.message)), isolation: this.isolation() };
    }
    if (compile.kind === 'setup') {
      return { compile: { ok: true }, tests: req.tests.map(() => blankCell('IE', compile.message)), isolation: this.isolation() };
    }
    if (!compile.result.ok) {
      const msg = compile.result.message ?? 'the program does not compile';
      return { compile: compile.result, tests: req.tests.map(() => blankCell('CE', msg)), isolation: this.isolation() };
    }
    // The tests run the code the syntax check compiled (once per program), not the source.
    if (compile.code !== undefined) prepared.files = this.programFiles(req, compile.code);
    if (paired) {
      if (!req.tests.every((t) => t.type === 'assert' && t.sandboxed === true)) throw new TypeError('tests: sandboxed tests cannot be mixed with others in one request');
      return { compile: compile.result, tests: await this.pairedCells(req.tests as AssertTest[], prepared, req.cache !== false), isolation: this.isolation() };
    }
    const tests =  this.scope === 'rollout' && this.mode === 'zygote' && (!stop || oneKind(req.tests))
      ? await this.rolloutCells(req.tests, prepared, req.cache !== false)
      : await this.cellsPerTest(req.tests, prepared, req.cache !== false);
    return { compile: compile.result, tests: stop ? skippedAfterFailure(tests) : tests, isolation: this.isolation() };
  }

  /** One process per test: all at once, or (stopAfterFailure) one after another until one fails. */
  private async cellsPerTest(tests: TestCase[], p: Prepared, useCache: boolean): Promise<TestResult[]> {
    const cell = (t: TestCase) => (useCache ? this.cachedCell(t, p) : this.runCell(t, p));
    if (!p.stop) return Promise.all(tests.map(cell));
    const out: TestResult[] = [];
    for (const t of tests) {
      if (out.length > 0 && out[out.length - 1].verdict !== 'AC') out.push(skippedCell());
      else out.push(await cell(t));
    }
    return out;
  }

  /** Rollout scope, a program of ordinary size: no separate syntax check. The rollout's process compiles the
   *  sources before it runs any of them and says when they do not compile (to the judge, or for stdio tests on its
   *  report pipe, which closes before the program's first line); that saves one fork per program (a syntax check
   *  is a process of its own): half the processes of a one-test request (a whole `check(candidate)` sent as one
   *  test, a SandboxFusion /run_code call). */
  private compilesInProcess(req: RunRequest): boolean {
    // (stopAfterFailure over two kinds runs test after test: cellsPerTest, after a syntax check)
    return this.scope === 'rollout' && this.mode === 'zygote' && req.tests.length > 0 &&
      (req.stopAfterFailure !== true || oneKind(req.tests)) && req.code.length + (req.setup?.length ?? 0) <= IN_PROCESS_COMPILE_CHARS;
  }

  private async runCompilingInProcess(req: RunRequest, p: Prepared): Promise<RunResult> {
    const tests = await this.rolloutCells(req.tests, p, req.cache !== false);
    const ce = tests.find((c) => c.verdict === 'CE');
    const setup = tests.find(setupUncompilable);
    if (ce === undefined && setup !== undefined) return { compile: { ok: true }, tests: req.tests.map(() => blankCell('IE', setup.detail!)), isolation: this.isolation() };
    if (ce === undefined) return { compile: { ok: true }, tests: p.stop ? skippedAfterFailure(tests) : tests, isolation: this.isolation() };
    // what the syntax check would have said: every test CE with the compiler's message
    const message = ce.detail ?? 'the program does not compile';
    return { compile: { ok: false, message }, tests: req.tests.map(() => blankCell('CE', message)), isolation: this.isolation() };
  }

  /** Rollout scope: the program's assert/call tests in one process, its stdio tests in another (one native call
   *  each, in order); a kind with one test runs in a process of its own, as in scope 'test'. A cell that comes back
   *  IE runs again alone. */
  private async rolloutCells(tests: TestCase[], p: Prepared, useCache: boolean): Promise<TestResult[]> {
    const out: TestResult[] = new Array(tests.length);
    const groups = [tests.flatMap((t, i) => (t.type === 'stdio' ? [] : [i])), tests.flatMap((t, i) => (t.type === 'stdio' ? [i] : []))];
    await Promise.all(groups.map(async (group) => {
      if (group.length === 0) return;
      const mine = group.map((i) => tests[i]);
      const cells = group.length === 1
        ? [await (useCache ? this.cachedCell(mine[0], p) : this.runCell(mine[0], p))]
        : await (useCache ? this.cachedRollout(mine, p) : this.runRollout(mine, p));
      group.forEach((i, k) => { out[i] = cells[k]; });
    }));
    return out;
  }

  /** A rollout's cells from the cache, keyed by (program, setup, limits, the whole test list, the position): a
   *  test's cell in this scope depends on the tests before it. Duplicates in flight share one run. */
  private async cachedRollout(tests: TestCase[], p: Prepared): Promise<TestResult[]> {
    const cache = this.cache;
    if (cache === null) return this.runRollout(tests, p);
    const group = contentHash([p.key, p.stop ? 'rollout, stop after failure' : 'rollout', JSON.stringify(tests)]);
    const keys = tests.map((_, i) => `${group}:${i}`);
    const hits = keys.map((k) => cache.get(k));
    if (hits.every((h) => h !== undefined)) {
      this.stats.cacheHits += tests.length;
      return (await Promise.all(hits as Promise<TestResult>[])).map((c) => ({ ...c, cached: true }));
    }
    const fresh = this.runRollout(tests, p);
    keys.forEach((k, i) => cache.set(k, fresh.then((cells) => cells[i])));
    const cells = await fresh;
    cells.forEach((c, i) => { if (c.verdict === 'IE') cache.delete(keys[i]); });
    return cells;
  }

  /** One native call for the tests (in one process, or a fresh one after a test that ended it); each IE cell
   *  runs again alone, as scope 'test' retries it. */
  private async runRollout(tests: TestCase[], p: Prepared): Promise<TestResult[]> {
    let runs: SandboxResult[];
    try {
      const specs = tests.map((t) => (t.type === 'stdio' ? this.stdioSpec(t, p) : this.judgedSpec(t, p)))
        .map((s) => (p.stop ? { ...s, stopAfterFailure: true } : s));
      runs = await this.slots.use(() => this.sandbox.runRollout(specs));
      this.stats.executions += runs.filter((r) => r.internalError === null || !r.internalError.startsWith('not run: ')).length;
    } catch (e) {
      if (this.closed) throw e;
      return Promise.all(tests.map((t) => this.runCell(t, p)));
    }
    const cells = await Promise.all(tests.map((t, i) => {
      if (runs[i].judgeRecycled) this.stats.judgeRecycles++;
      if (runs[i].internalError === NOT_RUN_AFTER_FAILURE) return skippedCell();
      return this.cellOf(t, runs[i], p);
    }));
    // the sources do not compile (the runner found it; the tests after it did not run): all CE, nothing to retry
    const ce = cells.find((c) => c.verdict === 'CE');
    if (ce !== undefined) return tests.map(() => blankCell('CE', ce.detail ?? 'the program does not compile'));
    // the setup code does not compile (the judge or the harness found it): IE on every test, as the syntax check
    // of scope test says it, and nothing to retry (the tests after it did not run)
    const setup = cells.find(setupUncompilable);
    if (setup !== undefined) return tests.map(() => blankCell('IE', setup.detail!));
    return Promise.all(cells.map(async (first, i) => {
      if (first.verdict !== 'IE') return first;
      const again = await this.attempt(tests[i], p);
      again.retries = 1;
      return again;
    }));
  }

  /** A C++ program: compiled once per (text, flags) in the sandbox, then its binary run per test. */
  private async runCpp(req: RunRequest, p: Prepared): Promise<RunResult> {
    const built = await this.compileCpp(req.code, this.cxxFlags, {});
    if ('internal' in built) {
      return { compile: { ok: false, message: built.internal }, tests: req.tests.map(() => blankCell('IE', built.internal)), isolation: this.isolation() };
    }
    if (!built.ok) return { compile: built, tests: req.tests.map(() => blankCell('CE', built.message)), isolation: this.isolation() };
    p.binary = built.binary;
    const tests = await this.cellsPerTest(req.tests, p, req.cache !== false);
    return { compile: { ok: true }, tests: p.stop ? skippedAfterFailure(tests) : tests, isolation: this.isolation() };
  }

  /** The C++ compiler, looked up on first use (or at construction when `cxx` was given). */
  private compiler(): CompilerLookup {
    return this.compilerFound ??= findCompiler(this.cxxGiven, this.sandbox.isolation().dropUid);
  }

  /** One sandboxed compile per (source, flags, files), shared; an internal error is retried once. */
  private compileCpp(source: string, flags: readonly string[], files: Record<string, string | Buffer>): Promise<CompiledOutcome> {
    const c = this.compiler();
    if ('missing' in c) return Promise.resolve({ internal: c.missing });
    const key = contentHash([c.path, flags.join('\0'), source, ...Object.entries(files).flat().map(String)]);
    const { outcome, hit } = this.binaries.get(key, async () => {
      let last: CompiledOutcome = { internal: 'not compiled' };
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          last = compiledFromRun(await this.sandboxed(compileSpec(c.path, flags, source, files)), COMPILER_MESSAGE_BYTES);
        } catch (e) {
          last = { internal: `compile: ${(e as Error).message}` };
        }
        if (!('internal' in last)) return last;
      }
      return last;
    });
    if (hit) this.stats.compileCacheHits++;
    return outcome;
  }

  /** testlib.h's text, for C++ checkers that include it. */
  private testlib(): { text: string } | { error: string } {
    const given = this.testlibPath;
    if (given === undefined) {
      return { error: 'the checker includes testlib.h: give its path with --testlib <file> (ExecutorOptions.testlib, or VERPO_TESTLIB)' };
    }
    const file = existsSync(given) && statSync(given).isDirectory() ? path.join(given, 'testlib.h') : given;
    try {
      return { text: readFileSync(file, 'utf8') };
    } catch (e) {
      return { error: `testlib.h (${file}): ${(e as Error).message}` };
    }
  }

  /** A checker made ready: a C++ one compiled (once per text), a Python one run through its boot. */
  private async readyChecker(language: 'python' | 'cpp', source: string): Promise<ReadyChecker> {
    if (language === 'python') {
      return { spec: (files) => pythonCheckerSpec(this.python, this.candidateFlags, source, files, this.candidateEnv) };
    }
    let extra: Record<string, string> = {};
    if (includesTestlib(source)) {
      const t = this.testlib();
      if ('error' in t) return { error: t.error };
      extra = { 'testlib.h': t.text };
    }
    const built = await this.compileCpp(source, [...this.cxxFlags, '-I.'], extra);
    if ('internal' in built) return { error: `checker: ${built.internal}` };
    if (!built.ok) return { error: `the checker does not compile: ${built.message}` };
    return { spec: (files) => binarySpec(built.binary, '', CHECKER_LIMITS, [...CHECKER_ARGS], files) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sandbox.close();
  }

  /** The program's files: its source (and setup), or the code its syntax check compiled from them. */
  private programFiles(req: RunRequest, code?: Buffer): Record<string, string | Buffer> {
    const files: Record<string, string | Buffer> = code === undefined ? { 'solution.py': req.code } : { 'solution.code': code };
    // the zygote already holds the runner's code; a fresh interpreter loads it from the workdir
    if (this.mode === 'spawn') files['verpo_runner.bin'] = this.harness.runner;
    if (code === undefined && typeof req.setup === 'string' && req.setup !== '') files['setup.py'] = req.setup;
    return files;
  }

  // Frozen and reused for every test: the sandbox validates and resolves them once (sandbox.ts).
  private readonly candidateEnv = Object.freeze({
    PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1',
    OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1',
    HOME: '{workdir}', TMPDIR: '{workdir}', LANG: 'C.UTF-8', PATH: '/usr/bin:/bin',
  });
  private readonly judgeEnv = Object.freeze({ PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1', LANG: 'C.UTF-8', PATH: '/usr/bin:/bin' });
  private readonly argvs = new Map<string, readonly string[]>();

  private frozenArgv(key: string, make: () => string[]): string[] {
    let a = this.argvs.get(key);
    if (a === undefined) this.argvs.set(key, a = Object.freeze(make()));
    return a as string[];
  }

  private runnerArgv(mode: 'compile' | 'stdio' | 'serve'): string[] {
    return this.frozenArgv(`runner ${mode}`, () => [this.python, ...this.candidateFlags, '-c', RUNNER_BOOT, mode]);
  }

  private async sandboxed(spec: SandboxSpec): Promise<SandboxResult> {
    this.stats.executions++;
    const r = await this.slots.use(() => this.sandbox.run(spec));
    if (r.judgeRecycled) this.stats.judgeRecycles++;
    return r;
  }

  /** The candidate side of a spec: a fresh `runner.py <mode>`, or a fork of the slot's zygote running `mode`. */
  private candidate(mode: 'compile' | 'stdio' | 'serve', stdin: string): Pick<SandboxSpec, 'candidate' | 'zygote'> {
    if (this.mode === 'spawn') return { candidate: { argv: this.runnerArgv(mode), env: this.candidateEnv, stdin } };
    return {
      candidate: { argv: this.frozenArgv('zygote', () => [this.python, ...this.candidateFlags, '-c', ZYGOTE_BOOT]), env: this.candidateEnv, stdin },
      zygote: { init: this.harness.zygote, mode, judgeInit: this.harness.judge },
    };
  }

  /** One syntax check per distinct (program, setup, limits), shared by concurrent and later runs. */
  private cachedSyntaxCheck(p: Prepared): Promise<CompileOutcome> {
    if (this.compileCache === null) return this.checkSyntax(p);
    // an internal error is never kept: the next run checks again
    const { outcome, hit } = this.compileCache.get(p.key, () => this.checkSyntax(p));
    if (hit) this.stats.compileCacheHits++;
    return outcome;
  }

  /** A cell from the content-hash cache, or run (once: duplicates in flight share the execution).
   *  IE cells are not kept. A hit is a copy marked `cached: true`. */
  private async cachedCell(test: TestCase, p: Prepared): Promise<TestResult> {
    if (this.cache === null) return this.runCell(test, p);
    const key = contentHash([p.key, JSON.stringify(test)]);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.stats.cacheHits++;
      return { ...(await hit), cached: true };
    }
    const fresh = this.runCell(test, p);
    this.cache.set(key, fresh);
    const cell = await fresh;
    if (cell.verdict === 'IE') this.cache.delete(key);
    return cell;
  }

  /** Syntax check once per program, in the sandbox; compile() executes nothing, so its answer is trustworthy.
   *  Zygote mode: a fork of the slot's zygote, isolated like a test, that only compiles (no interpreter start). */
  private async checkSyntax(p: Prepared): Promise<CompileOutcome> {
    let why = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const limits = {
          ...p.limits, outputKb: Math.max(p.limits.outputKb, COMPILE_OUTPUT_KB),
          cpuMs: Math.max(p.limits.cpuMs, SYNTAX_CHECK_CPU_MS), wallMs: Math.max(p.limits.wallMs, SYNTAX_CHECK_WALL_MS),
        };
        const r = await this.sandboxed({ ...this.candidate('compile', ''), files: p.files, limits });
        const c = compileFromRun(r);
        if (c !== null) {
          if (!c.ok && c.where === 'setup') return { kind: 'setup', message: `${SETUP_DOES_NOT_COMPILE}${c.message}` };
          return c.ok ? { kind: 'done', result: { ok: true }, code: c.code } : { kind: 'done', result: { ok: false, message: c.message } };
        }
        why = r.internalError ?? `exit ${r.candidate.exitCode ?? r.candidate.signal}: ${r.candidate.stderr.toString('utf8').slice(-300)}`;
      } catch (e) {
        why = (e as Error).message;
      }
    }
    return { kind: 'internal', message: `syntax check failed (internal error): ${why}` };
  }

  /** One cell; an internal error is retried once and then reported as IE (never the program's fault). */
  private async runCell(test: TestCase, p: Prepared): Promise<TestResult> {
    const first = await this.attempt(test, p);
    if (first.verdict !== 'IE' || setupUncompilable(first)) return first;
    const second = await this.attempt(test, p);
    second.retries = 1;
    return second;
  }

  private async attempt(test: TestCase, p: Prepared): Promise<TestResult> {
    try {
      if (test.type === 'stdio') {
        // a checker that cannot run (no testlib.h, a checker that does not compile) is known before the program runs
        const ready = test.compare === 'checker' ? await (p.checker ?? { error: 'no checker' }) : null;
        if (ready !== null && 'error' in ready) return blankCell('IE', ready.error);
        return await this.cellOf(test, await this.sandboxed(this.stdioSpec(test, p)), p);
      }
      return await this.cellOf(test, await this.sandboxed(this.judgedSpec(test, p)), p);
    } catch (e) {
      return blankCell('IE', `executor: ${(e as Error).message}`);
    }
  }

  /** A test's cell from its run (a stdio test with a checker: the checker runs now). */
  private async cellOf(test: TestCase, r: SandboxResult, p: Prepared): Promise<TestResult> {
    const ctx: CellContext = { excerptBytes: this.excerptBytes, memoryMb: p.limits.memoryMb };
    try {
      if (test.type !== 'stdio') return judgedCell(r, ctx);
      if (test.compare !== 'checker') return stdioCell(r, test, ctx);
      const ready = await (p.checker ?? { error: 'no checker' });
      if ('error' in ready) return blankCell('IE', ready.error);
      const decided = stdioRunCell(r, ctx);
      if (decided !== null) return decided;
      const check = await this.sandboxed(ready.spec(checkFiles(test.stdin, r.candidate.stdout, test.stdout)));
      return checkedCell(r, checkerVerdict(check), ctx);
    } catch (e) {
      return blankCell('IE', `executor: ${(e as Error).message}`);
    }
  }

  private stdioSpec(test: StdioTest, p: Prepared): SandboxSpec {
    if (p.binary !== undefined) return binarySpec(p.binary, test.stdin, p.limits);
    return { ...this.candidate('stdio', test.stdin), files: p.files, limits: p.limits };
  }

  /** The test travels only to the judge (its stdin); the candidate gets the program and the runner. */
  private judgedSpec(test: Exclude<TestCase, StdioTest>, p: Prepared): SandboxSpec {
    const spec = test.type === 'assert'
      ? { kind: 'assert', code: test.code }
      : callSpec(test);
    const testJson = Buffer.from(JSON.stringify({ ...spec, setup: p.setup ?? null, maxReplyBytes: this.maxReplyBytes }), 'utf8');
    if (this.mode === 'zygote') {
      // the slot's warm judge gets only the test, over its private control socket
      return {
        ...this.candidate('serve', ''),
        files: p.files,
        judge: { argv: this.frozenArgv('judge server', () => [this.python, '-S', '-s', '-B', '-c', JUDGE_SERVER_BOOT]), env: this.judgeEnv, stdin: testJson },
        channel: true,
        limits: p.limits,
        ...(this.judgeMaxRssMb === undefined ? {} : { judgeMaxRssMb: this.judgeMaxRssMb }),
      };
    }
    const judgeInput = Buffer.concat([Buffer.from(`${this.harness.judge.length}\n`), this.harness.judge, testJson]);
    return {
      candidate: { argv: this.runnerArgv('serve'), env: this.candidateEnv, stdin: '' },
      files: p.files,
      judge: {
        argv: this.frozenArgv('judge', () => [this.python, '-S', '-s', '-B', '-c', JUDGE_BOOT]),
        env: this.judgeEnv,
        stdin: judgeInput,
      },
      channel: true,
      limits: p.limits,
    };
  }

  /** Sandboxed (model-written) tests: answered from the cell cache, else run as pair-mode batches (one batch per
   *  coverage setting: every test in processes of its own, forked inside one sandboxed run). A test the batch
   *  did not report (the batch met a limit of its own, or was ended) runs again alone, with the test's limits. */
  private async pairedCells(tests: AssertTest[], p: Prepared, useCache: boolean): Promise<TestResult[]> {
    const out: Array<Promise<TestResult> | null> = tests.map(() => null);
    const misses: number[][] = []; // whole groups: a test's cell depends on the earlier tests of its group
    const pending = new Map<number, (c: TestResult) => void>(); // cache entries others may already await
    for (const g of groupsOf(tests)) {
      // a key holds the group's tests up to this one (they ran against the same program process, and with
      // stopAfterFailure decide whether it runs)
      const keys = g.map((k, n) => (this.cache === null || !useCache ? null
        : contentHash([p.key, p.stop ? 'paired, stop after failure' : 'paired', JSON.stringify(g.slice(0, n + 1).map((j) => tests[j]))])));
      const hits = keys.map((key) => (key === null ? undefined : this.cache!.get(key)));
      if (hits.every((h) => h !== undefined)) {
        this.stats.cacheHits += g.length;
        g.forEach((k, n) => { out[k] = hits[n]!.then((c) => ({ ...c, cached: true })); });
        continue;
      }
      misses.push(g);
      g.forEach((k, n) => {
        const key = keys[n];
        if (key === null) return;
        const fresh = new Promise<TestResult>((resolve) => pending.set(k, resolve));
        this.cache!.set(key, fresh);
        void fresh.then((c) => { if (c.verdict === 'IE') this.cache?.delete(key); });
      });
    }
    const ran = new Map<number, TestResult>();
    for (const trace of [true, false]) {
      const groups = misses.filter((g) => (tests[g[0]].coverage === true) === trace); // a group shares coverage
      if (groups.length === 0) continue;
      const order = groups.flat();
      let at = 0;
      const cells = await this.pairBatch(order.map((i) => tests[i]), groups.map((g) => g.map(() => at++)), trace, p);
      order.forEach((i, k) => { ran.set(i, cells[k]); pending.get(i)?.(cells[k]); });
    }
    return Promise.all(out.map((o, i) => (ran.has(i) ? ran.get(i)! : o!)));
  }

  /** One batch (`groups`: indices into `tests`), then each test it did not report alone (retried once on an
   *  internal error; with stopAfterFailure SKIPPED when an earlier test of its group failed). */
  private async pairBatch(tests: AssertTest[], groups: number[][], trace: boolean, p: Prepared): Promise<TestResult[]> {
    const codes = tests.map((t) => t.code);
    const ctx: CellContext = { excerptBytes: this.excerptBytes, memoryMb: p.limits.memoryMb };
    const first = await this.runPairs(codes, groups, trace, p, ctx);
    const cells = first.cells.slice(0, codes.length);
    if (codes.length === 1 && cells.length === 0 && first.run !== null && first.run.verdict !== 'IE') return [first.run];
    const groupOf = new Map(groups.flatMap((g, n) => g.map((k) => [k, n] as const)));
    for (let k = cells.length; k < codes.length; k++) {
      if (p.stop && groups[groupOf.get(k)!].some((j) => j < k && cells[j].verdict !== 'AC')) {
        cells.push(skippedCell(NOT_RUN_AFTER_GROUP_FAILURE));
        continue;
      }
      let alone = await this.runPairs([codes[k]], [[0]], trace, p, ctx);
      if (alone.cells.length === 0 && alone.run?.verdict === 'IE') alone = await this.runPairs([codes[k]], [[0]], trace, p, ctx);
      cells.push(alone.cells[0] ?? alone.run ?? blankCell('IE', 'pair mode: no result'));
    }
    return cells;
  }

  private async runPairs(codes: string[], groups: number[][], trace: boolean, p: Prepared, ctx: CellContext): Promise<{ cells: TestResult[]; run: TestResult | null }> {
    try {
      return pairCells(await this.sandboxed(this.pairsSpec(codes, groups, trace, p)), ctx);
    } catch (e) {
      return { cells: [], run: blankCell('IE', `executor: ${(e as Error).message}`) };
    }
  }

  /** Model-written tests and the program in one sandboxed run (runner.py run_pairs), always a fresh interpreter:
   *  a zygote's fork would carry the program's sources into the test side's memory. The host judge runs no test
   *  code; it reads the test-side template's reports. Each test keeps its own CPU limit on each side (ITIMER_PROF)
   *  and its wall limit; the run's own limits cover the batch. */
  private pairsSpec(codes: string[], groups: number[][], trace: boolean, p: Prepared): SandboxSpec {
    const l = p.limits;
    const stop = p.stop === true;
    const spec = JSON.stringify({ tests: codes, groups, stop, setup: p.setup ?? null, maxReplyBytes: this.maxReplyBytes, cpu_ms: l.cpuMs, wall_ms: l.wallMs, memory_mb: l.memoryMb });
    const report = Buffer.from(JSON.stringify({ kind: 'pairs', tests: codes.length, groups, stop, maxReplyBytes: PAIR_REPORT_BYTES }), 'utf8');
    const n = codes.length;
    return {
      candidate: {
        argv: this.frozenArgv(`runner pairs ${trace}`, () => [this.python, ...this.candidateFlags, '-c', RUNNER_BOOT, 'pairs', ...(trace ? ['trace'] : [])]),
        env: this.candidateEnv,
        stdin: spec,
      },
      files: { ...p.files, 'verpo_runner.bin': this.harness.runner, 'verpo_judge.bin': this.harness.judge },
      judge: {
        argv: this.frozenArgv('judge', () => [this.python, '-S', '-s', '-B', '-c', JUDGE_BOOT]),
        env: this.judgeEnv,
        stdin: Buffer.concat([Buffer.from(`${this.harness.judge.length}\n`), this.harness.judge, report]),
      },
      channel: true,
      limits: {
        ...l,
        cpuMs: 2 * l.cpuMs * n + PAIR_BATCH_CPU_MS, wallMs: l.wallMs * n + PAIR_BATCH_WALL_MS,
        memoryMb: l.memoryMb + PAIR_BATCH_MEMORY_MB, outputKb: l.outputKb * Math.min(n, 16),
      },
    };
  }
}

/** One test's report in pair mode: its outcome and up to 200,000 coverage arcs. */
const PAIR_REPORT_BYTES = 8 << 20;
/** A pair-mode batch's own processes (two templates, a test's two processes): their start-up CPU and memory,
 *  on top of what the tests may use. */
const PAIR_BATCH_CPU_MS = 10_000;
const PAIR_BATCH_WALL_MS = 30_000;
const PAIR_BATCH_MEMORY_MB = 192;

function callSpec(test: CallTest): Record<string, unknown> {
  const tol = test.tolerance;
  return {
    kind: 'call', fn: test.fn, args: test.args, kwargs: test.kwargs ?? {}, expected: test.expected,
    tolerance: tol === undefined ? null : { abs: tol.abs ?? 0, rel: tol.rel ?? 0 },
  };
}

type CompileOutcome =
  { kind: 'done'; result: CompileResult; code?: Buffer } | { kind: 'setup'; message: string } | { kind: 'internal'; message: string };

function contentHash(parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(`${Buffer.byteLength(part)}:`).update(part);
  return h.digest('base64');
}

/** native/core/exec/zygote_run.hpp kNotRunAfterFailure: a rollout's test not run after an earlier one failed. */
const NOT_RUN_AFTER_FAILURE = 'not run: an earlier test of the rollout failed (stopAfterFailure)';

/** runner.py _SKIPPED: with sandboxed tests a group (a test file) is what stops after its first failure. */
const NOT_RUN_AFTER_GROUP_FAILURE = 'not run: an earlier test of its group failed (stopAfterFailure)';

function skippedCell(detail = 'not run: an earlier test failed (stopAfterFailure)'): TestResult {
  return { verdict: 'SKIPPED', cpuMs: 0, wallMs: 0, memoryKb: 0, detail };
}

/** Sandboxed tests' groups: runs of consecutive tests with the same `group` (a test without one is its own). */
function groupsOf(tests: AssertTest[]): number[][] {
  const groups: number[][] = [];
  tests.forEach((t, i) => {
    const last = groups[groups.length - 1];
    if (t.group !== undefined && last !== undefined && tests[last[0]].group === t.group) last.push(i);
    else groups.push([i]);
  });
  return groups;
}

/** stopAfterFailure: every test after the first that is not AC is SKIPPED (in scope rollout a stdio test after a
 *  wrong answer ran all the same: its output is compared here, after the run). */
function skippedAfterFailure(cells: TestResult[]): TestResult[] {
  const first = cells.findIndex((c) => c.verdict !== 'AC');
  return first < 0 ? cells : cells.map((c, i) => (i > first ? skippedCell() : c));
}

/** A cell of a setup that does not compile: the data's fault, the same on every run (never retried). */
function setupUncompilable(c: TestResult): boolean {
  return c.verdict === 'IE' && c.detail?.startsWith(SETUP_DOES_NOT_COMPILE) === true;
}

function oneKind(tests: TestCase[]): boolean {
  return tests.every((t) => t.type === 'stdio') || tests.every((t) => t.type !== 'stdio');
}

/** A cell for which nothing ran (CE, or an internal error before the test could start). */
function blankCell(verdict: 'CE' | 'IE', detail: string): TestResult {
  return { verdict, cpuMs: 0, wallMs: 0, memoryKb: 0, detail };
}
