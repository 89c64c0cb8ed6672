// Host-health checks for executor tests: after a hostile program, no process of ours survives, no file is
// left in the work root, no descriptor of this process points into it, and a bystander process lives.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { homedir, release, tmpdir } from 'node:os';
import * as path from 'node:path';
import nodeGypBuild from 'node-gyp-build';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec/executor';
import type { ExecutorCounters } from '../../lib/exec/executor';
import type { ExecutorOptions, IsolationLayers, RunRequest, TestResult } from '../../lib/exec/types';

/** A private work root per test file, so leftovers are attributable. */
export function makeWorkRoot(tag: string): string {
  return mkdtempSync(path.join(tmpdir(), `verpo-${tag}-`));
}

/** A directory outside /tmp that this user may write and the sandbox's uid may traverse. */
export function writableDirOutsideTmp(): string {
  const candidates = process.getuid?.() === 0 ? ['/run', '/var/lib', '/opt'] : [homedir()];
  for (const d of candidates) {
    try {
      accessSync(d, constants.W_OK | constants.X_OK);
      return d;
    } catch { /* next */ }
  }
  throw new Error(`no writable directory outside /tmp among ${candidates.join(', ')}`);
}

/** The running kernel is at least major.minor. */
export function kernelAtLeast(major: number, minor: number): boolean {
  const [a, b] = release().split('.').map((x) => parseInt(x, 10));
  return a > major || (a === major && b >= minor);
}

export function removeWorkRoot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function isNode(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').startsWith('node');
  } catch {
    return false;
  }
}

/** Whose is a process: started under this test process, under another Node process (a test file running
 *  in parallel: sandboxes of different processes may share slot uids), or nobody's (an orphan). */
function ownerOf(pid: number): 'us' | 'other' | 'orphan' {
  for (let p = parentOf(pid), hops = 0; p > 1 && hops < 64; p = parentOf(p), hops++) {
    if (p === process.pid) return 'us';
    if (isNode(p)) return 'other';
  }
  return 'orphan';
}

function realUid(pid: number): number {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** Harness processes (runner or judge) and any process running as one of `uids` (the sandbox slots'
 *  unprivileged uids, whatever its command line: that catches a daemon), that are this test process's
 *  descendants or orphans. Test files run in parallel processes, so each one skips the others'. */
export function harnessProcesses(uids: number[] = []): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let ours = uids.length > 0 && uids.includes(realUid(pid));
    if (!ours) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      } catch {
        continue;
      }
      ours = cmd.includes('# verpo runner') || cmd.includes('# verpo judge');
    }
    if (ours && ownerOf(pid) !== 'other') out.push(pid);
  }
  return out;
}

/** The unprivileged uids an executor's sandbox slots run as (none when the uid drop is off). */
export function slotUids(ex: { isolation(): { dropUid: boolean; uid: number }; concurrency: number }): number[] {
  const iso = ex.isolation();
  return iso.dropUid ? Array.from({ length: ex.concurrency }, (_, i) => iso.uid + i) : [];
}

function fdsInto(dir: string): string[] {
  const hits: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) hits.push(`${fd} -> ${target}`);
    } catch { /* closed meanwhile */ }
  }
  return hits;
}

/** A bystander: a process outside the sandbox that hostile programs must not be able to kill. */
export function startBystander(): ChildProcess {
  return spawn('sleep', ['600'], { stdio: 'ignore' });
}

function describeProcess(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 80);
    return `${pid} uid ${realUid(pid)} ppid ${parentOf(pid)}: ${cmd}`;
  } catch {
    return `${pid} (gone)`;
  }
}

