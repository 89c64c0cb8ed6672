// `verpo demo`: the one command the README's top shows. The rollouts it builds (the off-by-one edit's
// scanner on Python sources, every HumanEval problem's group), the command as a user runs it (the
// compiled dist/cli/main.js; npm test compiles first) on the first three problems, and that the
// package ships what the command reads.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { DEMO_ROLLOUTS, demoGroups, firstIntegerLiteral, HUMANEVAL_PROBLEMS, offByOne } from '../../lib/cli/demo';
import { loadSchema, validate } from '../datasets/schema-validator';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

function verpo(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, CI: '' }, timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the off-by-one edit', () => {
  it('finds the first plain integer literal, outside strings, comments, names and other numbers', () => {
    const cases: [string, string | null][] = [
      ['    return x + 1\n', '1'],
      ['    # 5 in a comment\n    s = "7 in a string"\n    t = \'8\'\n    return s[3:]\n', '3'],
      ['    """a docstring with 9"""\n    return 2 ** n\n', '2'],
      ["    v = r'\\d4' + b\"5\" + f'{6}' + rb'''7\n8'''\n    return v * 10\n", '10'],
      ['    x1 = e2 + l_3\n    return number % 1.0 + 2.5e3 + .5 + 3j + 0x1F + 1_000\n', '1_000'],
      ['    s = "escaped \\" 4"\n    return 12\n', '12'],
      ['    return a * b\n', null],
      ['    return 1.0\n', null],
    ];
    for (const [src, want] of cases) {
      const lit = firstIntegerLiteral(src);
      expect(lit === null ? null : src.slice(lit.start, lit.end), src).toBe(want);
    }
  });

  it('adds one to that literal and says where', () => {
    expect(offByOne('    for i in range(1, n):\n        pass\n')).toEqual({ code: '    for i in range(2, n):\n        pass\n', edit: '1 -> 2 on line 1 of the solution' });
    expect(offByOne('    total = 0\n    return total + 1_000\n')).toEqual({ code: '    total = 1\n    return total + 1_000\n', edit: '0 -> 1 on line 1 of the solution' });
    expect(offByOne('    return 1_000\n')!.code).toBe('    return 1001\n');
    expect(offByOne('    return a + b\n')).toBeNull();
  });
});

describe('demo groups', () => {
  it('every HumanEval problem: its canonical solution, return None, a crash, and an off-by-one edit where one exists', async () => {
    const demo = await demoGroups();
    expect(demo).toHaveLength(HUMANEVAL_PROBLEMS);
    let edited = 0;
    for (const { group, kinds, edit } of demo) {
      const prompt = group.prompt!;
      const rollouts = group.rollouts!;
      expect(kinds).toEqual(DEMO_ROLLOUTS.slice(0, rollouts.length));
      expect(rollouts.length === 4).toBe(edit !== null);
      for (const r of rollouts) expect(r.startsWith(prompt)).toBe(true);
      expect(rollouts[1]).toBe(`${prompt}    return None\n`);
      expect(rollouts[2]).toMatch(/return \[\]\[0\]/);
      if (edit !== null) {
        edited++;
        expect(rollouts[3]).not.toBe(rollouts[0]);
        expect(rollouts[3].length - rollouts[0].length).toBeLessThanOrEqual(1); // one literal, one higher
        expect(group.meta).toMatchObject({ demo_rollouts: kinds, off_by_one: edit });
      }
    }
    expect(edited).toBeGreaterThan(100); // most canonical solutions hold an integer literal
    expect(edited).toBeLessThan(HUMANEVAL_PROBLEMS);
    expect((await demoGroups(3)).map((d) => d.group.id)).toEqual(['HumanEval/0', 'HumanEval/1', 'HumanEval/2']);
  });
});

