// No false TLE under load: CPU time decides TLE (the wall limit is only a guard), so a program near its
// CPU limit gets the same verdict on an idle machine and with a CPU hog on every core beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec';
import type { TestCase, TestResult } from '../../lib/exec';
import { makeWorkRoot, removeWorkRoot } from './host';

let root: string;
const hogs: ChildProcess[] = [];
beforeAll(() => {
  root = makeWorkRoot('load');
});
afterAll(() => {
  for (const h of hogs) h.kill('SIGKILL');
  if (root) removeWorkRoot(root);
});

// A fixed amount of work (not a duration): its CPU time does not depend on the machine's load.
const CODE = 'def work(n):\n    s = 0\n    for i in range(n):\n        s += i\n    return s\n';
const N = 2_000_000;
const TEST: TestCase = { type: 'call', fn: 'work', args: [N], expected: (N * (N - 1)) / 2 };

// Every mode and scope the executor has: zygote mode in scope rollout (the default) and scope test, spawn mode.
const VARIANTS = [{ mode: 'zygote', scope: 'rollout' }, { mode: 'zygote', scope: 'test' }, { mode: 'spawn', scope: 'test' }] as const;
type Variant = (typeof VARIANTS)[number];

async function runWith(cpuMs: number, v: Variant): Promise<TestResult> {
  // cores slots at most (the default), a wall guard far above the CPU limit, no cache (it must really run)
  const ex = new Executor({ cache: false, workRoot: root, mode: v.mode, scope: v.scope,
    limits: { cpuMs, wallMs: cpuMs * 20 + 5000, memoryMb: 256, outputKb: 64 } });
  try {
    const r = await ex.run({ language: 'python', code: CODE, tests: [TEST] });
    return r.tests[0];
  } finally {
    await ex.close();
  }
}

describe('verdicts under load', () => {
  for (const v of VARIANTS) it(`the same program near its CPU limit gets the same verdict idle and beside a CPU hog (${v.mode} mode, scope ${v.scope})`, async () => {
    const probes = [await runWith(30000, v), await runWith(30000, v), await runWith(30000, v)];
    expect(probes.map((c) => c.verdict)).toEqual(['AC', 'AC', 'AC']);
    const used = Math.max(Math.min(...probes.map((c) => c.cpuMs)), 50);
    // One limit above what the work needs, one below it, each with room for the CPU time of the same work
    // to vary: on this kind of host (SMT siblings, a shared VM) it moves with what runs beside it, by more than
    // 2.5x inside the full parallel suite beside a CPU hog (probes taken in a busy moment, the run in a quiet one).
    const above = Math.ceil(used * 4) + 100;
    const below = Math.max(20, Math.floor(used * 0.25));
    const idle = [await runWith(above, v), await runWith(below, v)];
    expect(idle.map((c) => c.verdict)).toEqual(['AC', 'TLE']);
    expect(idle[1].limit).toBe('cpu');

    const cores = availableParallelism();
    for (let i = 0; i < cores; i++) hogs.push(spawn('python3', ['-c', 'while True: pass'], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 200));
    const loaded = [await runWith(above, v), await runWith(below, v)];
    for (const h of hogs.splice(0)) h.kill('SIGKILL');
    expect(loaded.map((c) => c.verdict)).toEqual(['AC', 'TLE']);
    expect(loaded[1].limit).toBe('cpu');  // never the wall guard
  }, 120000);

  it('no cell is AC with more CPU than its limit: a test that ends between two polls of its CPU is TLE too', async () => {
    // Work of ~5-40 ms against a 5 ms limit: the 10 ms poll catches some of these runs while they last, and the
    // rest end between two polls; whichever way, what the cell reports as its CPU decides.
    const burn = 'import time\ndef burn(ms):\n    end = time.process_time() + ms / 1000\n    while time.process_time() < end: pass\n    return 1\n';
    const tests = [2, 4, 6, 8, 12, 16, 24, 32].map((ms): TestCase => ({ type: 'call', fn: 'burn', args: [ms], expected: 1 }));
    const stdio = [2, 6, 12, 24].map((ms): TestCase => ({ type: 'stdio', stdin: `${ms}\n`, stdout: '1\n' }));
    const stdioCode = `${burn}print(burn(int(input())))\n`;
    const cells: Array<TestResult & { scope: string }> = [];
    for (const v of VARIANTS) {
      const ex = new Executor({ cache: false, workRoot: root, mode: v.mode, scope: v.scope, limits: { cpuMs: 5, wallMs: 10000, memoryMb: 256, outputKb: 64 } });
      try {
        for (let round = 0; round < 2; round++) {
          for (const [code, ts] of [[`${burn}# ${round}`, tests], [`${stdioCode}# ${round}`, stdio]] as const) {
            cells.push(...(await ex.run({ language: 'python', code, tests: [...ts] })).tests.map((c) => ({ ...c, scope: v.scope })));
          }
        }
      } finally {
        await ex.close();
      }
    }
    for (const c of cells) {
      expect(['AC', 'TLE'], JSON.stringify(c)).toContain(c.verdict);
      // (in scope rollout a later test's CPU is read in 10 ms clock ticks, and may read a tick over its own: allowed)
      if (c.verdict === 'AC') expect(c.cpuMs, JSON.stringify(c)).toBeLessThanOrEqual(c.scope === 'rollout' ? 5 + 10 : 5);
      else expect(c.limit).toBe('cpu');
    }
    expect(cells.some((c) => c.verdict === 'TLE')).toBe(true);
  }, 120000);

  it('a test\'s CPU limit, however tight, never makes a correct program CE: the syntax check has its own budget', async () => {
    const cores = availableParallelism();
    for (let i = 0; i < cores; i++) hogs.push(spawn('python3', ['-c', 'while True: pass'], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 200));
    try {
      for (const mode of ['zygote', 'spawn'] as const) {
        const ex = new Executor({ cache: false, workRoot: root, mode, limits: { cpuMs: 2, wallMs: 5000, memoryMb: 256, outputKb: 64 } });
        try {
          // a long program (its compile alone takes more than the test's 2 ms of CPU on a loaded host)
          const code = CODE + Array.from({ length: 400 }, (_, i) => `def f${i}(x):\n    return [x * k for k in range(${i})]\n`).join('');
          const r = await ex.run({ language: 'python', code, tests: [TEST] });
          expect(r.compile.ok, `${mode}: ${r.compile.message}`).toBe(true);
          expect(r.tests[0].verdict).toBe('TLE');
        } finally {
          await ex.close();
        }
      }
    } finally {
      for (const h of hogs.splice(0)) h.kill('SIGKILL');
    }
  }, 120000);
});
