// Line input (a file, gzipped or not, or stdin) and line output that survives interruption:
// each result is written whole as soon as it is ready, and --resume finds where a run stopped.
import * as fs from 'fs';
import * as readline from 'readline';
import { createGunzip } from 'zlib';
import type { Readable } from 'stream';

function isGzip(path: string): boolean {
  const fd = fs.openSync(path, 'r');
  try {
    const b = Buffer.alloc(2);
    return fs.readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/** Non-empty lines of a file (plain or gzipped) or of stdin ('-' or undefined). */
export async function* readLines(path: string | undefined, skip = 0): AsyncGenerator<string> {
  let stream: Readable;
  if (path === undefined || path === '-') stream = process.stdin;
  else {
    if (!fs.existsSync(path)) throw new Error(`input file not found: ${path}`);
    const file = fs.createReadStream(path);
    stream = isGzip(path) ? file.pipe(createGunzip()) : file;
  }
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let seen = 0;
  for await (const line of rl) {
    if (line.trim() === '') continue;
    if (seen++ < skip) continue;
    yield line;
  }
}

/** Counts the non-empty lines of a file, for progress totals (undefined for stdin). */
export async function countLines(path: string | undefined): Promise<number | undefined> {
  if (path === undefined || path === '-') return undefined;
  let n = 0;
  for await (const _ of readLines(path)) n++;
  return n;
}

/**
 * For --resume: the complete result lines already in `path` (each a JSON object ending in a
 * newline). A torn last line (the run died mid-write) is cut off so appending continues cleanly.
 */
export function resumePoint(path: string): { done: number; lines: string[] } {
  if (!fs.existsSync(path)) return { done: 0, lines: [] };
  const text = fs.readFileSync(path, 'utf8');
  const lines: string[] = [];
  let end = 0;
  for (;;) {
    const nl = text.indexOf('\n', end);
    if (nl < 0) break;
    const line = text.slice(end, nl);
    try {
      JSON.parse(line);
    } catch {
      break;
    }
    lines.push(line);
    end = nl + 1;
  }
  if (end < Buffer.byteLength(text)) fs.truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  return { done: lines.length, lines };
}

/** Writes whole lines to a file (appending when resuming) or to stdout. */
export class LineWriter {
  private fd: number | null;
  constructor(path: string | undefined, append: boolean) {
    this.fd = path === undefined || path === '-' ? null : fs.openSync(path, append ? 'a' : 'w');
  }
  write(line: string): void {
    if (this.fd === null) process.stdout.write(line + '\n');
    else fs.writeSync(this.fd, line + '\n');
  }
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