describe('verpo demo', () => {
  it('--problems 3 --out FILE: exit 0, valid scored lines, canonical rollouts pass and wrong ones fail', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verpo-demo-test-'));
    const out = path.join(dir, 'scored.jsonl');
    const r = verpo(['demo', '--problems', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(out + '\n');
    // the summary of `verpo score`, and the demo's own account of its rollouts
    expect(r.stderr).toMatch(/^verpo demo: 3 HumanEval problems \(bundled, MIT\), \d+ rollouts, scored into /);
    expect(r.stderr).toMatch(/verpo: 3 lines \(0 failed\), \d+ rows\n {2}verdicts: AC \d+ {2}WA \d+ {2}RE \d+ {3}\(TLE [\d.]+%, IE [\d.]+% of cells\)\n {2}mean reward: \d\.\d{4} {3}pass@1: /);
    expect(r.stderr).toContain('canonical solutions passing every test: 3/3');
    expect(r.stderr).toMatch(/verpo: 3\/3 problems, \d+ executions/); // the progress view (plain lines off a terminal)

    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const demo = await demoGroups(3);
    const schema = loadSchema('verpo-output');
    expect(lines.map((l) => l.id)).toEqual(['HumanEval/0', 'HumanEval/1', 'HumanEval/2']);
    lines.forEach((line, i) => {
      expect(validate(schema, line)).toEqual([]);
      expect(line.error).toBeNull();
      const tests = demo[i].group.tests.length;
      expect(line.weights).toHaveLength(tests);
      expect(line.rollouts).toHaveLength(demo[i].kinds.length);
      demo[i].kinds.forEach((kind, k) => {
        const row = line.rollouts[k];
        expect(row.verdicts).toHaveLength(tests);
        if (kind === 'canonical') {
          expect(row.verdicts.every((v: string) => v === 'AC'), `${line.id} canonical: ${row.verdicts}`).toBe(true);
          expect(row.outcome).toBe(1);
        } else {
          expect(row.passed.every((p: number) => p === 1), `${line.id} ${kind}: ${row.verdicts}`).toBe(false);
          expect(row.outcome).toBe(0);
          expect(row.reward).toBeLessThan(line.rollouts[0].reward);
          expect(row.advantage).toBeLessThan(0);
        }
        if (kind === 'return None') expect(row.verdicts.every((v: string) => v === 'WA')).toBe(true);
        if (kind === 'crash') expect(row.verdicts.every((v: string) => v === 'RE')).toBe(true);
      });
      expect(line.rollouts[0].advantage).toBeGreaterThan(0);
    });
    // HumanEval/1 is the one of the three whose solution has an integer literal (current_depth = 0)
    expect(demo.map((d) => d.kinds.length)).toEqual([3, 4, 3]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('without --out: a new file in the temp dir, its path on stdout; -q keeps stderr empty', () => {
    const r = verpo(['demo', '--problems', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const file = r.stdout.trim();
    expect(path.dirname(path.dirname(file))).toBe(os.tmpdir());
    expect(path.basename(path.dirname(file))).toMatch(/^verpo-demo-/);
    expect(path.basename(file)).toBe('humaneval-scored.jsonl');
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).id).toBe('HumanEval/0');
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('usage errors name the flag (exit 2); --help describes the command', () => {
    for (const [args, msg] of [
      [['--problems', '0'], /--problems 0: expected an integer >= 1/],
      [['--problems', 'many'], /--problems many: expected an integer >= 1/],
      [['--concurrency', '0'], /--concurrency 0: expected an integer >= 1/],
      [['extra'], /demo takes no positional arguments/],
      [['--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const r = verpo(['demo', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    const h = verpo(['demo', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: verpo demo \[--problems N\] \[--out FILE\]/);
    expect(verpo(['--help']).stdout).toMatch(/\n {2}demo \[--problems N\] \[--out FILE\] +score the bundled HumanEval/);
  });

  it('the package ships the fixture and the command (package.json "files")', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    for (const f of ['test/fixtures/humaneval/HumanEval.jsonl.gz', 'test/fixtures/humaneval/LICENSE', 'dist/cli/demo.js', 'dist/cli/main.js']) expect(files).toContain(f);
  });
});
