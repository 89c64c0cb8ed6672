// Memory the limit could not see (issue 17, item 3): memfds, files in /tmp and /dev/shm, inodes. Each test has
// its own size- and inode-limited tmpfs on /tmp and /dev/shm (the slot's in zygote mode, emptied between tests),
// whose bytes count as its memory with its tree's RSS; memfd_create is refused (ENOSYS). Both modes, in this
// process and as an unprivileged user (host.ts, scenarioSuite).
import { expect } from 'vitest';
import type { RunRequest, TestCase, TestResult } from '../../lib/exec/types';
import { scenarioSuite, type Scenario, type ScenarioRun } from './host';

const MEMORY_MB = 128;
const LIMITS = { cpuMs: 5000, wallMs: 20000, memoryMb: MEMORY_MB, outputKb: 256 };

function call(fn: string, args: unknown[], expected: unknown): TestCase {
  return { type: 'call', fn, args, expected };
}

function request(code: string, tests: TestCase[]): RunRequest {
  return { language: 'python', code, tests, cache: false };
}

function explain(c: TestResult): string {
  return `${c.verdict} ${c.limit ?? ''} ${c.memoryKb} KiB: ${c.detail ?? ''} ${c.stderr ?? ''}`;
}

/** The scenario's checks need the sandbox's own tmpfs; without it (no namespaces here) the report must say why. */
function tmpfsOrNote(run: ScenarioRun): boolean {
  if (run.isolation.privateTmpfs) return true;
  expect(run.isolation.notes.join('\n')).toMatch(/bounded only by RLIMIT_FSIZE/);
  return false;
}

// The attack that was AC with 12 MB reported: 1 GiB of memfds, mapped shared and never touched, fds closed.
const MEMFD = `import mmap, os
def hold():
    maps = []
    for i in range(4):
        fd = os.memfd_create('hold%d' % i)
        os.posix_fallocate(fd, 0, 256 << 20)
        maps.append(mmap.mmap(fd, 256 << 20, mmap.MAP_SHARED))
        os.close(fd)
    return len(maps)
`;

// Files past the memory limit, each below the file-size limit (16 MiB): 180 MiB in 15 MiB files.
const FILES = `def fill(top):
    chunk = b'x' * (1 << 20)
    for i in range(12):
        with open('%s/f%d' % (top, i), 'wb') as fh:
            for _ in range(15):
                fh.write(chunk)
    return 1
`;

// Many empty files: past the inode limit (default 4096) the tmpfs says ENOSPC; the host disk sees nothing.
const INODES = `def many(top):
    n = 0
    while n < 100000:
        open('%s/f%d' % (top, n), 'w').close()
        n += 1
    return n
`;

// A tmpfs file mapped shared and touched: its pages are memory whether they are mapped or not.
const MAPPED = `import mmap, os, time
def touch(mb):
    maps = []
    for i in range(mb // 8):
        fd = os.open('/dev/shm/m%d' % i, os.O_CREAT | os.O_RDWR, 0o600)
        os.ftruncate(fd, 8 << 20)
        m = mmap.mmap(fd, 8 << 20, mmap.MAP_SHARED)
        os.close(fd)
        for off in range(0, 8 << 20, 4096):
            m[off] = 1
        maps.append(m)
    time.sleep(0.1)  # (a few supervisor ticks see it mapped)
    return len(maps)
`;

// What one test leaves in /tmp and /dev/shm, and what the next test of the slot finds.
const LEAVE = `import os
def leave():
    for d in ('/tmp', '/dev/shm'):
        with open(os.path.join(d, 'left'), 'w') as f:
            f.write('x' * 100000)
        os.mkdir(os.path.join(d, 'dir'))
        with open(os.path.join(d, 'dir', 'f'), 'w') as f:
            f.write('y')
        os.chmod(os.path.join(d, 'dir'), 0o500)
    os.chmod('/dev/shm', 0o700)
    os.chmod('/tmp', 0o500)
    return 1
def look():
    return [sorted(n for n in os.listdir('/tmp') if n in ('left', 'dir')), sorted(os.listdir('/dev/shm')),
            oct(os.stat('/tmp').st_mode & 0o7777), oct(os.stat('/dev/shm').st_mode & 0o7777)]
`;

const scenarios: Scenario[] = [
  {
    name: 'memfd_create is refused (ENOSYS): the 1 GiB memfd program is RE, never AC',
    requests: [request(MEMFD, [call('hold', [], 4)])],
    check({ cells: [[c]], isolation }) {
      expect(c.verdict, explain(c)).toBe('RE');
      expect(c.detail).toMatch(/Errno 38/);
      if (isolation.seccomp) expect(isolation.notes.join('\n')).toMatch(/memfd_create is refused/);
    },
  },
  {
    name: 'files written past the memory limit in /tmp, and in /dev/shm, are MLE',
    requests: [request(FILES, [call('fill', ['/tmp'], 1), call('fill', ['/dev/shm'], 1)])],
    check(run) {
      if (!tmpfsOrNote(run)) return;
      for (const c of run.cells[0]) {
        expect(c.verdict, explain(c)).toBe('MLE');
        expect(c.limit).toBe('memory');
        expect(c.memoryKb).toBeGreaterThan(MEMORY_MB * 1024);
      }
    },
  },
  {
    name: 'many small files stop at the inode limit (ENOSPC): RE, and nothing lands on the host disk',
    requests: [request(INODES, [call('many', ['/tmp'], 100000), call('many', ['/dev/shm'], 100000)])],
    check(run) {
      if (!tmpfsOrNote(run)) return;
      for (const c of run.cells[0]) {
        expect(c.verdict, explain(c)).toBe('RE');
        expect(c.detail).toMatch(/Errno 28/);
      }
    },
  },
  {
    name: 'a tmpfs file mapped shared and touched counts as memory; past the limit it is MLE',
    requests: [request(MAPPED, [call('touch', [0], 0), call('touch', [32], 4), call('touch', [MEMORY_MB + 32], (MEMORY_MB + 32) / 8)])],
    check(run) {
      if (!tmpfsOrNote(run)) return;
      const [none, some, over] = run.cells[0];
      expect(none.verdict, explain(none)).toBe('AC');
      expect(some.verdict, explain(some)).toBe('AC');
      expect(some.memoryKb - none.memoryKb, `${none.memoryKb} -> ${some.memoryKb}`).toBeGreaterThanOrEqual(32 * 1024);
      expect(over.verdict, explain(over)).toBe('MLE');
    },
  },
  {
    name: 'what a test leaves in /tmp and /dev/shm (files, a read-only dir, chmod) is gone before the next test',
    requests: [request(LEAVE, [call('leave', [], 1)]), request(LEAVE, [call('look', [], [[], [], '0o700', '0o1777'])])],
    check(run) {
      if (!tmpfsOrNote(run)) return;
      const [[leave], [look]] = run.cells;
      expect(leave.verdict, explain(leave)).toBe('AC');
      expect(look.verdict, explain(look)).toBe('AC');
    },
  },
];

// concurrency 1: the requests of a scenario run one after another in the same slot (zygote mode: the same tmpfs)
scenarioSuite('memory', { concurrency: 1, cache: false, limits: LIMITS }, scenarios);
