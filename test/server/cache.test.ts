// The server's cache of cells already run, bounded by bytes (lib/exec/cell-cache.ts): eviction of
// the least recently used entries by their estimated size, running cells counted once they finish,
// the --cache-mb flags and option, and the size in /metrics.
import { describe, expect, it } from 'vitest';
import { CellCache, cellBytes, cacheBytes, DEFAULT_CACHE_MB, ENTRY_OVERHEAD_BYTES } from '../../lib/exec/cell-cache';
import type { TestResult } from '../../lib/exec/types';
import { serveOptions } from '../../lib/cli/serve';
import { scoreOptions, UsageError } from '../../lib/cli/options';
import { ServerMetrics } from '../../lib/server/metrics';
import { score } from '../../lib/pipeline/score';

const cell = (stdoutChars: number, verdict: TestResult['verdict'] = 'AC'): TestResult =>
  ({ verdict, cpuMs: 1, wallMs: 2, memoryKb: 3, stdout: 'x'.repeat(stdoutChars), stderr: '' });
const key = (i: number) => `k${String(i).padStart(4, '0')}`; // 5 characters each
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('CellCache: bounded by bytes', () => {
  it('estimates an entry as its key and string lengths plus a fixed overhead', () => {
    expect(cellBytes('abc')).toBe(ENTRY_OVERHEAD_BYTES + 3);
    expect(cellBytes('abc', { ...cell(1000), stderr: 'e'.repeat(24), detail: 'boom' })).toBe(ENTRY_OVERHEAD_BYTES + 3 + 1000 + 24 + 4 + 2); // + 'AC'
  });

  it('drops the least recently used entries once their bytes pass the bound, whatever their count', async () => {
    const per = cellBytes(key(0), cell(10_000));
    const cache = new CellCache(per * 3 + 100); // room for three big cells
    for (let i = 0; i < 3; i++) cache.set(key(i), Promise.resolve(cell(10_000)));
    await tick();
    expect(cache.stats()).toEqual({ entries: 3, bytes: 3 * per, maxBytes: per * 3 + 100, evictions: 0 });
    expect(await cache.get(key(0))).toMatchObject({ verdict: 'AC' }); // key 0 is now the most recently used
    cache.set(key(3), Promise.resolve(cell(10_000)));
    await tick();
    expect(cache.has(key(1))).toBe(false); // the least recently used went first
    expect([key(0), key(2), key(3)].every((k) => cache.has(k))).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: 3 * per, evictions: 1 });
    // small cells: many more fit in the same bytes
    const small = new CellCache(per * 3 + 100);
    for (let i = 0; i < 100; i++) small.set(key(i), Promise.resolve(cell(10)));
    await tick();
    expect(small.size).toBe(100);
    expect(small.stats().bytes).toBe(100 * cellBytes(key(0), cell(10)));
  });

  it('counts a running cell at its key\'s size, then at its real size when it finishes (evicting others if need be)', async () => {
    const cache = new CellCache(cellBytes(key(0), cell(5000)) + cellBytes(key(1), cell(100)) + 10);
    let finish!: (c: TestResult) => void;
    cache.set(key(0), Promise.resolve(cell(100)));
    cache.set(key(1), new Promise<TestResult>((r) => (finish = r)));
    await tick();
    expect(cache.stats().bytes).toBe(cellBytes(key(0), cell(100)) + cellBytes(key(1)));
    cache.set(key(2), Promise.resolve(cell(100)));
    await tick();
    expect(cache.size).toBe(3);
    finish(cell(5000)); // now key 1 is big: the oldest (key 0) must go
    await tick();
    expect(cache.has(key(0))).toBe(false);
    expect(cache.has(key(1))).toBe(true);
    expect(cache.stats().bytes).toBe(cellBytes(key(1), cell(5000)) + cellBytes(key(2), cell(100)));
    expect(cache.stats().bytes).toBeLessThanOrEqual(cache.maxBytes);
  });

  it('a cell bigger than the whole bound is not kept; delete and a failed run give their bytes back', async () => {
    const cache = new CellCache(2000);
    cache.set('big', Promise.resolve(cell(5000)));
    await tick();
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0, evictions: 1 });
    cache.set('ok', Promise.resolve(cell(10, 'IE')));
    await tick();
    expect(cache.delete('ok')).toBe(true); // the executor drops IE cells
    const failing = Promise.reject(new Error('sandbox gone'));
    failing.catch(() => {});
    cache.set('failed', failing);
    await tick();
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
    cache.set('a', Promise.resolve(cell(10)));
    cache.set('a', Promise.resolve(cell(20))); // replacing counts the new entry only
    await tick();
    expect(cache.stats().bytes).toBe(cellBytes('a', cell(20)));
  });

  it('the bound from MiB: default 256, refusals name the option', () => {
    expect(DEFAULT_CACHE_MB).toBe(256);
    expect(cacheBytes()).toBe(256 * 2 ** 20);
    expect(new CellCache().maxBytes).toBe(256 * 2 ** 20);
    expect(cacheBytes(0.5)).toBe(2 ** 19);
    for (const bad of [0, -1, NaN, Infinity, '64']) expect(() => cacheBytes(bad, 'cacheMb')).toThrow(/^cacheMb must be a number of MiB > 0/);
  });
});

