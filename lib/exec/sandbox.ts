// Typed wrapper over the native sandbox supervisor (native/core/exec). It validates specs (every
// error names its field and is raised before anything runs), resolves executables, normalises
// the spec for the binding, and merges layer defaults. There is deliberately no JS fallback:
// running untrusted code without the native isolation layers would be a silent downgrade, so a
// missing addon is an error here.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { native, nativeLoadError } from '../native/load';
import type {
  IsolationReport, NativeAddon, NativeProcess, NativeSandbox, NativeSpec, SandboxLayers, SandboxLimits, SandboxResult, ZygoteSpec,
} from '../native/types';

// The binding's own types (lib/native/types.ts), as this module's callers import them.
export type { CandidateResult, IsolationReport, ProcessResult, SandboxLayers, SandboxLimits, SandboxResult, ZygoteSpec } from '../native/types';

export interface ProcessSpec { argv: string[]; env: Record<string, string>; stdin?: Buffer | string }
export interface SandboxSpec {
  /** Untrusted: every isolation layer; cwd is a fresh private empty workdir. The token '{workdir}'
   *  in argv and env values becomes the workdir path as the candidate sees it. */
  candidate: ProcessSpec;
  /** Written into the workdir before start, read-only to the candidate. Plain names only. */
  files?: Record<string, Buffer | string>;
  /** Names among `files` written executable (0555): a compiled program or checker. */
  executables?: string[];
  /** Trusted helper started alongside (no seccomp, the caller's uid); same wall limit; its own
   *  pipes. The run ends when it exits (the candidate tree is killed then). */
  judge?: ProcessSpec;
  /** With a judge (default true): a socketpair connects candidate fd 3 <-> judge fd 3. */
  channel?: boolean;
  limits: SandboxLimits;
  layers?: Partial<SandboxLayers>;
  /** Zygote mode (native/core/exec/zygote_run.hpp): `candidate.argv` starts the slot's warm zygote
   *  (fed `init` once), which forks this test's process tree and runs `mode` in it; `judge.argv`
   *  starts the slot's warm judge (fed `judgeInit` once) and `judge.stdin` is the test it gets. */
  zygote?: ZygoteSpec;
  /** Zygote mode: recycle the slot's warm judge after this test when its RSS is past this many MiB (0: never;
   *  default 256, native/core/exec/policy.hpp). */
  judgeMaxRssMb?: number;
  /** runRollout: the rollout's tests after one that did not pass are not run (their results say so). */
  stopAfterFailure?: boolean;
}

const DEFAULT_LAYERS: SandboxLayers = { seccomp: true, namespaces: true, dropUid: true, cgroup: true, addressSpaceLimit: false };
// When root, each slot runs as its own unprivileged uid, leased natively and exclusively across
// processes (native/core/exec/uid_lease.hpp).
let sandboxCount = 0;
let sweptStaleRoots = false;

/** Default work roots (`verpo-sandbox-<pid>-<n>` in `dir`) left empty by processes that are gone (killed before
 *  close() could remove them): removed. Only a real directory (not a symlink) of our own uid, with nothing in
 *  it, whose pid names no process here: a root still holding a slot dir is left alone, since its owner may be
 *  alive in another pid namespace that shares the temp dir (an empty root holds no one's workdir, and the
 *  sandbox makes it again on its next run). Returns the roots removed. */
export function sweepStaleWorkRoots(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  const uid = process.geteuid?.();
  for (const name of names) {
    const m = /^verpo-sandbox-(\d+)-\d+$/.exec(name);
    if (m === null || Number(m[1]) === process.pid || fs.existsSync(`/proc/${m[1]}`)) continue;
    const root = path.join(dir, name);
    try {
      const st = fs.lstatSync(root);
      if (!st.isDirectory() || st.uid !== uid) continue;
      fs.rmdirSync(root);  // fails unless empty (and never follows a symlink)
      removed.push(root);
    } catch {
      // not empty, or gone meanwhile: leave it
    }
  }
  return removed;
}

function addon(): NativeAddon {
  const a = native();
  if (!a || typeof a.ExecSandbox !== 'function')
    throw new Error(`Sandbox: the native addon is unavailable (${nativeLoadError() ?? 'built without the executor'}); ` +
      'untrusted code is never run without native isolation');
  return a;
}

