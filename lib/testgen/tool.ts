// The trusted side of task 'tests': testgen.py parses the focal program, the mutants and the model-written
// test files with Python's own `ast` (exactly as the interpreter that runs them reads them) and never executes
// any of them. One short-lived process per request, outside the sandbox: parsing is not running.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface FocalSites {
  ok: boolean;
  error?: string;
  /** Statement units of the focal's function bodies: [first line, last line] a line event of each can carry. */
  lines?: Array<[number, number]>;
  /** Branch points (if/elif, while, for): the header's lines and the first body statement's lines. */
  branches?: Array<{ line: number; kind: string; head: [number, number]; body: [number, number] }>;
}

export interface Mutant {
  code: string;
  /** cmp, arith, bool, const, negate, return, delete, or 'given'. */
  op: string;
  line: number;
  what: string;
  /** A given mutant: its index in the line's `mutants`. */
  index?: number;
}

export interface TestFile {
  ok: boolean;
  error?: string;
  /** Each test: its context statements and the statement holding its assert. */
  tests: string[];
  notes: string[];
}

export interface TestgenReply {
  focal?: FocalSites;
  mutants?: Mutant[];
  dropped?: { identical: number; duplicate: number; invalid: number };
  /** Mutation sites found (generated) or mutants given. */
  available?: number;
  files: TestFile[];
  /** How long the tool took, ms (wall, with the interpreter's start). */
  ms: number;
}

export interface TestgenRequest {
  focal: string | null;
  mutants?: string[] | null;
  cap?: number;
  seed?: number;
  tests: string[];
  /** Co-evolution (no focal): the programs whose top-level names a test file's `from m import f` may name. */
  programs?: string[];
}

const TIMEOUT_MS = 60_000;
const CACHE_ENTRIES = 256;
const cache = new Map<string, Promise<TestgenReply>>();

export function testgenScript(): string {
  const candidates = [path.resolve(__dirname, 'testgen.py'), path.resolve(__dirname, '..', '..', 'lib', 'testgen', 'testgen.py')];
  const found = candidates.find((f) => existsSync(f));
  if (found === undefined) throw new Error(`verpo: testgen.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The tool's reply for a request (the same request is parsed once per process: a small LRU). */
export function testgen(python: string, req: TestgenRequest): Promise<TestgenReply> {
  const body = JSON.stringify(req);
  const key = createHash('sha256').update(python).update('\0').update(body).digest('base64');
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const fresh = runTool(python, body);
  cache.set(key, fresh);
  fresh.catch(() => cache.delete(key));
  while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return fresh;
}

function runTool(python: string, body: string): Promise<TestgenReply> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // -I: no user site, no PYTHON* variables, no script directory on sys.path; it imports only the stdlib
    const child = spawn(python, ['-I', '-S', testgenScript()], { stdio: ['pipe', 'pipe', 'pipe'], timeout: TIMEOUT_MS, cwd: '/' });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new Error(`testgen: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`testgen: exit ${code ?? signal}: ${Buffer.concat(err).toString('utf8').slice(-400)}`));
        return;
      }
      try {
        const reply = JSON.parse(Buffer.concat(out).toString('utf8')) as TestgenReply & { error?: string };
        if (typeof reply.error === 'string') reject(new Error(`testgen: ${reply.error}`));
        else resolve({ ...reply, ms: performance.now() - t0 });
      } catch (e) {
        reject(new Error(`testgen: unreadable reply (${(e as Error).message})`));
      }
    });
    child.stdin.on('error', () => { /* the close handler reports */ });
    child.stdin.end(body);
  });
}
