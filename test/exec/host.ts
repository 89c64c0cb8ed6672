// Host-health checks for executor tests: after a hostile program, no process of ours survives, no file is
// left in the work root, no descriptor of this process points into it, and a bystander process lives.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { homedir, release, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { Executor } from '../../lib/exec/executor';
import type { ExecutorOptions } from '../../lib/exec/types';

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
