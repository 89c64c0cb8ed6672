// Task 'tests': model-written test files scored by execution (lib/testgen). The trusted tool (mutants, split,
// coverage sites), the pair mode's integrity (a test cannot read the program it judges, nor write its
// coverage), the matrix's counts on a worked example, the rewards, co-evolution, and bad input.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Executor } from '../../lib/exec/executor';
import { resolvePython } from '../../lib/exec/interpreter';
import { scoreAll } from '../../lib/pipeline/score';
import { testgen } from '../../lib/testgen/tool';
import { advantagesOf, cureTestReward, rewardOf } from '../../lib/testgen/rewards';
import { coverageOf } from '../../lib/testgen/score';

const CLAMP = [
  'def clamp(x, lo, hi):',
  '    if x < lo:',
  '        return lo',
  '    if x > hi:',
  '        return hi',
  '    return x',
  '',
].join('\n');
// CPU decides TLE: a loaded host stretches wall time, never CPU this much
const LIMITS = { cpu_ms: 10_000, wall_ms: 120_000 };
const GT = [{ type: 'assert', code: 'assert clamp(5, 0, 3) == 3\nassert clamp(-2, 0, 3) == 0\nassert clamp(2, 0, 3) == 2' }];

let ex: Executor;
const python = resolvePython();
beforeAll(() => { ex = new Executor({ concurrency: 2 }); });
afterAll(async () => { await ex.close(); });

type Row = Record<string, any>;
async function scoreOne(line: Record<string, unknown>, options: Record<string, unknown> = {}): Promise<Row> {
  const [out] = await scoreAll([{ limits: LIMITS, ...line }], { executor: ex, ...options });
  return out as unknown as Row;
}

describe('testgen (trusted: parses, never runs)', () => {
  it('generates the same mutants for the same seed, spread over the operators, never the focal itself', async () => {
    const src = 'def f(xs, k):\n    total = 0\n    for x in xs:\n        if x > k and x % 2 == 0:\n            total += x * 2\n    return total\n';
    const a = await testgen(python, { focal: src, cap: 16, seed: 0, tests: [] });
    const b = await testgen(python, { focal: src, cap: 16, seed: 0, tests: [] });
    const c = await testgen(python, { focal: src, cap: 16, seed: 7, tests: [] });
    expect(a.mutants!.map((m) => m.code)).toEqual(b.mutants!.map((m) => m.code));
    expect(a.mutants!.map((m) => m.what + m.line)).not.toEqual(c.mutants!.map((m) => m.what + m.line));
    expect(a.mutants).toHaveLength(16);
    expect(new Set(a.mutants!.map((m) => m.op))).toEqual(new Set(['cmp', 'arith', 'bool', 'const', 'negate', 'return', 'delete']));
    expect(new Set(a.mutants!.map((m) => m.code)).size).toBe(16);
    for (const m of a.mutants!) expect(m.code.replace(/\s/g, '')).not.toBe(src.replace(/\s/g, ''));
    expect(a.available).toBeGreaterThan(16);
  });

  it('drops given mutants identical to the focal (as trees), duplicates and ones that do not parse, and counts them', async () => {
    const r = await testgen(python, {
      focal: CLAMP, mutants: [CLAMP.replace('    if', '    if').replace('x < lo', '(x) < lo'), CLAMP.replace('x < lo', 'x <= lo'), CLAMP.replace('x < lo', 'x <= lo'), 'def clamp(:'],
      tests: [],
    });
    expect(r.dropped).toEqual({ identical: 1, duplicate: 1, invalid: 1 });
    expect(r.mutants!.map((m) => m.index)).toEqual([1]);
  });

  it('splits a test file into its asserts with their context, runs def test_*(), drops an import of the focal names', async () => {
    const r = await testgen(python, {
      focal: CLAMP,
      tests: [
        'from solution import clamp\nxs = [1, 2]\nassert clamp(xs[0], 0, 3) == 1\nys = 5\nassert clamp(ys, 0, 3) == 3\n',
        'import math\n\ndef test_a():\n    assert clamp(math.inf, 0, 3) == 3\n\ndef helper():\n    assert False\n',
        'print("no assert")\n',
        'assert clamp(1,\n',
      ],
    });
    const [a, b, c, d] = r.files;
    expect(a.tests).toEqual(['xs = [1, 2]\nassert clamp(xs[0], 0, 3) == 1\n', 'xs = [1, 2]\nys = 5\nassert clamp(ys, 0, 3) == 3\n']);
    expect(a.notes[0]).toMatch(/from solution import/);
    expect(b.tests).toEqual(['import math\ndef test_a():\n    assert clamp(math.inf, 0, 3) == 3\ntest_a()\n']);
    expect(c).toMatchObject({ ok: true, tests: [] });
    expect(c.notes[0]).toMatch(/0 tests/);
    expect(d.ok).toBe(false);
    expect(d.error).toMatch(/SyntaxError/);
  });

  it('finds the focal function bodies\' statement units and branch points', async () => {
    const r = await testgen(python, { focal: CLAMP, tests: [] });
    expect(r.focal!.lines).toEqual([[2, 2], [3, 3], [4, 4], [5, 5], [6, 6]]);
    expect(r.focal!.branches!.map((b) => [b.line, b.kind, b.head, b.body])).toEqual([[2, 'if', [2, 2], [3, 3]], [4, 'if', [4, 4], [5, 5]]]);
  });
});

