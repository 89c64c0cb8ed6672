// The reward server: a Fastify app with one shared Executor (made at start, closed at shutdown),
// a bounded group queue, an optional bearer token, and the routes POST /score, POST /run_code,
// POST /get_reward, GET /healthz, GET /metrics. It keeps no state between requests.
import { createServer } from 'http';
import { availableParallelism } from 'os';
import { Readable } from 'stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Executor } from '../exec/executor';
import type { CellCacheOptions, CellCacheStats } from '../exec/cell-cache';
import type { ExecutorOptions, IsolationLayers, Limits } from '../exec/types';
import { SCHEMES, ESTIMATORS } from '../reward/codes';
import { BearerToken } from './auth';
import { errorHandler, HttpError, redactPaths } from './errors';
import { ServerMetrics } from './metrics';
import { getReward, OPENRLHF_SCHEMA, type OpenRlhfRequest } from './openrlhf';
import { GroupQueue } from './queue';
import { RUN_CODE_SCHEMA, runCode, sandboxError, unsupported, type RunCodeRequest, type RunCodeResponse } from './run-code';
import { admit, scoreGroups, type RequestScoreOptions, type ScoringContext } from './scoring';

export interface ServerOptions {
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Require `Authorization: Bearer <token>` on every route but /healthz. */
  token?: string;
  /** Sandboxed tests at once (the executor's concurrency; default: the number of cores). */
  concurrency?: number;
  /** Groups that may wait for a slot before requests get 429 (default 1024). */
  maxQueue?: number;
  /** Largest request body, MiB (default 64); larger gets 413. */
  maxBodyMb?: number;
  /** Groups running at once (default 4 x concurrency, so the executor always has work queued). */
  slots?: number;
  /** Time a client has to send its whole request, ms (default 60 s); slower gets 408. */
  requestTimeoutMs?: number;
  /** /healthz re-runs the sandbox self-test (in the background) when the last is older, ms (default 30 s). */
  recheckMs?: number;
  /** Retry-After seconds on 429, and on the 503s of a server that is shutting down (default 1). */
  retryAfterSeconds?: number;
  /** Bound of the executor's cache of cells already run, MiB of estimated bytes (default 256). */
  cacheMb?: number;
  python?: string;
  /** Default limits for groups that set none. */
  limits?: Partial<Limits>;
  /** Fastify's logger (default off; the command turns it on at level warn). */
  logger?: boolean | { level: string };
}

interface Readiness {
  ready: boolean;
  reason: string;
  isolation: IsolationLayers | null;
  /** When the sandbox last ran the self-test (ms since the epoch), and whether one is running. */
  checkedAt: number;
  checking: boolean;
  closing: boolean;
}

/** /healthz re-runs the self-test in the background when the last one is older than this. */
const DEFAULT_RECHECK_MS = 30_000;

const SCORE_SCHEMA = {
  type: 'object',
  required: ['problems'],
  additionalProperties: false,
  properties: {
    problems: { type: 'array', items: { type: 'object' } },
    options: {
      type: 'object',
      additionalProperties: false,
      properties: {
        scheme: { enum: [...SCHEMES] },
        alpha: { type: 'number' },
        beta: { type: 'number' },
        gamma: { type: 'number' },
        delta: { type: 'number' },
        advantage: { enum: [...ESTIMATORS] },
        mode: { enum: ['score', 'run'] },
        cache: { type: 'boolean' },
      },
    },
  },
} as const;

export class VerpoServer {
  readonly app: FastifyInstance;
  readonly metrics: ServerMetrics;
  readonly queue: GroupQueue;
  private readonly executor: Executor | null;
  private readonly readiness: Readiness;
  private url_ = '';
  /** HTTP requests being answered (those refused while draining excluded). */
  private active = 0;
  private closing_: Promise<void> | null = null;

  private constructor(app: FastifyInstance, executor: Executor | null, queue: GroupQueue, metrics: ServerMetrics, readiness: Readiness) {
    this.app = app;
    this.executor = executor;
    this.queue = queue;
    this.metrics = metrics;
    this.readiness = readiness;
  }

  /** http://host:port once listening. */
  get url(): string {
    return this.url_;
  }