export function expectHostUnharmed(workRoot: string, bystander?: ChildProcess, uids: number[] = []): void {
  expect(harnessProcesses(uids).map(describeProcess), 'leftover runner/judge processes').toEqual([]);
  // A zygote slot keeps its workdir (slot-*) for its next test: there may be one per slot, always empty.
  const entries = readdirSync(workRoot);
  expect(entries.filter((e) => !e.startsWith('slot-')), 'leftover files in the work root').toEqual([]);
  for (const slot of entries.filter((e) => e.startsWith('slot-')))
    expect(readdirSync(`${workRoot}/${slot}`), `leftover files in ${slot}`).toEqual([]);
  expect(fdsInto(workRoot), 'descriptors into the work root').toEqual([]);
  if (bystander !== undefined) {
    expect(bystander.exitCode, 'bystander exit code').toBeNull();
    expect(bystander.signalCode, 'bystander signal').toBeNull();
    expect(() => process.kill(bystander.pid!, 0)).not.toThrow();
  }
}

/**
 * An Executor for a test file, over its own work root, with a bystander process, and the host
 * checked after every test (no leftover process, workdir or descriptor; the bystander alive).
 */
export function hostCheckedExecutor(tag: string, options: ExecutorOptions): { readonly ex: Executor; readonly root: string } {
  const state = {} as { ex: Executor; root: string; bystander: ChildProcess };
  beforeAll(() => {
    state.root = makeWorkRoot(tag);
    state.bystander = startBystander();
    state.ex = new Executor({ ...options, workRoot: state.root });
  });
  afterEach(() => expectHostUnharmed(state.root, state.bystander, slotUids(state.ex)));
  afterAll(async () => {
    await state.ex?.close();
    state.bystander?.kill('SIGKILL');
    if (state.root) removeWorkRoot(state.root);
  });
  return {
    get ex() { return state.ex; },
    get root() { return state.root; },
  };
}

const ROOT = path.resolve(__dirname, '..', '..');
/** The uid (and gid) the unprivileged runs use when the tests run as root. */
export const NOBODY = 65534;

/** One request's outcome: its cells, and the executor's counters right after it. */
export interface RequestOutcome {
  tests: TestResult[];
  counters: ExecutorCounters;
}

export interface UnprivilegedRun {
  mode: 'zygote' | 'spawn';
  isolation: IsolationLayers;
  outcomes: RequestOutcome[];
}

/**
 * Runs `requests` (one after another) through an Executor per mode in a separate Node process as uid/gid 65534
 * when the tests run as root (as this user otherwise), from a copy of the compiled library (dist/: run tsc first),
 * the harness and the addon in a world-readable temp dir (the checkout may not be readable by that uid): the
 * executor as an unprivileged user, with the slot's namespaces in a user namespace of its own. Its work root is
 * checked to be empty afterwards.
 */