describe('task tests: the matrix and its counts', () => {
  it('scores the worked example: validity, kills, equivalent mutants counted apart, coverage', async () => {
    const out = await scoreOne({
      id: 'clamp', task: 'tests', focal: CLAMP, tests: GT,
      rollouts: [
        'assert clamp(5, 0, 3) == 3\nassert clamp(-1, 0, 3) == 0\nassert clamp(1, 0, 3) == 1\n',
        'assert clamp(5, 0, 3) == 3\n',
        'assert clamp(1, 0, 3) == 2\n',
        'print("none")\n',
        'assert (\n',
      ],
    }, { testReward: 'mutation' });
    expect(out.error).toBeNull();
    expect(out.task).toBe('tests');
    // `x < lo` -> `x <= lo` and `x > hi` -> `x >= hi` return the same: no ground-truth test kills them
    const list = out.mutants.list as Array<{ what: string; line: number }>;
    const eq = (out.mutants.equivalent_candidates as number[]).map((i) => `${list[i].line} ${list[i].what}`).sort();
    expect(eq).toEqual(['2 < -> <=', '4 > -> >=']);
    const counted = out.mutants.count - 2;
    const [full, one, wrong, none, ce] = out.rollouts as Row[];
    expect(full).toMatchObject({ tests: 3, valid: 3, killed: counted, mutants: counted, equivalent_candidates: 0 });
    expect(full.coverage.lines).toEqual({ covered: 5, total: 5, fraction: 1 });
    expect(full.coverage.branches).toEqual({ covered: 4, total: 4, fraction: 1 });
    expect(full.reward).toBe(1);
    expect(one).toMatchObject({ tests: 1, valid: 1 });
    expect(one.killed).toBeLessThan(counted);
    expect(one.coverage.lines).toEqual({ covered: 3, total: 5, fraction: 0.6 });
    expect(one.reward).toBeCloseTo(one.killed / counted, 12);
    expect(wrong).toMatchObject({ tests: 1, valid: 0, killed: 0, reward: 0 });
    expect(wrong.matrix.mutants.every((row: string[]) => row[0] === 'SKIPPED')).toBe(true); // an invalid test kills nothing
    expect(none).toMatchObject({ tests: 0, reward: 0 });
    expect(none.notes[0]).toMatch(/0 tests/);
    expect(ce).toMatchObject({ tests: 0, reward: 0, compile: { ok: false } });
    const rewards = (out.rollouts as Row[]).map((r) => r.reward);
    expect((out.rollouts as Row[]).map((r) => r.advantage)).toEqual(advantagesOf(rewards, 'grpo'));
  });

  it('a test cannot tell a mutant from the focal except by behaviour: source, bytecode, memory and files are out of its reach', async () => {
    const probes = [
      'import inspect\nassert "x < lo" in inspect.getsource(clamp)\n',
      'assert clamp.__code__.co_code\n',
      'import gc\nassert any("x < lo" in o for o in gc.get_objects() if isinstance(o, str))\n',
      'import os\nassert any(n.startswith("solution") for n in os.listdir("."))\n',
      'assert "lo" in open("solution.py").read()\n',
      // the program side's memory: it is another process, made undumpable before any test code runs
      'import os\nok = False\nfor p in os.listdir("/proc"):\n    if p.isdigit() and int(p) != os.getpid():\n        try:\n            ok = ok or b"x < lo" in open("/proc/%s/mem" % p, "rb").read()\n        except OSError:\n            pass\nassert ok\n',
      'import os\nseen = []\nfor p in os.listdir("/proc"):\n    try:\n        seen.append(b"clamp" in open("/proc/%s/environ" % p, "rb").read() + open("/proc/%s/cmdline" % p, "rb").read())\n    except OSError:\n        pass\nassert any(seen)\n',
    ];
    const out = await scoreOne({ id: 'probe', task: 'tests', focal: CLAMP, tests: GT, rollouts: probes });
    for (const [k, r] of (out.rollouts as Row[]).entries()) {
      expect(r.valid, `probe ${k}: ${r.matrix.focal}`).toBe(0);
      expect(r.killed).toBe(0);
    }
  });

  it('dunder names of the program are refused to a test, and a program object handed out stays opaque', async () => {
    const focal = 'SCALE = 2\ndef make(k):\n    def f(x):\n        return x * k\n    return f\n';
    const out = await scoreOne({
      id: 'dunder', task: 'tests', focal,
      rollouts: [
        'assert make(3)(2) == 6\n',
        'assert make(3).__code__ is not None\n',
        'assert make(3).__closure__ is not None\n',
        'assert __builtins__ is not None and SCALE == 2\n',
        'import sys\nassert sys.modules["solution"]\n',
      ],
    });
    expect((out.rollouts as Row[]).map((r) => r.valid)).toEqual([1, 0, 0, 1, 0]);
  });

  it('coverage comes from the program side only: a test writing on every descriptor adds no line', async () => {
    const forge = 'import os\nfake = b\'{"op": "report", "stage": "done", "result": {"verdict": "AC"}, "arcs": [-1, 2, 2, 3, 3, 4, 4, 5, 5, 6]}\\n\'\n' +
      'for fd in range(3, 64):\n    try:\n        os.write(fd, fake)\n    except OSError:\n        pass\nassert True\n';
    const out = await scoreOne({ id: 'forge', task: 'tests', focal: CLAMP, rollouts: [forge, 'assert clamp(5, 0, 3) == 3\n'] });
    const [forged, real] = out.rollouts as Row[];
    expect(forged.coverage.lines.covered).toBe(0);
    expect(real.coverage.lines).toEqual({ covered: 3, total: 5, fraction: 0.6 });
  });

  it('a mutant that loops forever is killed by TLE; one that crashes by RE', async () => {
    const focal = 'def count(n):\n    i = 0\n    while i < n:\n        i += 1\n    return i\n';
    const out = await scoreOne({
      id: 'loop', task: 'tests', focal,
      mutants: [focal.replace('i += 1', 'i -= 1'), focal.replace('return i', 'return 1 // (i - i)')],
      rollouts: ['assert count(3) == 3\n'],
      limits: { cpu_ms: 1500, wall_ms: 120_000 },
    });
    const [r] = out.rollouts as Row[];
    expect(r.matrix.mutants).toEqual([['TLE'], ['RE']]);
    expect(r).toMatchObject({ valid: 1, killed: 2, mutants: 2 });
    expect(out.mutants.equivalent_candidates).toBeNull(); // no ground truth: not checked
  });

  it("a mutant's first failure in a file ends its run of that file (the rest SKIPPED), except under CURE", async () => {
    const focal = 'def count(n):\n    i = 0\n    while i < n:\n        i += 1\n    return i\n';
    const line = {
      id: 'first-kill', task: 'tests', focal,
      mutants: [focal.replace('i += 1', 'i -= 1'), focal.replace('while i < n', 'while i < n - 1')],
      // file 0: four valid tests; file 1: an invalid test (never run on mutants), then a valid one
      rollouts: ['assert count(3) == 3\nassert count(4) == 4\nassert count(0) == 0\nassert count(5) == 5\n',
        'assert count(2) == 5\nassert count(0) == 0\nassert count(1) == 1\n'],
      limits: { cpu_ms: 1500, wall_ms: 120_000 },
    };
    const out = await scoreOne(line, { cache: false });
    const [a, b] = out.rollouts as Row[];
    // the looping mutant costs file 0 one CPU limit, not four
    expect(a.matrix.mutants).toEqual([['TLE', 'SKIPPED', 'SKIPPED', 'SKIPPED'], ['WA', 'SKIPPED', 'SKIPPED', 'SKIPPED']]);
    expect(a).toMatchObject({ valid: 4, killed: 2, mutants: 2 });
    // and a mutant's CPU limit follows the focal's own run of the tests (3x the slowest + 250 ms), not the line's
    expect(out.mutants.cpu_ms.ground_truth).toBeNull();
    expect(out.mutants.cpu_ms.tests).toBeGreaterThanOrEqual(250);
    expect(out.mutants.cpu_ms.tests).toBeLessThanOrEqual(1500);
    // count(0) == 0 holds on both mutants; the test after it kills them
    expect(b.matrix.mutants).toEqual([['SKIPPED', 'AC', 'TLE'], ['SKIPPED', 'AC', 'WA']]);
    expect(b).toMatchObject({ valid: 2, killed: 2, mutants: 2 });
    // CURE counts the mutants each test fails: every cell runs
    const cure = await scoreOne(line, { cache: false, testReward: 'cure' });
    const [ca, cb] = cure.rollouts as Row[];
    expect(ca.matrix.mutants).toEqual([['TLE', 'TLE', 'AC', 'TLE'], ['WA', 'WA', 'AC', 'WA']]);
    expect(cb.matrix.mutants).toEqual([['TLE', 'AC', 'TLE'], ['WA', 'AC', 'WA']]);
    expect(ca.reward).toBeCloseTo((1 + 1 + 0 + 1) / 4, 12);
    expect(cb.reward).toBeCloseTo((0 + 0 + 1) / 3, 12); // the invalid test fails every wrong program: 0, not -1
  });
});

