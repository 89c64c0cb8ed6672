// The reward server: a Fastify app with one shared Executor (made at start, closed at shutdown),
// a bounded group queue with a lane per route, a fair scheduler of the executor's tests across routes,
// an optional bearer token (header, or a /t/<token>/ path prefix), and the routes POST /score,
// POST /run_code, POST /get_reward, POST /verl/compute_score, POST /trl/reward, GET /healthz,
// GET /metrics. It keeps no state between requests.
import { REWARD_PROFILES } from '../pipeline/shaping';
import { DEFAULT_LIMITS } from '../exec/limits';
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
import { DeadlineError, FairScheduler, laneExecutor } from './fair';
import { stringifyFloats } from './float-json';
import { ServerMetrics } from './metrics';
import { getReward, OPENRLHF_SCHEMA, type OpenRlhfRequest } from './openrlhf';
import { CancelledError, GroupQueue } from './queue';
import {
  clientTimeoutMs, RUN_CODE_SCHEMA, runCode, runTimeoutS, sandboxError, unsupported, VERL_API_TIMEOUT_MS, type RunCodeRequest, type RunCodeResponse,
} from './run-code';
import { admit, scoreGroups, type RequestScoreOptions, type ScoringContext } from './scoring';
import { trlReward, TRL_SCHEMA, verlComputeScore, VERL_SCHEMA } from './trainers';

export interface ServerOptions {
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Require `Authorization: Bearer <token>` on every route but /healthz. */
  token?: string;
  /** Sandboxed tests at once (the executor's concurrency; default: the number of cores). */
  concurrency?: number;
  /** Groups that may wait for a slot, per route, before requests get 429 (default 1024). */
  maxQueue?: number;
  /** Largest request body, MiB (default 64); larger gets 413. */
  maxBodyMb?: number;
  /** Groups of one route running at once (default 4 x concurrency, so the executor always has work queued). */
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
  /** Programs import the interpreter's installed packages (default true; ExecutorOptions.sitePackages). */
  sitePackages?: boolean;
  /** One process per program's tests ('rollout', default) or per test (ExecutorOptions.scope). */
  scope?: 'rollout' | 'test';
  /** C++: the compiler, its flags, testlib.h for checkers (ExecutorOptions.cxx, cxxFlags, testlib). */
  cxx?: string;
  cxxFlags?: string[];
  testlib?: string;
  /** Default limits for groups that set none. */
  limits?: Partial<Limits>;
  /** /run_code: how long past compile_timeout + run_timeout the client waits, ms (default 10 s, verl's
   *  API_TIMEOUT); a program that could not finish within that is answered 503 before it runs. */
  runCodeSlackMs?: number;
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

/** A /run_code program must start this long before its run could end past the client's timeout: the
 *  syntax check, the process start and the reply. */
const START_MARGIN_MS = 1000;

/** `/t/<token>/<route>`: the token in the path, for clients that cannot send headers (verl's
 *  sandbox_fusion.url, OpenRLHF's --reward.remote_url). Kept on the raw request by rewriteUrl. */
const PATH_TOKEN = Symbol('verpo path token');
const TOKEN_PREFIX = /^\/t\/([^/?#]+)(\/[^?#]*)?(.*)$/s;

type WithPathToken = { [PATH_TOKEN]?: string };

/** Strips a /t/<token> prefix from the URL (routing then sees the route alone), keeping the token. */
function rewriteTokenUrl(req: { url?: string }): string {
  const url = req.url ?? '/';
  const m = TOKEN_PREFIX.exec(url);
  if (m === null) return url;
  let token: string;
  try {
    token = decodeURIComponent(m[1]);
  } catch {
    token = m[1];
  }
  (req as WithPathToken)[PATH_TOKEN] = token;
  return `${m[2] ?? '/'}${m[3]}`;
}

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
        // checked in full by checkShapingOptions (Ruff's selectors, the weights), with the field named
        lint: {},
        styleWeight: { type: 'number' },
        rewardProfile: { enum: [...REWARD_PROFILES] },
        efficiencyWeight: { type: 'number' },
        efficiencyRepeats: { type: 'number' },
        efficiencyFloorMs: { type: 'number' },
      },
    },
  },
} as const;

export class VerpoServer {
  readonly app: FastifyInstance;
  readonly metrics: ServerMetrics;
  readonly queue: GroupQueue;
  /** Which route's test the executor runs next. */
  readonly scheduler: FairScheduler;
  private readonly executor: Executor | null;
  private readonly outputKb: number;
  private runCodeSlackMs = VERL_API_TIMEOUT_MS;
  private readonly readiness: Readiness;
  private url_ = '';
  /** HTTP requests being answered (those refused while draining excluded). */
  private active = 0;
  private closing_: Promise<void> | null = null;