export function runUnprivileged(modes: ('zygote' | 'spawn')[], options: ExecutorOptions, requests: RunRequest[]): { uid: number; runs: UnprivilegedRun[] } {
  const root = process.getuid?.() === 0;
  const lib = mkdtempSync(path.join(tmpdir(), 'verpo-unpriv-'));
  try {
    for (const d of ['dist/exec', 'dist/native', 'lib/exec/python']) cpSync(path.join(ROOT, d), path.join(lib, d), { recursive: true });
    const addon = nodeGypBuild.path(ROOT);
    cpSync(addon, path.join(lib, 'addon', 'verpo.node'));
    cpSync(path.join(path.dirname(addon), 'verpo_zygote.so'), path.join(lib, 'addon', 'verpo_zygote.so'));
    chmodSync(lib, 0o755);
    const workRoot = mkdtempSync(path.join(lib, 'work-'));
    if (root) chownSync(workRoot, NOBODY, NOBODY);
    const script = `
      const { Executor } = require(${JSON.stringify(path.join(lib, 'dist', 'exec'))});
      let input = '';
      process.stdin.on('data', (d) => { input += d; });
      process.stdin.on('end', async () => {
        try {
          const { modes, options, requests } = JSON.parse(input);
          const runs = [];
          for (const mode of modes) {
            const ex = new Executor({ ...options, mode, workRoot: ${JSON.stringify(workRoot)} });
            const outcomes = [];
            for (const r of requests) outcomes.push({ tests: (await ex.run(r)).tests, counters: ex.counters() });
            runs.push({ mode, isolation: ex.isolation(), outcomes });
            await ex.close();
          }
          process.stdout.write(JSON.stringify({ uid: process.getuid(), runs }));
        } catch (e) {
          console.error(e);
          process.exit(1);
        }
      });`;
    const out = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8', cwd: lib, timeout: 240_000, input: JSON.stringify({ modes, options, requests }),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VERPO_NATIVE_PATH: path.join(lib, 'addon', 'verpo.node') },
      ...(root ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    expect(out.status, out.stderr).toBe(0);
    expect(readdirSync(workRoot), 'leftovers in the unprivileged work root').toEqual([]);
    const got = JSON.parse(out.stdout) as { uid: number; runs: UnprivilegedRun[] };
    if (root) expect(got.uid).toBe(NOBODY);
    return got;
  } finally {
    rmSync(lib, { recursive: true, force: true });
  }
}

/** What a scenario's check gets: the cells of each of its requests, in order, and where they ran. */
export interface ScenarioRun {
  mode: 'zygote' | 'spawn';
  cells: TestResult[][];
  isolation: IsolationLayers;
  /** Counter increments over the scenario's requests. */
  counters: ExecutorCounters;
  unprivileged: boolean;
}

/** Requests run one after another on one executor, and what must hold for their cells. */
export interface Scenario {
  name: string;
  requests: RunRequest[];
  check(run: ScenarioRun): void;
}

function counterDelta(after: ExecutorCounters, before: ExecutorCounters): ExecutorCounters {
  const out = { ...after };
  for (const k of Object.keys(out) as (keyof ExecutorCounters)[]) out[k] = after[k] - before[k];
  return out;
}

/**
 * Every scenario in both modes (zygote mode in both scopes): in this process (as root when the tests run as root: each slot under its own uid)
 * with the host checked after each one, and as an unprivileged user (`runUnprivileged`, all scenarios in one
 * child process per suite), with the same checks.
 */
export function scenarioSuite(tag: string, options: ExecutorOptions, scenarios: Scenario[]): void {
  const variants = [{ mode: 'zygote', scope: 'rollout' }, { mode: 'zygote', scope: 'test' }, { mode: 'spawn', scope: 'test' }] as const;
  for (const { mode, scope } of variants) {
    describe(`${mode} mode, scope ${scope}`, () => {
      const fx = hostCheckedExecutor(`${tag}-${mode}-${scope}`, { ...options, mode, scope });
      for (const s of scenarios) {
        it(s.name, async () => {
          const before = fx.ex.counters();
          const cells: TestResult[][] = [];
          for (const r of s.requests) cells.push((await fx.ex.run(r)).tests);
          s.check({ mode, cells, isolation: fx.ex.isolation(), counters: counterDelta(fx.ex.counters(), before), unprivileged: false });
        });
      }
    });
  }
  describe('as an unprivileged user (uid 65534 when run as root), both modes', () => {
    it('every scenario', () => {
      const got = runUnprivileged(['zygote', 'spawn'], options, scenarios.flatMap((s) => s.requests));
      for (const run of got.runs) {
        let at = 0;
        let before: ExecutorCounters = { executions: 0, cacheHits: 0, compileCacheHits: 0, judgeRecycles: 0 };
        for (const s of scenarios) {
          const outcomes = run.outcomes.slice(at, at + s.requests.length);
          at += s.requests.length;
          const after = outcomes[outcomes.length - 1].counters;
          try {
            s.check({ mode: run.mode, cells: outcomes.map((o) => o.tests), isolation: run.isolation, counters: counterDelta(after, before), unprivileged: true });
          } catch (e) {
            (e as Error).message = `${run.mode} mode, ${s.name}: ${(e as Error).message}`;
            throw e;
          }
          before = after;
        }
      }
    }, 240_000);
  });
}