  get port(): number {
    const a = this.app.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  /** Builds the app and its executor and checks the sandbox once; listen() starts serving. */
  static async create(options: ServerOptions = {}): Promise<VerpoServer> {
    const concurrency = options.concurrency ?? availableParallelism();
    const outputKb = options.limits?.outputKb ?? 1024;
    const readiness: Readiness = { ready: false, reason: 'starting', isolation: null, checkedAt: 0, checking: false, closing: false };
    let executor: Executor | null = null;
    try {
      // excerpts as large as the output limit: /run_code returns the program's whole stdout, as SandboxFusion does
      const executorOptions: ExecutorOptions & CellCacheOptions = {
        concurrency,
        excerptBytes: Math.ceil(outputKb * 1024),
        ...(options.cacheMb !== undefined ? { cacheMb: options.cacheMb } : {}),
        ...(options.python !== undefined ? { python: options.python } : {}),
        ...(options.limits !== undefined ? { limits: options.limits } : {}),
      };
      executor = new Executor(executorOptions);
    } catch (e) {
      readiness.reason = `sandbox unavailable: ${redactPaths((e as Error).message)}`;
    }
    const queue = new GroupQueue(options.slots ?? 4 * concurrency, options.maxQueue ?? 1024);
    const metrics = new ServerMetrics(() => queue.depth, () => queue.inFlight, () => cellCacheStats(executor));
    const app = Fastify({
      logger: options.logger ?? false,
      bodyLimit: Math.floor((options.maxBodyMb ?? 64) * 2 ** 20),
      // Node checks request timeouts every connectionsCheckingInterval (30 s by default): check
      // every second, so a client that stalls mid-request is cut off close to the limit (408)
      serverFactory: (handler) => {
        const timeout = options.requestTimeoutMs ?? 60_000;
        return createServer({ requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: Math.min(1000, timeout) }, handler);
      },
      return503OnClosing: true,
      // strict schemas: no silent type coercion, unknown options are errors rather than dropped
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    });
    const server = new VerpoServer(app, executor, queue, metrics, readiness);
    server.routes(options);
    if (executor) await server.selfTest();
    return server;
  }

  async listen(options: Pick<ServerOptions, 'host' | 'port'> = {}): Promise<string> {
    const host = options.host ?? '127.0.0.1';
    await this.app.listen({ host, port: options.port ?? 8080 });
    const shown = host.includes(':') ? `[${host}]` : host;
    this.url_ = `http://${shown}:${this.port}`;
    return this.url_;
  }

  /**
   * Drains, then stops: the server keeps listening, answers every new request but /healthz with 503
   * (JSON saying it is shutting down, Retry-After, Connection: close; /healthz says 503 'shutting
   * down' itself), lets the requests already being answered and their groups finish, then closes
   * the port and the executor. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing_ ??= (async () => {
      this.readiness.closing = true;
      this.readiness.ready = false;
      this.readiness.reason = 'shutting down';
      // a group whose client went away still runs to its end: wait for it before closing the sandbox
      while (this.active > 0 || this.queue.inFlight > 0 || this.queue.depth > 0) await new Promise((r) => setTimeout(r, 20));
      await this.app.close();
    })();
    return this.closing_;
  }

  /** HTTP requests being answered now (a draining server waits for them). */
  get activeRequests(): number {
    return this.active;
  }

  /** Readiness: one trivial program through the sandbox must print what it should. */
  private async selfTest(): Promise<void> {
    const r = this.readiness;
    r.checking = true;
    let ready = false;
    let reason: string;
    try {
      const run = await this.executor!.run({
        language: 'python', code: 'print(sum(range(4)))', tests: [{ type: 'stdio', stdin: '', stdout: '6\n' }],
      });
      r.isolation = { ...run.isolation, notes: run.isolation.notes.map(redactPaths) };
      ready = run.tests[0].verdict === 'AC';
      reason = ready ? 'ok' : `sandbox self-test gave ${run.tests[0].verdict}`;
    } catch (e) {
      reason = `sandbox self-test failed: ${redactPaths((e as Error).message)}`;
    }
    r.checking = false;
    r.checkedAt = Date.now();
    if (r.closing) return;
    r.ready = ready;
    r.reason = reason;
  }

  private routes(options: ServerOptions): void {
    const { app, metrics } = this;
    const ctx: ScoringContext = { executor: this.executor, queue: this.queue, metrics, retryAfterSeconds: options.retryAfterSeconds ?? 1 };
    const token = options.token !== undefined && options.token !== '' ? new BearerToken(options.token) : null;

    app.setErrorHandler(errorHandler((reason) => metrics.rejected.inc({ reason })));
    // first of all hooks: while draining, new work is refused (retryable elsewhere); what was
    // accepted before is counted until its reply is done or its client is gone
    const retryAfter = String(options.retryAfterSeconds ?? 1);
    app.addHook('onRequest', async (request, reply) => {
      if (this.readiness.closing && request.url.split('?')[0] !== '/healthz') {
        metrics.rejected.inc({ reason: 'shutting_down' });
        return reply.code(503).header('retry-after', retryAfter).header('connection', 'close')
          .send({ error: 'the server is shutting down: retry on another server, or on this one once it is back' });
      }
      this.active++;
      reply.raw.once('close', () => this.active--);
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).send({ error: `no route ${request.method} ${redactPaths(request.url.split('?')[0])}` });
    });
    if (token) {
      app.addHook('onRequest', async (request, reply) => {
        if (request.url === '/healthz') return;
        if (!token.accepts(request.headers.authorization)) {
          metrics.rejected.inc({ reason: 'unauthorized' });
          return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or wrong bearer token' });
        }
      });
    }
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.requests.inc({ route, code: String(reply.statusCode) });
      metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    });
    if (this.executor) {
      const executor = this.executor;
      app.addHook('onClose', async () => executor.close());
    }

    app.post('/score', { schema: { body: SCORE_SCHEMA } }, async (request, reply) => {
      const body = request.body as { problems: unknown[]; options?: RequestScoreOptions };
      const signal = abortOnDisconnect(reply);
      const results = scoreGroups(ctx, body.problems, body.options ?? {}, signal);
      if (wantsNdjson(request)) {
        // one line per group, in input order, each written as soon as it and every earlier group are done
        const lines = async function* () {
          for (const r of results) yield JSON.stringify(await r) + '\n';
        };
        return reply.type('application/x-ndjson').send(Readable.from(lines()));
      }
      return { results: await Promise.all(results) };
    });

    app.post('/run_code', { schema: { body: RUN_CODE_SCHEMA } }, async (request, reply): Promise<RunCodeResponse> => {
      const req = request.body as RunCodeRequest;
      const refused = unsupported(req);
      const response = refused ?? await this.runOne(ctx, req, abortOnDisconnect(reply));
      metrics.runCode.inc({ status: response.status });
      return response;
    });

    app.post('/get_reward', { schema: { body: OPENRLHF_SCHEMA } }, async (request, reply) =>
      getReward(ctx, request.body as OpenRlhfRequest, abortOnDisconnect(reply)));

    const recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
    app.get('/healthz', async (_request, reply) => {
      const r = this.readiness;
      // keep readiness current without making the probe wait for a sandbox run
      if (this.executor && !r.closing && !r.checking && Date.now() - r.checkedAt > recheckMs) void this.selfTest();
      const checkedAt = r.checkedAt ? new Date(r.checkedAt).toISOString() : null;
      if (!r.ready) return reply.code(503).send({ status: 'unavailable', reason: r.reason, checked_at: checkedAt });
      return { status: 'ok', checked_at: checkedAt, concurrency: this.executor!.concurrency, queue: { depth: this.queue.depth, capacity: this.queue.capacity }, isolation: r.isolation };
    });

    app.get('/metrics', async (_request, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()));
  }

  /** One /run_code program through the queue (it counts as one group) and the shared executor. */
  private async runOne(ctx: ScoringContext, req: RunCodeRequest, signal: AbortSignal): Promise<RunCodeResponse> {
    if (this.executor === null) return sandboxError(`the sandbox is unavailable on this server (${this.readiness.reason})`);
    const executor = this.executor;
    const admission = admit(ctx, 1, signal);
    try {
      const response = await admission.run(() => runCode(executor, req));
      this.metrics.executions.inc();
      return response;
    } catch (e) {
      if (e instanceof HttpError) throw e;
      // SandboxFusion reports a failure inside the server as SandboxError with the text in `message`
      return sandboxError(e instanceof TypeError || e instanceof RangeError ? e.message : 'internal error');
    }
  }
}

/**
 * The size of the executor's cell cache, for /metrics: null when caching is off, or while the
 * executor does not expose `cacheStats()` (the byte-bounded CellCache of lib/exec/cell-cache.ts,
 * which lib/exec/executor.ts is to adopt).
 */
function cellCacheStats(executor: Executor | null): CellCacheStats | null {
  const withStats = executor as (Executor & { cacheStats?: () => CellCacheStats | null }) | null;
  return typeof withStats?.cacheStats === 'function' ? withStats.cacheStats() : null;
}

function wantsNdjson(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').toLowerCase().includes('application/x-ndjson');
}

/** Aborts when the client goes away before the reply is complete (queued work is then dropped). */
function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}

/** Builds the server and starts listening. */
export async function startServer(options: ServerOptions = {}): Promise<VerpoServer> {
  const server = await VerpoServer.create(options);
  await server.listen(options);
  return server;
}
