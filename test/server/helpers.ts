// Shared pieces of the server tests: a server on a random loopback port, JSON requests over fetch,
// and groups that need no sandbox (precomputed matrices) or little of it (tiny programs).
import { execFile } from 'node:child_process';
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

/**
 * How Python's json module reads a reply: the type name of every number in it, by path (`rewards[0]:
 * float`). Trainers build tensors from these values, and torch infers the dtype from the Python types
 * (an all-int list becomes int64), so a reward must arrive as a float.
 */
export async function pythonNumberTypes(text: string): Promise<string[]> {
  const code = [
    'import json, sys',
    'def walk(v, path, out):',
    '    if isinstance(v, bool) or v is None or isinstance(v, str): return',
    '    if isinstance(v, (int, float)): out.append(f"{path}: {type(v).__name__}"); return',
    '    items = v.items() if isinstance(v, dict) else enumerate(v)',
    '    for k, x in items: walk(x, f"{path}.{k}" if isinstance(v, dict) else f"{path}[{k}]", out)',
    'out = []',
    'walk(json.loads(sys.stdin.read()), "$", out)',
    'print(json.dumps(out))',
  ].join('\n');
  // asynchronously: the server under test runs in this process and must keep serving meanwhile
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile('python3', ['-c', code], { encoding: 'utf8' }, (e, out) => (e ? reject(e) : resolve(out)));
    child.stdin!.end(text);
  });
  return JSON.parse(stdout) as string[];
}