  private constructor(app: FastifyInstance, executor: Executor | null, queue: GroupQueue, metrics: ServerMetrics, readiness: Readiness,
    scheduler: FairScheduler, outputKb: number) {
    this.app = app;
    this.executor = executor;
    this.queue = queue;
    this.scheduler = scheduler;
    this.outputKb = outputKb;
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
    const outputKb = options.limits?.outputKb ?? DEFAULT_LIMITS.outputKb;
    const readiness: Readiness = { ready: false, reason: 'starting', isolation: null, checkedAt: 0, checking: false, closing: false };
    let executor: Executor | null = null;
    try {
      // excerpts as large as the output limit: /run_code returns the program's whole stdout, as SandboxFusion does
      const executorOptions: ExecutorOptions & CellCacheOptions = {
        concurrency,
        excerptBytes: Math.ceil(outputKb * 1024),
        ...(options.cacheMb !== undefined ? { cacheMb: options.cacheMb } : {}),
        ...(options.python !== undefined ? { python: options.python } : {}),
        ...(options.sitePackages !== undefined ? { sitePackages: options.sitePackages } : {}),
        ...(options.scope !== undefined ? { scope: options.scope } : {}),
        ...(options.cxx !== undefined ? { cxx: options.cxx } : {}),
        ...(options.cxxFlags !== undefined ? { cxxFlags: options.cxxFlags } : {}),
        ...(options.testlib !== undefined ? { testlib: options.testlib } : {}),
        ...(options.limits !== undefined ? { limits: options.limits } : {}),
      };
      executor = new Executor(executorOptions);
    } catch (e) {
      readiness.reason = `sandbox unavailable: ${redactPaths((e as Error).message)}`;
    }
    const queue = new GroupQueue(options.slots ?? 4 * concurrency, options.maxQueue ?? 1024);
    // as many tests as the executor runs and keeps queued (concurrency x 2): it never holds a backlog of
    // its own, so the order in which tests start is the scheduler's
    const scheduler = new FairScheduler(2 * (executor?.concurrency ?? concurrency));
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
      rewriteUrl: rewriteTokenUrl,
      // strict schemas: no silent type coercion, unknown options are errors rather than dropped
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    });
    const server = new VerpoServer(app, executor, queue, metrics, readiness, scheduler, outputKb);
    if (options.runCodeSlackMs !== undefined) server.runCodeSlackMs = options.runCodeSlackMs;
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
    const ctx: ScoringContext = { executor: this.executor, queue: this.queue, scheduler: this.scheduler, metrics, retryAfterSeconds: options.retryAfterSeconds ?? 1 };
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
        if (request.url.split('?')[0] === '/healthz') return;
        const inPath = (request.raw as WithPathToken)[PATH_TOKEN];
        if (!(inPath !== undefined ? token.acceptsToken(inPath) : token.accepts(request.headers.authorization))) {
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
          for (const r of results) yield stringifyFloats(await r) + '\n';
        };
        return reply.type('application/x-ndjson').send(Readable.from(lines()));
      }
      return sendJson(reply, { results: await Promise.all(results) });
    });

    app.post('/run_code', { schema: { body: RUN_CODE_SCHEMA } }, async (request, reply) => {
      const req = request.body as RunCodeRequest;
      const refused = unsupported(req);
      const gone = abortOnDisconnect(reply);
      const response = refused ?? await this.runOne(ctx, req, gone);
      if (!gone.aborted) metrics.runCode.inc({ status: response.status }); // a dropped one is counted as cancelled
      return sendJson(reply, response);
    });

    app.post('/get_reward', { schema: { body: OPENRLHF_SCHEMA } }, async (request, reply) =>
      sendJson(reply, await getReward(ctx, request.body as OpenRlhfRequest, abortOnDisconnect(reply))));

    app.post('/verl/compute_score', { schema: { body: VERL_SCHEMA } }, async (request, reply) =>
      sendJson(reply, await verlComputeScore(ctx, request.body as Record<string, unknown>, abortOnDisconnect(reply))));

    app.post('/trl/reward', { schema: { body: TRL_SCHEMA } }, async (request, reply) =>
      sendJson(reply, await trlReward(ctx, request.body as Record<string, unknown>, request.query as Record<string, unknown>, abortOnDisconnect(reply))));

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

  /**
   * One /run_code program through its lane of the queue (it counts as one group) and the scheduler. The
   * client's timeout (verl's rule: compile_timeout + run_timeout + 10 s from now) sets the latest start: a
   * program still waiting then is not run and the reply is 503 (Retry-After), early, instead of a reply
   * nobody reads. A program whose client went away before it started is dropped and counted.
   */
  private async runOne(ctx: ScoringContext, req: RunCodeRequest, signal: AbortSignal): Promise<RunCodeResponse> {
    if (this.executor === null) return sandboxError(`the sandbox is unavailable on this server (${this.readiness.reason})`);
    const notAfter = Date.now() + clientTimeoutMs(req, this.runCodeSlackMs) - Math.round(runTimeoutS(req) * 1000) - START_MARGIN_MS;
    const waiting = new AbortController();
    const gone = () => waiting.abort();
    signal.addEventListener('abort', gone, { once: true });
    const timer = setTimeout(() => waiting.abort(), Math.max(0, notAfter - Date.now()));
    const executor = laneExecutor(this.executor, this.scheduler, 'run_code', { signal: waiting.signal, notAfter });
    try {
      const admission = admit(ctx, 1, waiting.signal, 'run_code');
      const response = await admission.run(() => runCode(executor, req, this.outputKb));
      this.metrics.executions.inc();
      return response;
    } catch (e) {
      if (e instanceof CancelledError || e instanceof DeadlineError) {
        if (signal.aborted) {
          this.metrics.cancelled.inc({ route: 'run_code' });
          return sandboxError('the client went away before the program ran'); // nobody reads it
        }
        this.metrics.rejected.inc({ reason: 'deadline' });
        throw new HttpError(503, `the server cannot run this program before the client's timeout (compile_timeout + run_timeout + 10 s) passes: ` +
          `it was not run; retry later or on another server`, { 'retry-after': String(ctx.retryAfterSeconds) });
      }
      if (e instanceof HttpError) throw e;
      // SandboxFusion reports a failure inside the server as SandboxError with the text in `message`
      return sandboxError(e instanceof TypeError || e instanceof RangeError ? e.message : 'internal error');
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', gone);
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

/** A reply to a trainer as JSON whose reward numbers are floats (float-json.ts). */
function sendJson(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(stringifyFloats(value));
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
