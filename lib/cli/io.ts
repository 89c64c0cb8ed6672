// Line input (a file, gzipped or not, or stdin) and line output that survives interruption:
// each result is written whole as soon as it is ready, and --resume finds where a run stopped.
import * as fs from 'fs';
import * as readline from 'readline';
import { createGunzip } from 'zlib';
import { Readable } from 'stream';
import { NumberedLine } from '../pipeline/score';

/** A stream that gunzips when its first bytes are the gzip magic, and passes through otherwise. */
async function* maybeGunzip(input: Readable): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await it.next();
  if (first.done) return;
  const rest = (async function* () {
    yield first.value;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  })();
  if (first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b) yield* Readable.from(rest).pipe(createGunzip());
  else yield* rest;
}

function open(path: string | undefined): Readable {
  if (path === undefined || path === '-') return process.stdin;
  if (!fs.existsSync(path)) throw new Error(`input file not found: ${path}`);
  return fs.createReadStream(path);
}

/**
 * The non-empty lines of a file, a pipe or stdin ('-' or undefined), gzipped or not, each with its
 * physical line number; the first `skip` non-empty lines are passed over (for --resume).
 */
export async function* readLines(path: string | undefined, skip = 0): AsyncGenerator<NumberedLine> {
  const rl = readline.createInterface({ input: Readable.from(maybeGunzip(open(path))), crlfDelay: Infinity });
  let physical = 0, seen = 0;
  for await (const line of rl) {
    physical++;
    if (line.trim() === '') continue;
    if (seen++ < skip) continue;
    yield new NumberedLine(physical, line);
  }
}

/** Counts the non-empty lines of a regular file, for progress totals (undefined for pipes, stdin). */
export async function countLines(path: string | undefined): Promise<number | undefined> {
  if (path === undefined || path === '-' || !fs.existsSync(path) || !fs.statSync(path).isFile()) return undefined;
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
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      break;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) break; // not a result line
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