describe('the verpo command on task tests lines', () => {
  it('verpo score and verpo run take them (exit 0, a summary counting the matrix cells)', () => {
    const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');
    const line = JSON.stringify({ id: 'c', task: 'tests', focal: CLAMP, tests: GT, rollouts: ['assert clamp(5, 0, 3) == 3\n', 'assert clamp(1, 0, 3) == 2\n'], limits: LIMITS });
    for (const cmd of ['score', 'run']) {
      const r = spawnSync(process.execPath, [cli, cmd, '--mutants', '3', '--concurrency', '1'], { input: line + '\n', encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ id: 'c', task: 'tests', error: null });
      expect(out.rollouts.map((f: Row) => f.valid)).toEqual([1, 0]);
      expect(out.rollouts[0].reward === undefined).toBe(cmd === 'run');
      expect(r.stderr).toMatch(/1 lines \(0 failed\), 2 rows/);
      expect(r.stderr).toMatch(/verdicts: AC \d+/);
    }
  });
});

describe('pair mode: a batch gives each test the verdict it gets alone', () => {
  it('test files in one batch cannot reach each other: planted modules, files, daemons, early exits, loops', async () => {
    const files: string[][] = [
      // X: plants a module and a file in the workdir, leaves a spinning daemon, then exits its process mid-file
      ['import os\nopen("fractions.py", "w").write("raise SystemExit(0)\\n")\nopen("marker", "w").write("x")\nassert clamp(1, 0, 3) == 1\n',
        'import os\nif os.fork() == 0:\n    os.setsid()\n    while True: pass\nassert clamp(4, 0, 3) == 3\n',
        'import os\nos._exit(0)\nassert True\n',
        'assert clamp(-5, 0, 3) == 0\n'],
      // Y: must see a clean workdir and its own stdlib
      ['import os\nassert not os.path.exists("marker") and not os.path.exists("fractions.py")\n',
        'import fractions\nassert fractions.Fraction(1, 2) * 2 == 1 and clamp(fractions.Fraction(1, 2), 0, 3) == fractions.Fraction(1, 2)\n'],
      // Z: a test that loops (TLE), then tests after it in the same file
      ['while True:\n    pass\nassert True\n', 'assert clamp(2, 0, 3) == 2\n', 'assert clamp(2, 0, 3) == 3\n'],
    ];
    const tests = files.flatMap((f, k) => f.map((code) => ({ type: 'assert' as const, code, sandboxed: true, group: k })));
    const limits = { cpuMs: 1500, wallMs: 120_000 };
    const batch = await ex.run({ language: 'python', code: CLAMP, tests, limits, cache: false });
    expect(batch.tests.map((c) => c.verdict)).toEqual(['AC', 'AC', 'RE', 'AC', 'AC', 'AC', 'TLE', 'AC', 'WA']);
    // each alone, in a run of its own
    const alone = await Promise.all(tests.map((t) => ex.run({ language: 'python', code: CLAMP, tests: [{ ...t, group: undefined }], limits, cache: false })));
    expect(alone.map((r) => r.tests[0].verdict)).toEqual(['AC', 'AC', 'RE', 'AC', 'AC', 'AC', 'TLE', 'AC', 'WA']);
  });

  it('stopAfterFailure stops a group (a test file) at its first failure; the cache keys a test by its group before it', async () => {
    const t = (code: string, group: number) => ({ type: 'assert' as const, code, sandboxed: true, group });
    const limits = { cpuMs: 1500, wallMs: 120_000 };
    const tests = [t('assert clamp(9, 0, 3) == 9\n', 0), t('assert clamp(1, 0, 3) == 1\n', 0), t('while True: pass\n', 0),
      t('assert clamp(1, 0, 3) == 1\n', 1), t('while True: pass\n', 1), t('assert clamp(1, 0, 3) == 1\n', 1),
      t('assert clamp(2, 0, 3) == 2\n', 2)];
    const stopped = await ex.run({ language: 'python', code: CLAMP, tests, limits, cache: false, stopAfterFailure: true });
    expect(stopped.tests.map((c) => c.verdict)).toEqual(['WA', 'SKIPPED', 'SKIPPED', 'AC', 'TLE', 'SKIPPED', 'AC']);
    expect(stopped.tests[1].detail).toMatch(/earlier test of its group failed/);
    const full = await ex.run({ language: 'python', code: CLAMP, tests, limits, cache: false });
    expect(full.tests.map((c) => c.verdict)).toEqual(['WA', 'AC', 'TLE', 'AC', 'TLE', 'AC', 'AC']);
    // a test whose group-mate changes the program's state: its cell is not another prefix's
    const cached = new Executor({ concurrency: 1 });
    try {
      const STATE = 'seen = []\ndef note(x):\n    seen.append(x)\n    return len(seen)\n';
      const second = t('assert note(0) == 1\n', 0);
      const a = await cached.run({ language: 'python', code: STATE, tests: [second], limits });
      const b = await cached.run({ language: 'python', code: STATE, tests: [t('note(5)\n', 0), second], limits });
      expect(a.tests[0].verdict).toBe('AC');
      expect(b.tests.map((c) => [c.verdict, c.cached === true])).toEqual([['AC', false], ['WA', false]]);
      const again = await cached.run({ language: 'python', code: STATE, tests: [t('note(5)\n', 0), second], limits });
      expect(again.tests.map((c) => [c.verdict, c.cached === true])).toEqual([['AC', true], ['WA', true]]);
    } finally {
      await cached.close();
    }
  });

  it('a test that kills every process of the sandbox costs the batch only a re-run: the others keep their verdicts', async () => {
    const tests = [
      'assert clamp(1, 0, 3) == 1\n',
      'import os, signal\nfor p in os.listdir("/proc"):\n    if p.isdigit() and int(p) != os.getpid():\n        try: os.kill(int(p), signal.SIGKILL)\n        except OSError: pass\nassert True\n',
      'assert clamp(9, 0, 3) == 3\n',
      'assert clamp(9, 0, 3) == 9\n',
    ].map((code, k) => ({ type: 'assert' as const, code, sandboxed: true, group: k }));
    const r = await ex.run({ language: 'python', code: CLAMP, tests, limits: { cpuMs: 5000, wallMs: 120_000 }, cache: false });
    expect(r.tests[0].verdict).toBe('AC');
    expect(r.tests[1].verdict).not.toBe('AC');
    expect(r.tests.slice(2).map((c) => c.verdict)).toEqual(['AC', 'WA']);
  });
});

