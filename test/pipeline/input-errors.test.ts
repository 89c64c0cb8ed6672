// Hostile or broken input files for the command line (issue 17, item 7): bytes that are not UTF-8,
// a BOM, a directory, a truncated .gz, and --resume against an output of another input. Nothing
// crashes, nothing is silently scored, every error names the line or the path. Precomputed matrices
// only (no sandbox), through the compiled command (dist/cli/main.js), as a user runs it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync, gzipSync } from 'zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { firstInvalidUtf8, readInputLines } from '../../lib/pipeline/lines';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verpo-input-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function verpo(args: string[], input: string | Buffer = '') {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, env: { ...process.env, CI: '' } });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

function file(name: string, data: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
}

const line = (id: string) => JSON.stringify({ id, passed: [[1, 0], [0, 1]] });
const ids = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; error: string | null });

// a line whose id is fine but whose matrix has a byte that is no UTF-8 (0xff), at byte 25 of the line
const BAD = Buffer.concat([Buffer.from('{"id": "bad", "passed": [[1, '), Buffer.from([0xff]), Buffer.from('0]]}')]);
const BAD_OFFSET = BAD.indexOf(0xff);

describe('input lines that are not valid UTF-8', () => {
  it('score: the line is an error naming its line and byte offset; the rest is scored; exit 1', () => {
    const input = Buffer.concat([Buffer.from(line('a') + '\n\n'), BAD, Buffer.from('\n' + line('c') + '\n')]);
    for (const args of [['score', '-q'], ['score', '-q', file('bad.jsonl', input)], ['score', '-q', file('bad.jsonl.gz', gzipSync(input))]]) {
      const r = verpo(args, args.length === 2 ? input : '');
      expect(r.code, args.join(' ')).toBe(1);
      const out = ids(r.stdout);
      expect(out.map((o) => o.id)).toEqual(['a', null, 'c']);
      expect(out[1].error).toBe(`line 3: not valid UTF-8 (byte offset ${BAD_OFFSET})`);
      expect(out[0].error).toBeNull();
      expect(out[2].error).toBeNull();
      expect(r.stdout).not.toContain('\ufffd');
    }
  });

  it('run: the same error line', () => {
    const r = verpo(['run', '-q'], Buffer.concat([BAD, Buffer.from('\n')]));
    expect(r.code).toBe(1);
    expect(ids(r.stdout)).toEqual([{ id: null, error: `line 1: not valid UTF-8 (byte offset ${BAD_OFFSET})` }]);
  });

  it('convert: the record is reported with its line and skipped, the others converted', () => {
    const fixture = gunzipSync(fs.readFileSync(path.resolve(__dirname, '..', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz'))).toString('utf8').split('\n').slice(0, 2);
    const broken = Buffer.from(fixture[1]);
    broken[40] = 0xc3; // a lead byte without its continuation byte
    broken[41] = 0x28;
    const f = file('he.jsonl', Buffer.concat([Buffer.from(fixture[0] + '\n'), broken, Buffer.from('\n')]));
    const r = verpo(['convert', 'humaneval', f]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout).id).toBe('HumanEval/0');
    expect(r.stderr).toContain('skipped humaneval line 2: line: not valid UTF-8 (byte offset 40)');
    expect(r.stderr).toMatch(/2 records, 1 converted, 1 skipped/);
  });

  it('the validator finds the first bad byte of each kind of malformed sequence, and agrees with Buffer.isUtf8', () => {
    const cases: Array<[number[], number]> = [
      [[0x61, 0x62], -1],
      [[0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], -1], // € and an emoji
      [[0x61, 0x80], 1], // a lone continuation byte
      [[0xc0, 0xaf], 0], // overlong '/'
      [[0xe0, 0x80, 0xaf], 0], // overlong, 3 bytes
      [[0x61, 0xed, 0xa0, 0x80], 1], // a UTF-16 surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0x62, 0xe2, 0x82], 2], // cut short at the end
      [[0xf8, 0x88, 0x80, 0x80, 0x80], 0], // 5-byte forms do not exist
    ];
    for (const [bytes, at] of cases) expect(firstInvalidUtf8(Uint8Array.from(bytes)), bytes.join(',')).toBe(at);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => (rnd() < 0.5 ? Math.floor(rnd() * 128) : 0x80 + Math.floor(rnd() * 128))));
      expect(firstInvalidUtf8(b) === -1, b.toString('hex')).toBe(require('buffer').isUtf8(b));
    }
  });
});

