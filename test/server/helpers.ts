// Shared pieces of the server tests: a server on a random loopback port, JSON requests over fetch,
// and groups that need no sandbox (precomputed matrices) or little of it (tiny programs).
import { startServer, type ServerOptions, type VerpoServer } from '../../lib/server/app';

export async function serve(options: ServerOptions = {}): Promise<VerpoServer> {
  return startServer({ host: '127.0.0.1', port: 0, concurrency: 2, ...options });
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON (ndjson, metrics) */ }
  return { status: r.status, headers: r.headers, text, json };
}

export async function get(url: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await fetch(url + path, { headers });
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch { /* metrics are text */ }
  return { status: r.status, headers: r.headers, text, json };
}

/** Deterministic precomputed groups (rows x tests 0/1), group i differs from group i+1. */
export function passedGroups(n: number, rows = 4, tests = 5): { id: string; passed: number[][] }[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `g${i}`,
    passed: Array.from({ length: rows }, (_, r) => Array.from({ length: tests }, (_, j) => ((i * 7 + r * 3 + j * 5) % 4 < 2 ? 1 : 0))),
  }));
}

/** A group of real programs: `add` right, wrong, and sleeping `sleepS` seconds before answering. */
export function programGroup(id: string, sleepS = 0): Record<string, unknown> {
  // a slow group is slow only if it really runs: the id makes its programs distinct, so the executor's
  // content-hash cache cannot answer one group from another's identical rollouts
  const sleep = sleepS > 0 ? `# group ${id}\nimport time\ntime.sleep(${sleepS})\n` : '';
  return {
    id,
    tests: [{ type: 'assert', code: 'assert add(1, 2) == 3' }, { type: 'call', fn: 'add', args: [2, 2], expected: 4 }],
    rollouts: [`${sleep}def add(a, b):\n    return a + b\n`, `${sleep}def add(a, b):\n    return a - b\n`],
    limits: { wall_ms: 20000, cpu_ms: 5000 },
  };
}

/** Text that must never appear in an error reply: host paths, stack frames, the environment. */
export function expectNoHostDetails(text: string): string[] {
  const leaks: string[] = [];
  const patterns: [string, RegExp][] = [
    ['absolute path', /(^|[^\w<])\/(usr|home|work|tmp|root|proc|etc|var|opt|dev|sys|lib|bin|nix)\//],
    ['stack frame', /\bat [\w.<>]+ \(|node:internal|\.ts:\d+|\.js:\d+/],
    ['cwd', new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
  ];
  for (const [name, re] of patterns) if (re.test(text)) leaks.push(`${name}: ${text.slice(0, 300)}`);
  for (const k of ['PATH', 'HOME', 'USER']) {
    const v = process.env[k];
    if (v && v.length > 4 && v !== '/root' && text.includes(v)) leaks.push(`env ${k}`);
  }
  return leaks;
}