describe('task tests: rewards', () => {
  const f = { tests: 4, valid: 3, killed: 6, mutants: 8, coverage: 0.5, cure: [1, 0.5, -0.25, 0.75] };
  it('follows each scheme\'s formula', () => {
    expect(rewardOf(f, 'mutation')).toBeCloseTo(0.75 * 0.75, 12);
    expect(rewardOf(f, 'coverage')).toBe(0.5);
    expect(rewardOf(f, 'utrl')).toBe(0.75);
    expect(rewardOf(f, 'cure')).toBeCloseTo(0.5, 12);
    expect(rewardOf(f, 'default')).toBeCloseTo(0.75 * (0.75 * 0.75 + 0.25 * 0.5), 12);
    expect(rewardOf({ ...f, tests: 0, valid: 0 }, 'default')).toBe(0);
    expect(rewardOf({ ...f, mutants: 0, killed: 0 }, 'default')).toBeCloseTo(0.75 * 0.5, 12);
  });
  it('CURE: sign by the correct programs, scale by the wrong ones', () => {
    expect(cureTestReward(true, 3, 4)).toBe(0.75);
    expect(cureTestReward(false, 3, 4)).toBe(-0.25);
    expect(cureTestReward(true, 0, 0)).toBe(1);
    expect(cureTestReward(false, 0, 0)).toBe(-1);
  });
  it('a flat group has no advantage; the estimators differ as specified', () => {
    expect(advantagesOf([0.5, 0.5, 0.5], 'grpo')).toEqual([0, 0, 0]);
    expect(advantagesOf([1, 0], 'dr-grpo')).toEqual([0.5, -0.5]);
    expect(advantagesOf([1, 0, 0.5], 'rloo')).toEqual([0.75, -0.75, 0]);
  });
  it('coverageOf counts a branch outcome by the line that followed its test', () => {
    const focal = { ok: true, lines: [[2, 2], [3, 3], [4, 4]] as Array<[number, number]>, branches: [{ line: 2, kind: 'if', head: [2, 2] as [number, number], body: [3, 3] as [number, number] }] };
    const cell = (arcs: number[]) => ({ verdict: 'AC' as const, cpuMs: 0, wallMs: 0, memoryKb: 0, arcs });
    expect(coverageOf(focal, [cell([-1, 2, 2, 4, 4, -1])])).toEqual({ lines: { covered: 2, total: 3, fraction: 2 / 3 }, branches: { covered: 1, total: 2, fraction: 0.5 } });
    expect(coverageOf(focal, [cell([-1, 2, 2, 4]), cell([-1, 2, 2, 3, 3, -1])]).branches.covered).toBe(2);
  });
});

