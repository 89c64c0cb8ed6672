// `verpo serve` flags: defaults (loopback, 8080), the token from --token or VERPO_TOKEN, numbers
// checked with the flag named; and the command itself serving until SIGTERM.
import { describe, expect, it } from 'vitest';
import { SERVE_HELP, serveOptions } from '../../lib/cli/serve';
import { UsageError } from '../../lib/cli/options';

describe('verpo serve flags', () => {
  it('defaults to loopback on 8080 without a token', () => {
    const o = serveOptions([], {});
    expect(o).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(o.token).toBeUndefined();
  });

  it('reads every flag, and the token from VERPO_TOKEN unless --token is given', () => {
    const o = serveOptions(['--host', '0.0.0.0', '--port', '0', '--concurrency', '3', '--max-queue', '50', '--max-body-mb', '1.5', '--wall-ms', '9000'], { VERPO_TOKEN: 'env' });
    expect(o).toMatchObject({ host: '0.0.0.0', port: 0, concurrency: 3, maxQueue: 50, maxBodyMb: 1.5, token: 'env', limits: { wallMs: 9000 } });
    expect(serveOptions(['--token', 'flag'], { VERPO_TOKEN: 'env' }).token).toBe('flag');
    expect(serveOptions(['--no-site-packages'], {}).sitePackages).toBe(false);
    expect(serveOptions([], {}).sitePackages).toBeUndefined();
    expect(serveOptions([], { VERPO_TOKEN: '' }).token).toBeUndefined();
    expect(serveOptions(['--help'], {}).help).toBe(true);
    expect(SERVE_HELP).toMatch(/^Usage: verpo serve/);
  });

  it('refuses bad numbers naming the flag', () => {
    for (const [args, msg] of [
      [['--port', '70000'], /--port 70000: expected 0..65535/],
      [['--port', 'x'], /--port x: expected an integer >= 0/],
      [['--concurrency', '0'], /--concurrency 0: expected an integer > 0/],
      [['--max-queue', '2.5'], /--max-queue 2.5: expected an integer > 0/],
      [['--max-body-mb=-1'], /--max-body-mb -1/],
      [['extra'], /no positional arguments/],
    ] as const) {
      expect(() => serveOptions([...args], {}), args.join(' ')).toThrow(UsageError);
      expect(() => serveOptions([...args], {})).toThrow(msg);
    }
  });

  it('the command serves, answers, and stops cleanly on SIGTERM', async () => {
    // in-process (the TypeScript source, as vitest loads it), stopped by a SIGTERM emitted to ourselves
    const { serveCommand } = await import('../../lib/cli/serve');
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => (stderr.push(String(s)), true);
    let code: Promise<number>;
    try {
      code = serveCommand(['--port', '0', '--concurrency', '1']);
      for (let i = 0; i < 200 && !stderr.join('').includes('serving on'); i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      (process.stderr as unknown as { write: typeof write }).write = write;
    }
    const url = /serving on (http:\/\/\S+) /.exec(stderr.join(''))![1];
    // (whether the sandbox is ready is /healthz's business, tested with it; the line says either way)
    expect(stderr.join('')).toMatch(/^verpo: serving on http:\/\/127\.0\.0\.1:\d+ \(sandbox (ready|NOT ready: .*); queue 1024 groups\)\n/);
    const r = await fetch(url + '/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ problems: [{ id: 1, passed: [[1, 0], [0, 1]] }] }) });
    expect((await r.json()).results[0].id).toBe(1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await code!).toBe(0);
    await expect(fetch(url + '/healthz')).rejects.toThrow();
  });
});