describe('--cache-mb and the cacheMb option', () => {
  it('serve and score read the flag; bad values name it', () => {
    expect(serveOptions(['--cache-mb', '64'], {}).cacheMb).toBe(64);
    expect(serveOptions([], {}).cacheMb).toBeUndefined();
    expect(() => serveOptions(['--cache-mb', '0'], {})).toThrow(/--cache-mb 0: expected a number > 0/);
    expect(scoreOptions({ 'cache-mb': '512' }, 'score').cacheMb).toBe(512);
    expect(scoreOptions({ 'cache-mb': '8' }, 'run').cacheMb).toBe(8);
    expect(() => scoreOptions({ 'cache-mb': '-3' }, 'score')).toThrow(UsageError);
    expect(() => scoreOptions({ 'cache-mb': 'lots' }, 'score')).toThrow(/--cache-mb lots: expected a number of MiB > 0/);
  });

  it('score() refuses a bad cacheMb before anything runs', async () => {
    const it = score([{ id: 'a', passed: [[1]] }], { cacheMb: -1 });
    await expect(it.next()).rejects.toThrow(/^options\.cacheMb must be a number of MiB > 0, got -1/);
  });
});

describe('/metrics: the cache\'s size', () => {
  it('entries, bytes, bound and evictions, read from the cache when scraped', async () => {
    const cache = new CellCache(cellBytes(key(0), cell(1000)) * 2);
    const metrics = new ServerMetrics(() => 0, () => 0, () => cache.stats());
    for (let i = 0; i < 3; i++) cache.set(key(i), Promise.resolve(cell(1000)));
    await tick();
    const lines = metrics.render().split('\n');
    expect(lines).toContain('# TYPE verpo_cache_entries gauge');
    expect(lines).toContain('verpo_cache_entries 2');
    expect(lines).toContain(`verpo_cache_bytes ${2 * cellBytes(key(0), cell(1000))}`);
    expect(lines).toContain(`verpo_cache_limit_bytes ${cache.maxBytes}`);
    expect(lines).toContain('# TYPE verpo_cache_evictions_total counter');
    expect(lines).toContain('verpo_cache_evictions_total 1');
    cache.clear();
    expect(metrics.render().split('\n')).toContain('verpo_cache_bytes 0');
  });

  it('no cache (caching off, or an executor without one): no cache series', () => {
    const text = new ServerMetrics(() => 0, () => 0, () => null).render();
    expect(text).not.toMatch(/verpo_cache_(entries|bytes|limit_bytes|evictions_total)/);
    expect(text).toMatch(/verpo_cache_hits_total/); // the hit counter is the pipeline's, always there
  });
});