function mergeLayers(base: SandboxLayers, over: Partial<SandboxLayers> | undefined, field: string): SandboxLayers {
  if (over === undefined) return { ...base };
  if (over === null || typeof over !== 'object') throw new TypeError(`${field} must be an object`);
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (!(k in DEFAULT_LAYERS)) throw new TypeError(`${field}.${k} is not a sandbox layer`);
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new TypeError(`${field}.${k} must be a boolean`);
    out[k as keyof SandboxLayers] = v;
  }
  return out;
}

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** An absolute executable for argv[0]: a path as given, or a bare name looked up in the host PATH. */
function resolveExecutable(cmd: string, field: string): string {
  if (cmd.length === 0 || cmd.includes('\0')) throw new TypeError(`${field} must be a non-empty command`);
  if (cmd.includes('/')) {
    const abs = path.resolve(cmd);
    if (!isExecutableFile(abs)) throw new TypeError(`${field}: '${cmd}' is not an executable file`);
    return abs;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new TypeError(`${field}: '${cmd}' was not found on PATH`);
}

function toBuffer(v: Buffer | string | undefined, field: string): Buffer {
  if (v === undefined) return Buffer.alloc(0);
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Buffer.isBuffer(v)) return v;
  throw new TypeError(`${field} must be a Buffer or a string`);
}

/** argv[0] prefix of a program written into the workdir by the run itself (SandboxSpec.executables). */
export const WORKDIR_EXE = '{workdir}/';

/** What a sandbox already checked: frozen argv arrays and env objects (the executor's, reused for every
 *  test) are validated and resolved once; anything mutable is checked on every run. */
interface CheckedCache {
  argv: WeakMap<readonly string[], string[]>;
  env: WeakMap<object, string[]>;
}

function normaliseProcess(p: ProcessSpec, field: string, cache?: CheckedCache): NativeProcess {
  if (p === null || typeof p !== 'object') throw new TypeError(`${field} must be an object`);
  const argvHit = cache?.argv.get(p.argv);
  const envHit = p.env !== null && typeof p.env === 'object' ? cache?.env.get(p.env) : undefined;
  if (argvHit !== undefined && envHit !== undefined) return { argv: argvHit, env: envHit, stdin: toBuffer(p.stdin, `${field}.stdin`) };
  const out = checkProcess(p, field);
  if (cache !== undefined && Object.isFrozen(p.argv) && Object.isFrozen(p.env)) {
    cache.argv.set(p.argv, out.argv);
    cache.env.set(p.env, out.env);
  }
  return out;
}

function checkProcess(p: ProcessSpec, field: string): NativeProcess {
  if (!Array.isArray(p.argv) || p.argv.length === 0) throw new TypeError(`${field}.argv must be a non-empty array of strings`);
  p.argv.forEach((a, i) => {
    if (typeof a !== 'string' || a.includes('\0')) throw new TypeError(`${field}.argv[${i}] must be a string without NUL`);
  });
  // '{workdir}/<name>': one of the run's own executables (a compiled program), checked against `executables`
  const own = p.argv[0].startsWith(WORKDIR_EXE);
  const argv = [own ? p.argv[0] : resolveExecutable(p.argv[0], `${field}.argv[0]`), ...p.argv.slice(1)];
  if (p.env === null || typeof p.env !== 'object' || Array.isArray(p.env)) throw new TypeError(`${field}.env must be a Record<string, string>`);
  const env: string[] = [];
  for (const [k, v] of Object.entries(p.env)) {
    if (k.length === 0 || k.includes('=') || k.includes('\0')) throw new TypeError(`${field}.env: '${k}' is not a valid variable name`);
    if (typeof v !== 'string' || v.includes('\0')) throw new TypeError(`${field}.env.${k} must be a string without NUL`);
    env.push(`${k}=${v}`);
  }
  return { argv, env, stdin: toBuffer(p.stdin, `${field}.stdin`) };
}

function checkLimit(limits: SandboxLimits, key: keyof SandboxLimits, required: boolean): void {
  const v = limits[key];
  if (v === undefined && !required) return;
  if (typeof v !== 'number') throw new TypeError(`limits.${key} must be a number`);
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`limits.${key} must be a positive finite number (got ${v})`);
  if (v > 1e12) throw new RangeError(`limits.${key} is unreasonably large (${v})`);
}

