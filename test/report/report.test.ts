// `verpo report`: the numbers it plots (summary.ts) and the page itself, opened in headless Chromium (the Debian
// package chromium-headless-shell, which .ci/run installs): every chart made and drawn, no script error, no
// console error, no request outside the file, and a screenshot.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { histograms, summarize } from '../../lib/report/summary';
import { reportHtml } from '../../lib/report/html';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'verpo-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function verpo(args: string[], input?: string) {
  return spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', env: { ...process.env, CI: '' } });
}

/** The headless browser: $VERPO_CHROMIUM, else the Debian packages' binaries. */
function chromium(): string | null {
  for (const p of [process.env.VERPO_CHROMIUM, '/usr/bin/chromium-headless-shell', '/usr/bin/chromium']) if (p && existsSync(p)) return p;
  return null;
}

const row = (verdicts: string[], reward: number, advantage: number, extra: object = {}) =>
  ({ verdicts, passed: verdicts.map((v) => (v === 'AC' ? 1 : 0)), dense: 0, outcome: 0, reward, advantage, ...extra });

describe('report numbers', () => {
  it('histograms share their bins across series; equal values make one bin', () => {
    const [a, b] = histograms([[0, 0.5, 1], [1, 2]], 4);
    expect(a.edges).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(a.counts).toEqual([1, 1, 1, 0]);
    expect(b.counts).toEqual([0, 0, 1, 1]);
    expect(histograms([[3, 3]])[0]).toEqual({ edges: [3, 3], counts: [2] });
    expect(histograms([[]])[0]).toEqual({ edges: [], counts: [] });
  });

  it('rows, verdicts, weights against pass rates, lint and the held-out gap, from scored lines', () => {
    const lint = (codes: Record<string, number>) => ({ score: -0.2, violations: 1, by_severity: { error: 1, warning: 0, style: 0 }, codes });
    const s = summarize('x', [
      { id: 'p', weights: [0.25, 0.75, null], hidden: { tests: 1, visible_pass_rate: 1, hidden_pass_rate: 0.5, gap: 0.5, visible_only_passes: 1 },
        rollouts: [row(['AC', 'AC', 'WA'], 1.5, 0.5, { lint: lint({ F401: 1 }) }), row(['AC', 'WA', 'AC'], 0.25, -0.5, { lint: lint({ F401: 2, B006: 1 }) })], error: null },
      { id: 'bad', error: 'tests: must be an array' },
      null,
    ]);
    expect(s.lines).toBe(3);
    expect(s.errorLines).toBe(2);
    expect(s.rows).toBe(2);
    expect(s.verdicts).toEqual({ AC: 4, WA: 2 });
    expect(s.weightPoints).toEqual([{ passRate: 1, weight: 0.25 }, { passRate: 0.5, weight: 0.75 }]);
    expect(s.lint.topCodes).toEqual([['F401', 3], ['B006', 1]]);
    expect(s.lint.bySeverity.error).toBe(2);
    expect(s.heldOut).toEqual([{ id: 'p', gap: 0.5, visible: 1, hidden: 0.5 }]);
    expect(s.zeroAdvantageShare).toBe(0);
  });

  it('values of the scored file cannot break out of the page\'s script', () => {
    const html = reportHtml([summarize('</script><script>alert(1)</script>', [{ id: '</script>', rollouts: [row(['AC'], 1, 0)], error: null,
      hidden: { tests: 1, visible_pass_rate: 1, hidden_pass_rate: 0, gap: 1, visible_only_passes: 1 } }])]);
    const scripts = html.match(/<script>/g) ?? [];
    expect(scripts.length).toBe(3);  // the error hooks, Chart.js, the charts: nothing the data added
    expect(html).not.toContain('<script>alert(1)');
  });
});

describe('verpo report: the page in headless Chromium', () => {
  const browser = chromium();
  it.skipIf(browser === null)('every chart is made and drawn, with no script or console error, and the screenshot shows them', { timeout: 120_000 }, () => {
    // scored lines as `verpo score --lint` writes them, two series (two schemes), hidden tests, weights, lint
    const lintOk = { score: 0, violations: 0, by_severity: { error: 0, warning: 0, style: 0 }, codes: {} };
    const lintBad = { score: -0.2, violations: 1, by_severity: { error: 1, warning: 0, style: 0 }, codes: { F401: 1 } };
    const lines = (scheme: number) => [0, 1, 2].map((p) => JSON.stringify({
      id: `p${p}`, weights: [0.2 * scheme, 0.3, 0.5, null],
      hidden: { tests: 1, visible_pass_rate: 0.75, hidden_pass_rate: 0.5, gap: 0.25 * p, visible_only_passes: p },
      rollouts: [row(['AC', 'AC', 'AC', 'AC'], 1.6 * scheme, 0.7, { lint: lintOk }), row(['AC', 'WA', 'WA', 'WA'], 0.1, -0.8, { lint: lintBad }),
        row(['AC', 'AC', 'RE', 'TLE'], 0.5, 0, { lint: lintOk })],
      error: null,
    })).join('\n') + '\n';
    writeFileSync(path.join(dir, 'verpo.jsonl'), lines(1));
    writeFileSync(path.join(dir, 'grpo.jsonl'), lines(2) + 'not json\n');
    const out = path.join(dir, 'report.html');
    const r = verpo(['report', `verpo=${path.join(dir, 'verpo.jsonl')}`, path.join(dir, 'grpo.jsonl'), '-o', out, '--title', 'two schemes']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    expect(r.stderr).toContain('1 line not JSON');
    const html = readFileSync(out, 'utf8');
    // self-contained: nothing to load (and the browser below fetches nothing: no net:: error)
    expect(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=/i.test(html)).toBe(false);

    const flags = ['--no-sandbox', '--disable-gpu', '--headless', '--virtual-time-budget=10000', '--enable-logging=stderr', '--v=0'];
    const dom = spawnSync(browser!, [...flags, '--dump-dom', `file://${out}`], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.status, dom.stderr).toBe(0);
    const body = /<body([^>]*)>/.exec(dom.stdout)?.[1] ?? '';
    expect(body).toContain('data-charts="7"');
    expect(body).toContain('data-drawn="7"');
    expect(body).toContain('data-errors="0"');
    // the page logs nothing at all (console messages appear as INFO:CONSOLE lines, whatever their level)
    expect(dom.stderr.split('\n').filter((l) => /:CONSOLE/.test(l))).toEqual([]);
    expect(dom.stderr).not.toMatch(/net::ERR_/);

    const shot = path.join(dir, 'report.png');
    const s = spawnSync(browser!, [...flags, '--window-size=1100,2800', `--screenshot=${shot}`, `file://${out}`], { encoding: 'utf8', timeout: 60_000 });
    expect(s.status, s.stderr).toBe(0);
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(40_000);  // seven drawn charts; a blank page of this size is ~10 KB
  });
  if (browser === null) console.warn('verpo report in Chromium: skipped, no chromium-headless-shell here (.ci/run installs it; or set VERPO_CHROMIUM)');
});