describe('a line nested thousands of levels deep', () => {
  it('does not crash the process: its error line names the field and the limit, the other lines are scored', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const bad = `{"id": "deep", "tests": [{"type": "assert", "code": "assert f() == 1"}, {"type": "assert", "code": "assert f() == 1"}, ` +
      `{"type": "call", "fn": "f", "args": [${deep(5001)}], "expected": 1}], "rollouts": ["def f():\\n    return 1\\n"]}`;
    const expectedOnly = `{"id": "deep2", "tests": [{"type": "call", "fn": "f", "args": [], "expected": ${deep(1_000_000)}}], "rollouts": ["x = 1"]}`;
    const r = verpo(['score', '-q'], [line('a'), bad, expectedOnly, line('c')].join('\n') + '\n');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/call stack|RangeError/);
    expect(ids(r.stdout)).toEqual([
      expect.objectContaining({ id: 'a', error: null }),
      { id: 'deep', error: 'line 2: tests[2].args[0]: nested 5001 levels deep; at most 400 are allowed' },
      { id: 'deep2', error: 'line 3: tests[0].expected: nested 1000000 levels deep; at most 400 are allowed' },
      expect.objectContaining({ id: 'c', error: null }),
    ]);
  });
});

describe('a UTF-8 BOM at the start of the input', () => {
  const bom = '\ufeff';
  it('is dropped for .jsonl, .gz and stdin: line 1 is scored like any other', () => {
    const text = bom + line('a') + '\r\n' + line('b') + '\n';
    for (const [args, input] of [
      [['score', '-q', file('bom.jsonl', text)], ''],
      [['score', '-q', file('bom.jsonl.gz', gzipSync(text))], ''],
      [['score', '-q'], text],
    ] as const) {
      const r = verpo([...args], input);
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(0);
      expect(ids(r.stdout).map((o) => [o.id, o.error])).toEqual([['a', null], ['b', null]]);
    }
  });

  it('is dropped for .json arrays, .jsonl and .gz given to convert', () => {
    const record = gunzipSync(fs.readFileSync(path.resolve(__dirname, '..', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz'))).toString('utf8').split('\n')[0];
    for (const f of [file('he.json', `${bom}[${record}]`), file('he-bom.jsonl', `${bom}${record}\n`), file('he-bom.jsonl.gz', gzipSync(`${bom}${record}\n`))]) {
      const r = verpo(['convert', 'humaneval', f, '-q']);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).id).toBe('HumanEval/0');
    }
  });

  it('only one, and only at the start: a BOM inside a later line is kept as text', async () => {
    const f = file('two-boms.jsonl', `${bom}${bom}x\n${bom}y\n`);
    const got: Array<string | null> = [];
    for await (const l of readInputLines(f)) got.push(l.text);
    expect(got).toEqual([`${bom}x`, `${bom}y`]);
  });
});

describe('inputs that cannot be read name their path', () => {
  it('a directory, a missing file: score, run and convert', () => {
    const missing = path.join(dir, 'nope.jsonl');
    for (const args of [['score', dir], ['run', dir], ['convert', 'mbpp', dir]]) {
      const r = verpo(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(`verpo: cannot read ${dir}: is a directory\n`);
      expect(r.stdout).toBe('');
    }
    for (const args of [['score', missing], ['convert', 'mbpp', missing]]) {
      expect(verpo(args).stderr).toBe(`verpo: cannot read ${missing}: no such file or directory\n`);
    }
  });

  it('a truncated .gz: every complete line before the break is scored, then the error names the path and the line', () => {
    const text = Array.from({ length: 3000 }, (_, i) => line(`g${i}`)).join('\n') + '\n';
    const gz = gzipSync(text);
    const f = file('cut.jsonl.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const r = verpo(['score', '-q', f, '-o', path.join(dir, 'cut.out.jsonl')]);
    expect(r.code).toBe(1);
    const m = /^verpo: (.*): truncated gzip stream \(after line (\d+)\)\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(m![1]).toBe(f);
    const n = Number(m![2]);
    expect(n).toBeGreaterThan(100);
    expect(n).toBeLessThan(3000);
    const out = ids(fs.readFileSync(path.join(dir, 'cut.out.jsonl'), 'utf8'));
    expect(out.map((o) => o.id)).toEqual(Array.from({ length: n }, (_, i) => `g${i}`));
    expect(out.every((o) => o.error === null)).toBe(true);
    const c = verpo(['convert', 'mbpp', f, '-q']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(new RegExp(`verpo: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated gzip stream \\(after line \\d+\\)\\n$`));
  });
});

describe('--resume checks that the output belongs to the input', () => {
  const input = [line('a'), line('b'), line('c')].join('\n') + '\n';
  const full = verpo(['score', '-q'], input).stdout;

  it('continues an output of the same input (from a file or from stdin)', () => {
    const inFile = file('r-in.jsonl', input);
    for (const viaStdin of [false, true]) {
      const out = file('r-ok.jsonl', full.split('\n').slice(0, 1).join('\n') + '\n' + full.split('\n')[1].slice(0, 15));
      const r = viaStdin ? verpo(['score', '-', '-o', out, '--resume'], input) : verpo(['score', inFile, '-o', out, '--resume']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/resuming after 1 finished lines/);
      expect(fs.readFileSync(out, 'utf8')).toBe(full);
    }
  });

  it('an output whose ids are another input\'s: an error naming the file, the line and both ids; nothing is changed', () => {
    const other = file('r-other.jsonl', [line('a'), line('x'), line('c')].join('\n') + '\n');
    const torn = full.split('\n').slice(0, 2).join('\n') + '\n{"id": "c", "wei';
    const out = file('r-bad.jsonl', torn);
    const r = verpo(['score', other, '-o', out, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`verpo: --resume: ${out} line 2 has id "b", but input line 2 has id "x": the output belongs to another input (or the input changed); nothing was changed\n`);
    expect(fs.readFileSync(out, 'utf8')).toBe(torn); // not even the torn line was cut
  });

  it('an output longer than the input: an error naming the extra line and its id; nothing is changed', () => {
    const short = file('r-short.jsonl', [line('a'), line('b')].join('\n') + '\n');
    const out = file('r-long.jsonl', full);
    const r = verpo(['score', short, '-o', out, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^verpo: --resume: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has 3 result lines but the input has only 2: output line 3 \\(id "c"\\) has no input line`));
    expect(fs.readFileSync(out, 'utf8')).toBe(full);
  });

  it('a file that is not verpo output is refused, not truncated', () => {
    const text = 'notes\n' + full;
    const out = file('r-notes.jsonl', text);
    const r = verpo(['score', file('r-in2.jsonl', input), '-o', out, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 1 is not a verpo result line/);
    expect(fs.readFileSync(out, 'utf8')).toBe(text);
  });

  it('error lines (ids null) are matched too: invalid lines resume like valid ones', () => {
    const mixed = Buffer.concat([Buffer.from('not json\n'), BAD, Buffer.from('\n' + line('z') + '\n')]);
    const inFile = file('r-mixed.jsonl', mixed);
    const once = verpo(['score', '-q', inFile]).stdout;
    const out = file('r-mixed.out.jsonl', once.split('\n').slice(0, 2).join('\n') + '\n');
    const r = verpo(['score', '-q', inFile, '-o', out, '--resume']);
    expect(r.code).toBe(1); // the two bad lines count as failed
    expect(fs.readFileSync(out, 'utf8')).toBe(once);
  });
});