describe('co-evolution (CURE): programs x (ground truth + generated tests)', () => {
  it('rewards programs by their ground-truth pass rate and tests by CURE\'s sign and scale', async () => {
    const out = await scoreOne({
      id: 'co',
      tests: [{ type: 'assert', code: 'assert add(1, 2) == 3' }, { type: 'assert', code: 'assert add(-1, 1) == 0' }],
      rollouts: ['def add(a, b):\n    return a + b\n', 'def add(a, b):\n    return a - b\n', 'def add(a, b):\n    return abs(a) + b\n'],
      test_rollouts: ['assert add(2, 2) == 4\n', 'assert add(-2, 3) == 1\n', 'assert add(1, 1) == 3\n', ''],
    });
    expect(out.error).toBeNull();
    expect(out.correct_programs).toBe(1);
    expect((out.rollouts as Row[]).map((r) => r.reward)).toEqual([1, 0, 0.5]);
    // wrong programs: a - b and abs(a) + b
    const t = out.test_rollouts as Row[];
    // add(1, 1) == 3 fails the correct program (sign -1) and accepts no wrong one (scale 0)
    expect(t.map((r) => r.reward)).toEqual([0.5, 1, 0, 0]);
    expect(t.map((r) => r.valid)).toEqual([1, 1, 0, 0]);
    expect(t[0].matrix).toEqual([['AC', 'WA', 'AC']]);
  });
});