function normaliseSpec(spec: SandboxSpec, layerDefaults: SandboxLayers, cache?: CheckedCache): NativeSpec {
  if (spec === null || typeof spec !== 'object') throw new TypeError('spec must be an object');
  if (spec.limits === null || typeof spec.limits !== 'object') throw new TypeError('limits must be an object');
  for (const k of ['cpuMs', 'wallMs', 'memoryMb', 'outputKb'] as const) checkLimit(spec.limits, k, true);
  for (const k of ['fileKb', 'nofile', 'nproc', 'tmpfsMb', 'inodes'] as const) checkLimit(spec.limits, k, false);
  for (const k of ['tmpfsMb', 'inodes'] as const) {
    const v = spec.limits[k];
    if (v !== undefined && !Number.isInteger(v)) throw new RangeError(`limits.${k} must be an integer (got ${v})`);
  }
  const bound = spec.judgeMaxRssMb;
  if (bound !== undefined && (typeof bound !== 'number' || !Number.isInteger(bound) || bound < 0 || bound > 1e9))
    throw new RangeError(`judgeMaxRssMb must be an integer >= 0 (got ${String(bound)})`);
  const candidate = normaliseProcess(spec.candidate, 'candidate', cache);
  const judge = spec.judge === undefined ? null : normaliseProcess(spec.judge, 'judge', cache);
  if (spec.channel !== undefined && typeof spec.channel !== 'boolean') throw new TypeError('channel must be a boolean');
  const files: NativeSpec['files'] = [];
  const executables = new Set(spec.executables ?? []);
  if (spec.files !== undefined) {
    if (spec.files === null || typeof spec.files !== 'object') throw new TypeError('files must be a Record<string, Buffer | string>');
    for (const [name, data] of Object.entries(spec.files)) {
      if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || Buffer.byteLength(name) > 255)
        throw new TypeError(`files: '${name}' is not a plain file name`);
      files.push(executables.delete(name) ? [name, toBuffer(data, `files.${name}`), true] : [name, toBuffer(data, `files.${name}`)]);
    }
  }
  if (executables.size > 0) throw new TypeError(`executables: '${[...executables][0]}' is not among files`);
  // only the candidate may start a program of the workdir: the judge is trusted and runs outside the sandbox
  if (judge !== null && judge.argv[0].startsWith(WORKDIR_EXE)) throw new TypeError('judge.argv[0] must be a host executable');
  const exe = candidate.argv[0];
  if (exe.startsWith(WORKDIR_EXE) && !(spec.executables ?? []).includes(exe.slice(WORKDIR_EXE.length)))
    throw new TypeError(`candidate.argv[0]: '${exe}' is not one of the run's executables`);
  const limits: SandboxLimits = { ...spec.limits };
  const out: NativeSpec = { candidate, judge, channel: spec.channel ?? true, files, limits, layers: mergeLayers(layerDefaults, spec.layers, 'layers') };
  if (spec.zygote !== undefined) {
    const z = spec.zygote;
    if (z === null || typeof z !== 'object' || !Buffer.isBuffer(z.init)) throw new TypeError('zygote.init must be a Buffer');
    if (!['serve', 'stdio', 'compile'].includes(z.mode)) throw new TypeError("zygote.mode must be 'serve', 'stdio' or 'compile'");
    if (judge !== null && !Buffer.isBuffer(z.judgeInit)) throw new TypeError('zygote.judgeInit must be a Buffer when there is a judge');
    out.zygote = { init: z.init, mode: z.mode, judgeInit: z.judgeInit };
  }
  if (bound !== undefined) out.judgeMaxRssMb = bound;
  if (spec.stopAfterFailure === true) out.stopAfterFailure = true;
  return out;
}

/** Whether two specs are made of the same objects but for their stdins: then they normalise the same (no JS runs
 *  between the two looks). */
function sharesAllButStdin(a: SandboxSpec, b: SandboxSpec): boolean {
  const proc = (x?: ProcessSpec, y?: ProcessSpec) => (x === undefined ? y === undefined
    : y !== undefined && y !== null && typeof y === 'object' && x.argv === y.argv && x.env === y.env);
  const za = a.zygote!, zb = b.zygote!;
  return proc(a.candidate, b.candidate) && proc(a.judge, b.judge) && a.files === b.files && a.limits === b.limits &&
    a.layers === b.layers && a.channel === b.channel && a.executables === b.executables && a.judgeMaxRssMb === b.judgeMaxRssMb &&
    a.stopAfterFailure === b.stopAfterFailure && zb !== null && typeof zb === 'object' && za.init === zb.init && za.mode === zb.mode &&
    za.judgeInit === zb.judgeInit;
}

/** Two normalised specs alike in everything but their stdins. */
function sameButStdin(a: NativeSpec, b: NativeSpec): boolean {
  const strings = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  const proc = (x: NativeProcess | null, y: NativeProcess | null) => (x === null ? y === null
    : y !== null && strings(x.argv, y.argv) && strings(x.env, y.env));
  // (judgeInit goes unchecked without a judge: anything but two Buffers must be the same value)
  const bytes = (x?: Buffer, y?: Buffer) => x === y || (Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y));
  const keys = new Set([...Object.keys(a.limits), ...Object.keys(b.limits)]) as Set<keyof SandboxLimits>;
  return proc(a.candidate, b.candidate) && proc(a.judge, b.judge) && a.channel === b.channel &&
    a.files.length === b.files.length && a.files.every((f, i) => f[0] === b.files[i][0] && f[1].equals(b.files[i][1]) && f[2] === b.files[i][2]) &&
    [...keys].every((k) => a.limits[k] === b.limits[k]) &&
    (Object.keys(a.layers) as (keyof SandboxLayers)[]).every((k) => a.layers[k] === b.layers[k]) &&
    a.zygote?.mode === b.zygote?.mode && bytes(a.zygote?.init, b.zygote?.init) && bytes(a.zygote?.judgeInit, b.zygote?.judgeInit) &&
    a.judgeMaxRssMb === b.judgeMaxRssMb && a.stopAfterFailure === b.stopAfterFailure;
}

