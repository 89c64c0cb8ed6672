// The executor's content-hash cache of cells ((program, setup, limits, test) -> the cell's result),
// bounded by bytes rather than by count: a cell carries up to two output excerpts (4 KiB each by
// default, up to the output limit on a server), so 200k cells could hold gigabytes. Least recently
// used entries go first. A running cell is kept as its promise (so duplicates in flight share one
// execution) and counted at its key's size until it resolves; then its strings are counted too.
import type { TestResult } from './types';

/** Default bound: 256 MiB of estimated entry bytes. */
export const DEFAULT_CACHE_MB = 256;

/** Bytes counted for an entry beyond its strings: the map slot, the promise, the cell object and its
 *  numbers (an estimate; V8 keeps ASCII strings at one byte per character, which is what is counted). */
export const ENTRY_OVERHEAD_BYTES = 256;

/** The executor option that sets the bound (ExecutorOptions.cacheMb). */
export interface CellCacheOptions {
  /** Bound of the content-hash cell cache, MiB of estimated bytes (default DEFAULT_CACHE_MB). */
  cacheMb?: number;
}

export interface CellCacheStats {
  /** Cells held (finished or running). */
  entries: number;
  /** Their estimated size: key and string lengths plus ENTRY_OVERHEAD_BYTES each. */
  bytes: number;
  /** The bound. */
  maxBytes: number;
  /** Entries dropped to stay under the bound since the cache was made. */
  evictions: number;
}

/** An entry's estimated size: its key's length, the lengths of the cell's strings (stdout, stderr,
 *  detail, ...; none while it runs) and a fixed overhead. */
export function cellBytes(key: string, cell?: TestResult): number {
  let n = ENTRY_OVERHEAD_BYTES + key.length;
  if (cell !== undefined) for (const v of Object.values(cell)) if (typeof v === 'string') n += v.length;
  return n;
}

/** The bound in bytes for an option in MiB (default DEFAULT_CACHE_MB); a RangeError unless > 0. */
export function cacheBytes(cacheMb: unknown = DEFAULT_CACHE_MB, field = 'cacheMb'): number {
  if (typeof cacheMb !== 'number' || !Number.isFinite(cacheMb) || cacheMb <= 0) {
    throw new RangeError(`${field} must be a number of MiB > 0, got ${typeof cacheMb === 'number' ? cacheMb : typeof cacheMb}`);
  }
  return Math.max(1, Math.floor(cacheMb * 2 ** 20));
}

interface Entry {
  value: Promise<TestResult>;
  bytes: number;
}

/** An LRU map from cell keys to (running or finished) cells, holding at most `maxBytes` estimated bytes. */
export class CellCache {
  private readonly entries = new Map<string, Entry>(); // iteration order = least recently used first
  private bytes = 0;
  private evictions = 0;

  constructor(readonly maxBytes: number = cacheBytes()) {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`CellCache: maxBytes must be an integer > 0, got ${maxBytes}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cell under `key` (made the most recently used), or undefined. */
  get(key: string): Promise<TestResult> | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Keeps `value` under `key`, dropping least recently used entries past the bound. Once the cell
   *  is done its size is counted (and may evict others, or itself if it alone is over the bound); a
   *  promise that rejects is dropped. */
  set(key: string, value: Promise<TestResult>): void {
    this.delete(key);
    const entry: Entry = { value, bytes: cellBytes(key) };
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    this.evict();
    value.then(
      (cell) => {
        if (this.entries.get(key) !== entry) return; // evicted or replaced meanwhile
        const b = cellBytes(key, cell);
        this.bytes += b - entry.bytes;
        entry.bytes = b;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.delete(key);
      },
    );
  }

  delete(key: string): boolean {
    const e = this.entries.get(key);
    if (e === undefined) return false;
    this.entries.delete(key);
    this.bytes -= e.bytes;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): CellCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, maxBytes: this.maxBytes, evictions: this.evictions };
  }

  private evict(): void {
    while (this.bytes > this.maxBytes && this.entries.size > 0) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
      this.evictions++;
    }
  }
}