describe('task tests: bad input names its field, the rest is scored', () => {
  it('a focal program that does not compile, or fails its own ground truth, is an error line', async () => {
    const lines = [
      { id: 'bad', task: 'tests', focal: 'def clamp(:\n', rollouts: ['assert True\n'] },
      { id: 'wrong', task: 'tests', focal: CLAMP.replace('return hi', 'return lo'), tests: GT, rollouts: ['assert True\n'] },
      { id: 'cpp', task: 'tests', language: 'cpp', focal: 'int main(){}', rollouts: ['x'] },
      { id: 'nofocal', task: 'tests', rollouts: ['assert True\n'] },
      { id: 'turns', task: 'tests', focal: CLAMP, turns: [['x']] },
      { id: 'stray', focal: CLAMP, tests: GT, rollouts: [CLAMP] },
      { id: 'ok', task: 'tests', focal: CLAMP, rollouts: ['assert clamp(1, 0, 3) == 1\n'] },
    ].map((l) => ({ limits: LIMITS, ...l }));
    const out = await scoreAll(lines, { executor: ex });
    expect(out.map((o) => o.error?.replace(/^line \d+: /, '').split(':')[0])).toEqual(['focal', 'focal', 'language', 'focal', 'turns', 'focal', undefined]);
    expect(out[0].error).toMatch(/does not compile/);
    expect(out[1].error).toMatch(/fails the line's tests\[0\]/);
    expect((out[6] as unknown as Row).rollouts[0].valid).toBe(1);
  });

  it('refuses options it cannot honour', async () => {
    await expect(scoreAll([], { testReward: 'nope' } as never)).rejects.toThrow(/testReward must be one of/);
    await expect(scoreAll([], { mutantCap: 0 })).rejects.toThrow(/mutantCap/);
    const [out] = await scoreAll([{ id: 'x', task: 'tests', focal: CLAMP, rollouts: ['assert True\n'], limits: LIMITS }], { executor: ex, advantage: 'verpo' });
    expect(out.error).toMatch(/advantage is "verpo"/);
  });
});
