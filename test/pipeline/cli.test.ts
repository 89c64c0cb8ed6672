// The verpo command as a user runs it (the compiled dist/cli/main.js; npm test compiles first),
// on lines with precomputed matrices, which need no sandbox.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { describe, expect, it } from 'vitest';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');

function verpo(args: string[], input = '') {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { ...process.env, CI: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'verpo-cli-'));
}

const LINES = [
  { id: 'a', passed: [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]] },
  { id: 'b', passed: [[1, 0], [0, 1]] },
  { id: 'c', passed: [[1, 0], [1, 1], [0, 0]], trajectory: [0, 0, 1] },
].map((l) => JSON.stringify(l));

describe('verpo CLI', () => {
  it('--help works for the program and every command', () => {
    for (const args of [['--help'], ['score', '--help'], ['run', '--help'], ['convert', '--help'], ['serve', '--help'], ['bench', '--help'], ['help', 'score']]) {
      const r = verpo(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: verpo/);
    }
  });

  it('scores precomputed matrices: one line per input, in order, with E1\'s advantages', () => {
    const r = verpo(['score', '-q'], LINES.join('\n') + '\n');
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).toEqual(['a', 'b', 'c']);
    expect(out[0].rollouts.map((x: { advantage: number }) => Number(x.advantage.toFixed(4)))).toEqual([-0.2391, -0.4565, 1.3043, -0.6088]);
    expect(out[0].weights).toHaveLength(5);
    expect(out[2].turns).toHaveLength(2);
    expect(out[2].turns[0]).toHaveLength(2);
    expect(out.every((o) => o.error === null)).toBe(true);
  });

  it('a bad line gets an error line naming line and field; the rest is scored; exit 1', () => {
    const input = [LINES[0], '{"id": "x", "passed": [[1, 2]]}', 'not json', LINES[1]].join('\n');
    const r = verpo(['score'], input);
    expect(r.code).toBe(1);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(4);
    expect(out[1]).toEqual({ id: 'x', error: 'line 2: passed[0][1]: is 2: expected 0 or 1' });
    expect(out[2].error).toMatch(/^line 3: line: not valid JSON/);
    expect(out[3].error).toBeNull();
    expect(r.stderr).toMatch(/4 lines \(2 failed\)/);
    expect(r.stderr).toMatch(/groups with all-zero advantages/);
  });

  it('binary weights are null in JSON; scheme and estimator flags apply', () => {
    const r = verpo(['score', '-q', '--scheme', 'binary', '--advantage', 'rloo'], LINES[0]);
    const o = JSON.parse(r.stdout);
    expect(o.weights).toEqual([null, null, null, null, null]);
    expect(o.rollouts[2].advantage).toBeCloseTo(1, 12);
  });

  it('usage errors exit 2 with a message naming the flag', () => {
    expect(verpo(['score', '--alpha', '0']).stderr).toMatch(/--alpha 0: expected a number > 0/);
    expect(verpo(['score', '--alpha=-1']).code).toBe(2);
    expect(verpo(['score', '--gamma', '2']).stderr).toMatch(/--gamma 2: expected a number in \(0, 1\]/);
    expect(verpo(['score', '--scheme', 'ppo']).code).toBe(2);
    expect(verpo(['score', '--bogus']).code).toBe(2);
    expect(verpo(['frobnicate']).code).toBe(2);
    expect(verpo(['score', '--resume']).stderr).toMatch(/--resume needs -o FILE/);
  });

  it('reads gzipped input files and writes -o files', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'in.jsonl.gz'), gzipSync(LINES.join('\n')));
    const r = verpo(['score', '-q', path.join(dir, 'in.jsonl.gz'), '-o', path.join(dir, 'out.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(path.join(dir, 'out.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    fs.rmSync(dir, { recursive: true });
  });

  it('--resume keeps finished lines, cuts a torn line, and runs only the rest', () => {
    const dir = tmp();
    const input = path.join(dir, 'in.jsonl'), out = path.join(dir, 'out.jsonl');
    fs.writeFileSync(input, LINES.join('\n') + '\n');
    const full = verpo(['score', '-q', input]).stdout.trim().split('\n');
    fs.writeFileSync(out, full[0] + '\n' + full[1].slice(0, 20)); // one finished line, one torn
    const r = verpo(['score', input, '-o', out, '--resume']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/resuming after 1 finished lines/);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toEqual(full);
    expect(r.stderr).toMatch(/3 lines \(0 failed\)/); // the summary covers the resumed lines too
    fs.rmSync(dir, { recursive: true });
  });

  it('run refuses precomputed matrices line by line', () => {
    const r = verpo(['run', '-q'], LINES[1]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatch(/executes programs/);
  });

  it('convert humaneval --with-solutions | score: canonical solutions are all-AC (first 6 problems)', () => {
    const dir = tmp();
    const fixture = path.resolve(__dirname, '..', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
    const converted = verpo(['convert', 'humaneval', fixture, '--with-solutions', '-q']);
    expect(converted.code).toBe(0);
    const lines = converted.stdout.trim().split('\n');
    expect(lines).toHaveLength(164);
    const r = verpo(['score', '-q'], lines.slice(0, 6).join('\n'));
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(6);
    for (const o of out) {
      expect(o.error).toBeNull();
      expect(o.rollouts[0].verdicts.every((v: string) => v === 'AC'), JSON.stringify(o.rollouts[0].verdicts)).toBe(true);
      expect(o.rollouts[0].outcome).toBe(1);
    }
    fs.rmSync(dir, { recursive: true });
  });

  it('reads a pipe given as a path (non-seekable), and numbers error lines as the file does', () => {
    const dir = tmp();
    const file = path.join(dir, 'in.jsonl');
    fs.writeFileSync(file, [LINES[0], '', '{"id": "x", "passed": [[1, 2]]}'].join('\n'));
    // A shell pipe makes /dev/stdin a FIFO (spawnSync's own stdin is a socket, which cannot be opened by path).
    const sh = spawnSync('sh', ['-c', `cat "$1" | "$2" "$3" score -q /dev/stdin`, 'sh', file, process.execPath, CLI], { encoding: 'utf8' });
    const r = { code: sh.status, stdout: sh.stdout };
    fs.rmSync(dir, { recursive: true });
    expect(r.code).toBe(1);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(2);
    expect(out[1].error).toBe('line 3: passed[0][1]: is 2: expected 0 or 1'); // line 2 is blank
  });

  it('streams: a result is written while the input is still open', async () => {
    const child = spawn(process.execPath, [CLI, 'score', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      child.stdin.write(LINES[1] + '\n');
      const first = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no result while the input stayed open')), 20_000);
        child.stdout.once('data', (d: Buffer) => {
          clearTimeout(timer);
          resolve(d.toString());
        });
      });
      expect(JSON.parse(first.trim()).id).toBe('b');
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('close', resolve));
    }
  });
});

describe('--stop-after-failure', () => {
  it('is refused where a later test would change the reward; a binary line with hidden tests is an error line', () => {
    const r = verpo(['score', '--stop-after-failure', '-q'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--stop-after-failure: only with 'verpo run' or --scheme binary/);
    const line = JSON.stringify({ id: 'h', tests: [{ type: 'assert', code: 'assert f() == 1' }, { type: 'assert', code: 'assert f() == 1', hidden: true }], rollouts: ['def f():\n    return 1\n'] });
    const b = verpo(['score', '--stop-after-failure', '--scheme', 'binary', '-q'], line + '\n');
    expect(b.code).toBe(1);
    expect(JSON.parse(b.stdout).error).toMatch(/tests: stopAfterFailure: the line has hidden tests/);
  });
});
