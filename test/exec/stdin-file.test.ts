// stdin as judges and the datasets' graders give it (issue 12): a regular, seekable, read-only file, in both
// modes, so the competitive-programming idioms that need one work (os.read(0, os.fstat(0).st_size), mmap,
// seeking back), and nothing the program does can change what it reads.
import { describe, expect, it } from 'vitest';
import type { TestResult } from '../../lib/exec';
import { hostCheckedExecutor } from './host';

const show = (ts: TestResult[]) => ts.map((t) => `${t.verdict}: ${t.detail ?? ''} ${t.stderr ?? ''}`).join('\n');

describe.each(['zygote', 'spawn'] as const)('%s mode', (mode) => {
  const fixture = hostCheckedExecutor(`stdin-${mode}`, { concurrency: 1, mode, cache: false });

  it('the idioms that need a regular file read the whole input', async () => {
    const idioms = [
      'import os\nprint(sum(map(int, os.read(0, os.fstat(0).st_size).split())))\n',
      'import mmap\nm = mmap.mmap(0, 0, access=mmap.ACCESS_READ)\nprint(sum(map(int, m.read().split())))\n',
      'import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))\n',
      'import io, os\nprint(sum(map(int, io.BytesIO(os.read(0, os.fstat(0).st_size)).read().split())))\n',
      'import sys\nfirst = sys.stdin.readline()\nsys.stdin.seek(0)\nprint(sum(map(int, sys.stdin.read().split())))\n',
    ];
    const stdin = '3\n1 2 3\n';
    for (const code of idioms) {
      const r = await fixture.ex.run({ language: 'python', code, tests: [{ type: 'stdio', stdin, stdout: '9\n' }] });
      expect(r.tests[0].verdict, `${code}\n${show(r.tests)}`).toBe('AC');
    }
  });

  it('is a regular file of the input\'s size, and nothing can write it', async () => {
    const code = [
      'import os, stat',
      'st = os.fstat(0)',
      'print(stat.S_ISREG(st.st_mode), st.st_size)',
      'for how in ("fd", "reopen"):',
      '    try:',
      '        fd = 0 if how == "fd" else os.open("/proc/self/fd/0", os.O_RDWR)',
      '        os.write(fd, b"forged")',
      '        print(how, "written")',
      '    except OSError:',
      '        print(how, "refused")',
      'os.lseek(0, 0, os.SEEK_SET)',
      'print(os.read(0, 100).decode().strip())',
    ].join('\n') + '\n';
    const r = await fixture.ex.run({ language: 'python', code, tests: [{ type: 'stdio', stdin: 'hello\n', stdout: 'True 6\nfd refused\nreopen refused\nhello\n' }] });
    expect(r.tests[0].verdict, show(r.tests)).toBe('AC');
  });

  it('a large input and an empty one', async () => {
    const big = Array.from({ length: 200_000 }, (_, i) => String(i)).join(' ') + '\n';
    const sum = (199_999 * 200_000) / 2;
    const r = await fixture.ex.run({
      language: 'python', code: 'import os\nprint(sum(map(int, os.read(0, os.fstat(0).st_size).split())))\n',
      tests: [{ type: 'stdio', stdin: big, stdout: `${sum}\n` }, { type: 'stdio', stdin: '', stdout: '0\n' }],
    });
    expect(r.tests.map((t) => t.verdict), show(r.tests)).toEqual(['AC', 'AC']);
    const e = await fixture.ex.run({ language: 'python', code: 'input()\n', tests: [{ type: 'stdio', stdin: '', stdout: '' }] });
    expect(e.tests[0].verdict).toBe('RE');
    expect(e.tests[0].stderr).toContain('EOFError');
  });
});