export class Sandbox {
  private readonly handle: NativeSandbox;
  private readonly layers: SandboxLayers;
  private readonly workRoot: string;
  private readonly ownsWorkRoot: boolean;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly checked: CheckedCache = { argv: new WeakMap(), env: new WeakMap() };

  constructor(opts: { concurrency?: number; workRoot?: string; layers?: Partial<SandboxLayers> } = {}) {
    const a = addon();
    const concurrency = opts.concurrency ?? (os.availableParallelism?.() ?? os.cpus().length);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
      throw new RangeError(`concurrency must be an integer in 1..256 (got ${concurrency})`);
    this.layers = mergeLayers(DEFAULT_LAYERS, opts.layers, 'layers');
    if (opts.workRoot !== undefined && (typeof opts.workRoot !== 'string' || opts.workRoot.length === 0))
      throw new TypeError('workRoot must be a non-empty path');
    this.ownsWorkRoot = opts.workRoot === undefined;
    if (this.ownsWorkRoot && !sweptStaleRoots) {
      sweptStaleRoots = true;
      sweepStaleWorkRoots(os.tmpdir());
    }
    this.workRoot = path.resolve(opts.workRoot ?? path.join(os.tmpdir(), `verpo-sandbox-${process.pid}-${sandboxCount++}`));
    this.handle = new a.ExecSandbox({ concurrency, workRoot: this.workRoot });
  }

  /** Runs one spec. Rejects with TypeError/RangeError for an invalid spec (nothing runs), and
   *  with an Error after close() or when close() cancels the run. */
  async run(spec: SandboxSpec): Promise<SandboxResult> {
    if (this.closed) throw new Error('Sandbox is closed');
    return this.handle.run(normaliseSpec(spec, this.layers, this.checked));
  }

  /** Rollout scope: one program's tests, in order, in one sandboxed process forked from the slot's zygote (which runs
   *  the program's top level once), each with its own verdict-deciding measurements; one result per test, from one
   *  native call. Every spec must be a zygote spec of the same program, mode and limits: they may differ only in
   *  their stdins (a TypeError names the first that differs otherwise). */
  async runRollout(specs: SandboxSpec[]): Promise<SandboxResult[]> {
    if (this.closed) throw new Error('Sandbox is closed');
    if (specs.length === 0) return [];
    for (const [i, s] of specs.entries()) {
      if (s === null || typeof s !== 'object' || s.zygote === undefined) throw new TypeError(`specs[${i}]: runRollout needs zygote specs`);
    }
    const first = normaliseSpec(specs[0], this.layers, this.checked);
    const stdins = specs.map((s, i): [Buffer, Buffer | null] => {
      if (i === 0) return [first.candidate.stdin, first.judge === null ? null : first.judge.stdin];
      // the executor's specs share every part but the stdins (the same objects): those need no second look
      if (!sharesAllButStdin(specs[0], s)) {
        const other = normaliseSpec(s, this.layers, this.checked);
        if (!sameButStdin(first, other)) throw new TypeError(`specs[${i}]: test ${i} of the rollout is not a run of the same program, mode and limits as test 0`);
      }
      const judge = s.judge === undefined ? null : toBuffer(s.judge.stdin, `specs[${i}].judge.stdin`);
      return [toBuffer(s.candidate.stdin, `specs[${i}].candidate.stdin`), judge];
    });
    return this.handle.runRollout(first, stdins);
  }

  /** The layers a run gets with this sandbox's defaults on this host. */
  isolation(): IsolationReport {
    return this.handle.isolation(this.layers);
  }

  /** Kills running children (their promises reject), rejects queued runs, removes the work root
   *  this sandbox created. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.closing = this.handle.close().then(() => {
        if (!this.ownsWorkRoot) return;
        try {
          fs.rmdirSync(this.workRoot);  // empty by now: every run removes its own workdir
        } catch {
          // never created (no run) or already gone
        }
      });
    }
    return this.closing;
  }

  get active(): number {
    return this.handle.counters().active;
  }

  get queued(): number {
    return this.handle.counters().queued;
  }
}

/** The fork server library zygote mode needs (verpo_zygote.so, beside the addon), or null when missing. */
export function zygoteLibrary(): string | null {
  const a = addon();
  return typeof a.execZygoteLibrary === 'function' ? a.execZygoteLibrary() : null;
}

/** The isolation layers this host gives a sandbox with default layers. */
export function probeIsolation(): IsolationReport {
  return addon().execProbeIsolation({ ...DEFAULT_LAYERS });
}
