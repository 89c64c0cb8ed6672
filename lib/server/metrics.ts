// Prometheus text exposition (format 0.0.4) for the reward server, written by hand: a handful of
// counters, gauges and one histogram do not justify a dependency.

import type { CellCacheStats } from '../exec/cell-cache';

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A monotonically increasing count per label set. */
export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const cur = this.values.get(k);
    if (cur) cur.value += by;
    else this.values.set(k, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** A value read when the metrics are scraped (queue depth, in-flight work). */
export class Gauge {
  constructor(readonly name: string, readonly help: string, private readonly read: () => number) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`].join('\n');
  }
}

/** Cumulative-bucket histogram per label set (seconds). */
export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}

  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** Every metric the server exports. Gauges read the queue when scraped. */
export class ServerMetrics {
  readonly requests = new Counter('verpo_http_requests_total', 'HTTP requests answered, by route and status code.');
  readonly rejected = new Counter('verpo_rejected_requests_total',
    'Requests refused before any work: queue_full (429), too_large (413), unauthorized (401), invalid (400), shutting_down (503 while draining), deadline (503: the client\'s timeout would pass before the program could finish).');
  readonly latency = new Histogram('verpo_request_duration_seconds', 'Time from request to the last byte of the reply, by route.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]);
  readonly groups = new Counter('verpo_groups_total', 'Problem groups finished, by outcome (scored, error, cancelled).');
  readonly executions = new Counter('verpo_executions_total', 'Sandboxed test executions (cache hits excluded); rate() gives executions/s.');
  readonly cacheHits = new Counter('verpo_cache_hits_total', 'Tests answered from the content-hash cache (an identical program, setup, limits and test run before).');
  readonly verdicts = new Counter('verpo_verdicts_total', 'Verdicts of executed tests, by verdict.');
  readonly runCode = new Counter('verpo_run_code_total', 'SandboxFusion /run_code requests, by top-level status.');
  readonly cancelled = new Counter('verpo_cancelled_total',
    'Work dropped before it ran because its client went away, by route: groups (/score, /get_reward, /verl/compute_score, /trl/reward) and programs (/run_code).');
  readonly runtimeErrors = new Counter('verpo_runtime_errors_total', 'RE verdicts by what ended the program: its exception class (IndexError), a signal (SIGSEGV), or exit N.');
  readonly programChars = new Histogram('verpo_program_chars', 'Length of the programs scored, characters (generation length).',
    [100, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000]);
  readonly programLines = new Histogram('verpo_program_lines', 'Length of the programs scored, lines (generation length).',
    [5, 10, 20, 40, 80, 160, 320, 640, 1280]);
  readonly lintViolations = new Counter('verpo_lint_violations_total', 'Ruff findings on scored programs (lint on), by severity (error, warning, style).');
  readonly lintRules = new Counter('verpo_lint_rules_total', 'Ruff findings on scored programs (lint on), by rule code (F401, B006...).');
  readonly zeroAdvantageGroups = new Counter('verpo_zero_advantage_groups_total',
    'Scored groups whose advantages are all zero (no learning signal); divide by verpo_groups_total{outcome="scored"}.');
  readonly heldOutGap = new Histogram('verpo_held_out_gap', 'Groups with hidden tests: visible minus hidden pass rate.',
    [-0.5, -0.25, -0.1, 0, 0.1, 0.25, 0.5, 0.75, 1]);
  private readonly gauges: Gauge[];
  private readonly cacheStats: () => CellCacheStats | null;

  /** `cache` reads the executor's cell-cache size (null: no cache, and no cache metrics). */
  constructor(queueDepth: () => number, inFlight: () => number, cache: () => CellCacheStats | null = () => null) {
    this.gauges = [
      new Gauge('verpo_queue_depth', 'Groups admitted and waiting for a slot.', queueDepth),
      new Gauge('verpo_in_flight', 'Groups (and /run_code programs) running now.', inFlight),
    ];
    this.cacheStats = cache;
  }

  /** The cell cache's size, read once per scrape so the series agree with each other. */
  private renderCache(): string[] {
    const s = this.cacheStats();
    if (s === null) return [];
    return [
      new Gauge('verpo_cache_entries', 'Cells held by the content-hash cache (finished or running).', () => s.entries).render(),
      new Gauge('verpo_cache_bytes', 'Estimated bytes of those cells (key and string lengths plus a fixed overhead each).', () => s.bytes).render(),
      new Gauge('verpo_cache_limit_bytes', 'The cache\'s bound (--cache-mb); least recently used cells are dropped beyond it.', () => s.maxBytes).render(),
      [`# HELP verpo_cache_evictions_total Cells dropped from the cache to stay under its bound.`, '# TYPE verpo_cache_evictions_total counter',
        `verpo_cache_evictions_total ${s.evictions}`].join('\n'),
    ];
  }

  /** The server process's own memory, read once per scrape (prom-client's names, so dashboards for Node
   *  services read them): resident set, V8 heap in use and reserved, and memory held outside the heap
   *  (Buffers, the native addon's allocations reported to V8). A leak shows as heap-used lows that climb. */
  private renderProcess(): string[] {
    const m = process.memoryUsage();
    return [
      new Gauge('process_resident_memory_bytes', 'Resident set size of the server process.', () => m.rss).render(),
      new Gauge('nodejs_heap_size_used_bytes', 'V8 heap in use (live objects and garbage not yet collected).', () => m.heapUsed).render(),
      new Gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved.', () => m.heapTotal).render(),
      new Gauge('nodejs_external_memory_bytes', 'Memory outside the V8 heap that V8 knows of (Buffers and ArrayBuffers included).', () => m.external).render(),
    ];
  }

  render(): string {
    return [
      ...this.gauges.map((g) => g.render()),
      ...this.renderCache(),
      ...this.renderProcess(),
      this.requests.render(), this.rejected.render(), this.latency.render(), this.groups.render(),
      this.executions.render(), this.cacheHits.render(), this.verdicts.render(), this.runCode.render(), this.cancelled.render(),
      this.runtimeErrors.render(), this.programChars.render(), this.programLines.render(), this.lintViolations.render(),
      this.lintRules.render(), this.zeroAdvantageGroups.render(), this.heldOutGap.render(),
    ].join('\n') + '\n';
  }
}
