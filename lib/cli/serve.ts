// `verpo serve`: the reward server (lib/server) from the command line. Runs until SIGINT/SIGTERM,
// then drains: it keeps listening and answers new requests with 503 (Retry-After) while the running
// ones finish, then closes the port and the sandbox. A second signal stops at once.
import { parseArgs } from 'util';
import { startServer, type ServerOptions } from '../server/app';
import { CXX_FLAGS, cxxOptions, LIMIT_FLAGS, limitOptions, scopeOption, UsageError } from './options';

export const SERVE_HELP = `Usage: verpo serve [options]

Serves rewards over HTTP for trainers (verl, TRL, OpenRLHF, ROLL; see README.md, section
"The reward server"):
  POST /score               {"problems": [group, ...], "options": {"scheme": "verpo", ...}}
                            -> {"results": [...]} in input order; Accept: application/x-ndjson
                            streams one line per group as each finishes. A group may hold
                            "label" (a ground truth as the dataset writes it) in place of
                            "tests", and "completions" (model outputs) in place of "rollouts"
  POST /run_code            SandboxFusion-compatible (python): verl's reward_model.sandbox_fusion.url
  POST /get_reward          OpenRLHF remote reward: {"query", "prompts", "labels"} -> {"rewards", ...}
  POST /verl/compute_score  verl's custom reward function call as JSON: {"data_sources",
                            "solution_strs", "ground_truths", "extra_infos"?, ...reward_kwargs}
                            -> one {"score", ..., "error"} per sample (or the per-sample call)
  POST /trl/reward          TRL's reward function call as JSON: {"prompts", "completions",
                            <dataset columns>...} -> {"rewards", "errors"}; ?label_key= names the
                            column of tests (default ground_truth), ?scheme= etc. the options
  GET  /healthz             readiness (the sandbox works); no token needed
  GET  /metrics             Prometheus text
  /t/<token>/<route>        any route above with the token in the path, for clients that cannot
                            send headers (verl's sandbox_fusion.url, OpenRLHF's --reward.remote_url)

Options:
  --host H           address to listen on (default 127.0.0.1: loopback only)
  --port N           port (default 8080; 0 picks a free one)
  --token T          require "Authorization: Bearer T" or a /t/T/ path prefix (all routes but
                     /healthz); default: the VERPO_TOKEN environment variable, if set
  --concurrency N    sandboxed tests at once (default: the number of cores)
  --max-queue N      groups that may wait per route before requests get 429 (default 1024)
  --max-body-mb N    largest request body in MiB; larger gets 413 (default 64)
  --cache-mb N       bound of the cache of cells already run, MiB (default 256)
  --python PATH      Python interpreter for programs
  --no-site-packages programs import the standard library only (default: also the interpreter's packages)
  --scope rollout|test  one sandboxed process per program's tests (default) or per test (README: Rollout scope)
  --cxx PATH         C++ compiler for "cpp" programs and checkers (default $VERPO_CXX, /usr/bin/g++, g++ on PATH)
  --cxx-flags "F"    its flags (default "-O2 -std=gnu++17 -DONLINE_JUDGE")
  --testlib PATH     testlib.h for C++ checkers that include it (default $VERPO_TESTLIB)
  --cpu-ms N --wall-ms N --memory-mb N --output-kb N
                     default limits for groups that set none
  --tmpfs-mb N --inodes N
                     size and files of each test's own /tmp and /dev/shm
  -h, --help         this help

The server keeps no state between requests: run several behind any load balancer, or give the
Python client a list of URLs. The client is clients/python in verpo's source tree and npm package
(pip install ./clients/python: the verpo_client package, standard library only), with verl's
compute_score and a TRL reward function that send labels and completions to /score as given.`;

function positive(values: Record<string, unknown>, flag: string, integer: boolean, allowZero = false): number | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  const x = Number(v);
  const ok = typeof v === 'string' && v.trim() !== '' && Number.isFinite(x) && (allowZero ? x >= 0 : x > 0) && (!integer || Number.isInteger(x));
  if (!ok) throw new UsageError(`--${flag} ${String(v)}: expected ${integer ? 'an integer' : 'a number'} ${allowZero ? '>= 0' : '> 0'}`);
  return x;
}

/** Parses the flags into server options (exported for tests of the flag handling). */
export function serveOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerOptions & { help?: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' },
      concurrency: { type: 'string' }, 'max-queue': { type: 'string' }, 'max-body-mb': { type: 'string' },
      'cache-mb': { type: 'string' }, python: { type: 'string' }, 'no-site-packages': { type: 'boolean' }, scope: { type: 'string' },
      ...LIMIT_FLAGS, help: { type: 'boolean', short: 'h' }, ...CXX_FLAGS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return { help: true };
  if (positionals.length) throw new UsageError(`serve takes no positional arguments (got ${positionals.join(' ')})`);
  const o: ServerOptions = { host: values.host ?? '127.0.0.1', port: positive(values, 'port', true, true) ?? 8080, logger: { level: 'warn' } };
  if (o.port! > 65535) throw new UsageError(`--port ${o.port}: expected 0..65535`);
  const token = values.token ?? env.VERPO_TOKEN;
  if (token !== undefined && token !== '') o.token = token;
  const concurrency = positive(values, 'concurrency', true);
  if (concurrency !== undefined) o.concurrency = concurrency;
  const maxQueue = positive(values, 'max-queue', true);
  if (maxQueue !== undefined) o.maxQueue = maxQueue;
  const maxBodyMb = positive(values, 'max-body-mb', false);
  if (maxBodyMb !== undefined) o.maxBodyMb = maxBodyMb;
  const cacheMb = positive(values, 'cache-mb', false);
  if (cacheMb !== undefined) o.cacheMb = cacheMb;
  if (values.python !== undefined) o.python = values.python;
  if (values['no-site-packages']) o.sitePackages = false;
  const scope = scopeOption(values);
  if (scope !== undefined) o.scope = scope;
  Object.assign(o, cxxOptions(values));
  const limits = limitOptions(values);
  if (Object.keys(limits).length) o.limits = limits;
  return o;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export async function serveCommand(argv: string[]): Promise<number> {
  const options = serveOptions(argv);
  if (options.help) {
    process.stdout.write(SERVE_HELP + '\n');
    return 0;
  }
  if (!isLoopback(options.host!) && options.token === undefined) {
    process.stderr.write(`verpo: warning: listening on ${options.host} without a token; anyone who can reach it can run programs here (set --token or VERPO_TOKEN)\n`);
  }
  const server = await startServer(options);
  const health = await server.app.inject({ method: 'GET', url: '/healthz' });
  const state = health.statusCode === 200 ? 'sandbox ready' : `sandbox NOT ready: ${(JSON.parse(health.body) as { reason: string }).reason}`;
  process.stderr.write(`verpo: serving on ${server.url} (${state}; queue ${server.queue.capacity} groups${options.token ? '; bearer token required' : ''})\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSigint = () => stop('SIGINT');
    const onSigterm = () => stop('SIGTERM');
    const done = (code: number) => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      resolve(code);
    };
    function stop(sig: string): void {
      if (stopping) {
        process.stderr.write(`verpo: ${sig} again: stopping without waiting for ${server.activeRequests} running requests\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`verpo: ${sig}: finishing ${server.activeRequests} running requests (new ones get 503), then stopping\n`);
      server.close().then(() => done(0), (e: Error) => {
        process.stderr.write(`verpo: shutdown: ${e.message}\n`);
        done(1);
      });
    }
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  });
}
