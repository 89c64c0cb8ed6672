// Legitimate programs that used to fail (issue 17, item 6): multiprocessing (it needs a writable /dev/shm: the
// test's own tmpfs now), and the competitive-programming idioms that change rlimits: a test without
// CAP_SYS_RESOURCE may lower any limit and raise a soft one up to its hard one (RLIMIT_STACK's hard limit is
// unlimited, so "unlimited stack" works; stack pages are resident memory, under the memory limit). Both modes, in
// this process and as an unprivileged user.
import { expect } from 'vitest';
import type { RunRequest, TestCase, TestResult } from '../../lib/exec/types';
import { scenarioSuite, type Scenario } from './host';

const LIMITS = { cpuMs: 8000, wallMs: 30000, memoryMb: 512, outputKb: 256 };

function call(fn: string, args: unknown[], expected: unknown): TestCase {
  return { type: 'call', fn, args, expected };
}

function request(code: string, tests: TestCase[]): RunRequest {
  return { language: 'python', code, tests, cache: false };
}

function explain(c: TestResult): string {
  return `${c.verdict} ${c.limit ?? ''}: ${c.detail ?? ''} ${(c.stderr ?? '').slice(-600)}`;
}

function allAc(cells: TestResult[][]): void {
  for (const c of cells.flat()) expect(c.verdict, explain(c)).toBe('AC');
}

const POOL = `import multiprocessing
def square(x):
    return x * x
def run():
    with multiprocessing.Pool(2) as pool:
        return pool.map(square, range(10))
`;

// The idiom, at the top of the program, then deep recursion: in the main thread, through a C function at every
// level (lru_cache: ~80 MB of C stack for 100,000 levels, a segfault under the usual 8 MiB), and in a thread with
// a 128 MiB stack (threading.stack_size).
const STACK = `import functools, resource, sys, threading
resource.setrlimit(resource.RLIMIT_STACK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
sys.setrecursionlimit(10**6)
def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)
@functools.lru_cache(None)
def memo(n):
    return 0 if n == 0 else 1 + memo(n - 1)
def memo_depth():
    return memo(100000)
def main_thread():
    return depth(200000)
def in_thread():
    out = []
    threading.stack_size(1 << 27)
    t = threading.Thread(target=lambda: out.append(depth(200000)))
    t.start()
    t.join()
    return out
def limits():
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    return [soft == resource.RLIM_INFINITY, hard == resource.RLIM_INFINITY]
`;

// Lowering is allowed; raising a hard limit back is the kernel's EPERM (ValueError in Python); another process's
// limits (pid 1: the zygote or the namespace's init, or the host's init) are never the test's to change.
const LOWER = `import os, resource
def lower():
    resource.setrlimit(resource.RLIMIT_NOFILE, (32, 32))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    got = [resource.getrlimit(resource.RLIMIT_NOFILE), resource.getrlimit(resource.RLIMIT_FSIZE)[0]]
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        got.append('raised')
    except ValueError:
        got.append('raise refused')
    try:
        resource.prlimit(1, resource.RLIMIT_NOFILE, (1, 1))
        got.append('changed pid 1')
    except PermissionError:
        got.append('pid 1 refused')
    return got
def rtprio():
    return list(resource.getrlimit(resource.RLIMIT_RTPRIO))  # no realtime scheduling, whatever the host allows
`;

// The same idiom in a stdio program (the usual shape of a competitive-programming submission).
const STDIO_STACK = `import resource, sys
resource.setrlimit(resource.RLIMIT_STACK, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
sys.setrecursionlimit(10**6)
def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)
print(depth(int(sys.stdin.readline())))
`;

const scenarios: Scenario[] = [
  {
    // NPROC (64 per slot uid, or per user namespace) leaves room for the pool's 2 workers and 3 threads
    name: 'multiprocessing.Pool(2).map is AC (its semaphores live in the test\'s own /dev/shm)',
    requests: [request(POOL, [call('run', [], [0, 1, 4, 9, 16, 25, 36, 49, 64, 81])])],
    check({ cells }) {
      allAc(cells);
    },
  },
  {
    name: 'RLIMIT_STACK to unlimited + setrecursionlimit(10**6): 200,000-deep recursion is AC, in the main thread and in a thread',
    requests: [request(STACK, [call('limits', [], [true, true]), call('main_thread', [], 200000), call('memo_depth', [], 100000), call('in_thread', [], [200000])])],
    check({ cells, isolation }) {
      expect(isolation.ownRlimits).toBe(true);
      allAc(cells);
    },
  },
  {
    name: 'lowering limits is allowed; raising a hard one and touching another process\'s are refused',
    requests: [request(LOWER, [call('lower', [], [[32, 32], 1 << 20, 'raise refused', 'pid 1 refused']), call('rtprio', [], [0, 0])])],
    check({ cells }) {
      allAc(cells);
    },
  },
  {
    name: 'the unlimited-stack idiom in a stdio program',
    requests: [request(STDIO_STACK, [{ type: 'stdio', stdin: '150000\n', stdout: '150000\n' }])],
    check({ cells }) {
      allAc(cells);
    },
  },
];

scenarioSuite('legit', { concurrency: 2, cache: false, limits: LIMITS }, scenarios);
