// Host-health checks for executor tests: after a hostile program, no process of ours survives, no file is
// left in the work root, no descriptor of this process points into it, and a bystander process lives.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';

/** A private work root per test file, so leftovers are attributable. */
export function makeWorkRoot(tag: string): string {
  return mkdtempSync(path.join(tmpdir(), `verpo-${tag}-`));
}

export function removeWorkRoot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Processes running the harness (runner or judge), except those we started before: none may survive. */
export function harnessProcesses(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1');
    } catch {
      continue;
    }
    if (cmd.includes('# verpo runner') || cmd.includes('# verpo judge')) out.push(Number(name));
  }
  return out;
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

export function expectHostUnharmed(workRoot: string, bystander?: ChildProcess): void {
  expect(harnessProcesses(), 'leftover runner/judge processes').toEqual([]);
  expect(readdirSync(workRoot), 'leftover files in the work root').toEqual([]);
  expect(fdsInto(workRoot), 'descriptors into the work root').toEqual([]);
  if (bystander !== undefined) {
    expect(bystander.exitCode, 'bystander exit code').toBeNull();
    expect(bystander.signalCode, 'bystander signal').toBeNull();
    expect(() => process.kill(bystander.pid!, 0)).not.toThrow();
  }
}
