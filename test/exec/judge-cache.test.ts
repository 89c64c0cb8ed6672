// The warm judge's cache of compiled test and setup code (lib/exec/python/judge.py compile_cached), exercised in a
// real interpreter: sized for a trainer's step (entries and total text), least recently used out first.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { resolvePython } from '../../lib/exec/interpreter';

const JUDGE = path.resolve(__dirname, '..', '..', 'lib', 'exec', 'python', 'judge.py');

/** Run `body` with `j` (judge.py's namespace, loaded as a module: nothing runs) in scope; it prints one JSON line. */
function py(body: string): unknown {
  const prelude = [
    'import sys, json',
    `j = {'__name__': 'verpo_judge_under_test'}; exec(compile(open(${JSON.stringify(JUDGE)}).read(), 'judge.py', 'exec'), j)`,
    "cached = lambda: [k[1] for k in j['_CODE_CACHE']]",
  ].join('\n');
  return JSON.parse(execFileSync(resolvePython(), ['-S', '-c', `${prelude}\n${body}`], { encoding: 'utf8' }));
}

describe('judge code cache', () => {
  it('holds a step of tests: thousands of entries, bounded by their total text', () => {
    const r = py(`
print(json.dumps([j['CODE_CACHE_ENTRIES'], j['CODE_CACHE_TEXT_BYTES'], j['CODE_CACHE_MAX_TEXT']]))`) as number[];
    // a step of 512 problems x 10 tests of HumanEval's size (~110 characters each) fits
    expect(r[0]).toBeGreaterThanOrEqual(5120);
    expect(r[1]).toBeGreaterThanOrEqual(5120 * 110);
    expect(r[2]).toBeLessThanOrEqual(r[1]);
  });
  it('returns the same code object for the same text and file name, evicts the least recently used first', () => {
    const r = py(`
j['CODE_CACHE_ENTRIES'] = 3
out = {}
a = j['compile_cached']('x = 1', '<test>')
out['same'] = a is j['compile_cached']('x = 1', '<test>')
out['by_name'] = a is not j['compile_cached']('x = 1', '<setup>')
j['compile_cached']('y = 2', '<test>')
j['compile_cached']('x = 1', '<test>')  # a hit: now the most recent
j['compile_cached']('z = 3', '<test>')  # evicts the oldest, ('<setup>', 'x = 1')
out['after'] = [list(k) for k in j['_CODE_CACHE']]
ns = {}
exec(j['compile_cached']('x = 1', '<test>'), ns)
out['runs'] = ns['x']
print(json.dumps(out))`) as Record<string, unknown>;
    expect(r.same).toBe(true);
    expect(r.by_name).toBe(true);
    expect(r.after).toEqual([['<test>', 'y = 2'], ['<test>', 'x = 1'], ['<test>', 'z = 3']]);
    expect(r.runs).toBe(1);
  });
  it('keeps the texts within their budget and does not keep a text over the size bound', () => {
    const r = py(`
j['CODE_CACHE_TEXT_BYTES'] = 40
j['CODE_CACHE_MAX_TEXT'] = 30
for k in range(6):
    j['compile_cached']('v%d = %d' % (k, k) + ' ' * 9, '<test>')  # 16 characters each
big = 'w = 1' + ' ' * 40
j['compile_cached'](big, '<test>')
print(json.dumps({'texts': cached(), 'total': j['_CODE_CACHE_TEXT'][0], 'sum': sum(map(len, cached()))}))`) as { texts: string[]; total: number; sum: number };
    expect(r.texts.map((t) => t.trim())).toEqual(['v4 = 4', 'v5 = 5']);
    expect(r.total).toBe(r.sum);
    expect(r.total).toBeLessThanOrEqual(40);
  });
});
