// Work done once per key (concurrent askers share the promise), bounded by entries and by the bytes of what
// it keeps (oldest dropped first); an outcome `keep` refuses (an internal error) is dropped, so the next ask
// does the work again. The syntax checks of Python programs and the compiles of C++ programs and checkers.
export class OnceCache<T> {
  private readonly map = new Map<string, { outcome: Promise<T>; bytes: number }>();
  private bytes = 0;

  constructor(private readonly bound: { entries?: number; bytes?: number; bytesOf?: (v: T) => number; keep: (v: T) => boolean }) {}

  get(key: string, make: () => Promise<T>): { outcome: Promise<T>; hit: boolean } {
    const found = this.map.get(key);
    if (found !== undefined) return { outcome: found.outcome, hit: true };
    const entry = { outcome: make(), bytes: 0 };
    this.map.set(key, entry);
    this.evict(entry);
    void entry.outcome.then((v) => {
      if (this.map.get(key) !== entry) return;
      if (!this.bound.keep(v)) {
        this.map.delete(key);
        return;
      }
      entry.bytes = key.length + (this.bound.bytesOf?.(v) ?? 0) + 256;
      this.bytes += entry.bytes;
      this.evict(entry);
    }, () => this.map.delete(key));
    return { outcome: entry.outcome, hit: false };
  }

  /** Drops the oldest entries (never `newest`) while a bound is exceeded. */
  private evict(newest: { bytes: number }): void {
    const entries = this.bound.entries ?? Infinity, bytes = this.bound.bytes ?? Infinity;
    for (const [k, e] of this.map) {
      if ((this.map.size <= entries && this.bytes <= bytes) || e === newest) break;
      this.map.delete(k);
      this.bytes -= e.bytes;
    }
  }
}
