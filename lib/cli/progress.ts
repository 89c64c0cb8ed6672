// Progress on stderr: a redrawn bar on a terminal, plain lines every few seconds otherwise.
// stdout carries only results.
import type { ScoreProgress } from '../pipeline/score';

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function verdictText(p: ScoreProgress): string {
  return Object.entries(p.verdicts).filter(([, n]) => n > 0).map(([v, n]) => `${v} ${n}`).join(' ');
}

export class ProgressView {
  private lastDraw = 0;
  private readonly tty: boolean;
  constructor(private readonly total: number | undefined, private readonly quiet: boolean) {
    this.tty = Boolean(process.stderr.isTTY);
  }

  update(p: ScoreProgress): void {
    if (this.quiet) return;
    const now = Date.now();
    const done = this.total !== undefined && p.linesDone >= this.total;
    if (!done && now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    const rate = p.elapsedMs > 0 ? (p.executions * 1000) / p.elapsedMs : 0;
    if (this.tty) {
      const width = 24;
      const frac = this.total ? Math.min(1, p.linesDone / this.total) : 0;
      const bar = this.total ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
      const eta = this.total && p.linesDone > 0 ? ` ETA ${clock((p.elapsedMs / p.linesDone) * (this.total - p.linesDone))}` : '';
      const line = `${bar}${p.linesDone}${this.total ? `/${this.total}` : ''} problems  ${rate.toFixed(0)} tests/s  ${verdictText(p)}${eta}`;
      process.stderr.write(`\r\x1b[K${line}`);
    } else {
      process.stderr.write(`verpo: ${p.linesDone}${this.total ? `/${this.total}` : ''} problems, ${p.executions} executions (${rate.toFixed(0)}/s), ${verdictText(p) || 'no verdicts yet'}\n`);
    }
  }

  finish(): void {
    if (!this.quiet && this.tty) process.stderr.write('\n');
  }
}
