// Line input (a file, gzipped or not, or stdin) and line output that survives interruption:
// each result is written whole as soon as it is ready, and --resume finds where a run stopped,
// after checking that the output it continues belongs to this input.
import * as fs from 'fs';
import type { OutputLine } from '../pipeline/contract';
import { InputError, notUtf8, readInputLines } from '../pipeline/lines';
import { NumberedLine, UnreadableLine } from '../pipeline/score';

export type ReadLine = NumberedLine | UnreadableLine;

/**
 * The non-empty lines of a file, a pipe or stdin ('-' or undefined), gzipped or not, each with its
 * physical line number. A line that is not valid UTF-8 comes as an UnreadableLine (scored as an
 * error line); an input that cannot be read throws an InputError naming its path.
 */
export async function* readLines(path: string | undefined): AsyncGenerator<ReadLine> {
  for await (const l of readInputLines(path)) {
    if (l.text === null) yield new UnreadableLine(l.line, notUtf8(l));
    else if (l.text.trim() !== '') yield new NumberedLine(l.line, l.text);
  }
}

/** Counts the non-empty lines of a regular file, for progress totals (undefined for pipes, stdin, or
 *  a file that cannot be read to its end: the scoring read reports that, after the lines before it). */
export async function countLines(path: string | undefined): Promise<number | undefined> {
  if (path === undefined || path === '-' || !fs.existsSync(path) || !fs.statSync(path).isFile()) return undefined;
  let n = 0;
  try {
    for await (const _ of readLines(path)) n++;
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
  return n;
}

/** The id an input line's result line carries: its `id` when it parses to an object with a string or
 *  number id, else null (as score() writes it on an error line). */
export function expectedId(l: ReadLine): unknown {
  if (l instanceof UnreadableLine) return null;
  let v: unknown;
  try {
    v = JSON.parse(l.text);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const id = (v as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

export interface ResumePoint {
  /** The finished result lines already in the file, parsed, in order. */
  lines: OutputLine[];
  /** Bytes of the file they occupy; a torn last line (the run died mid-write) lies beyond. */
  keepBytes: number;
  /** Bytes of the torn last line (0 when the file ends with a newline). */
  tornBytes: number;
}

function isResultLine(v: unknown): v is OutputLine {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'id' in v && 'error' in v;
}

/**
 * For --resume: reads the complete result lines already in `path` (each a JSON object with `id` and
 * `error`, ending in a newline) without changing the file. Anything else before the last line means
 * the file is not this program's output, and that is an error (nothing is changed).
 */
export async function readResumePoint(path: string): Promise<ResumePoint> {
  if (!fs.existsSync(path)) return { lines: [], keepBytes: 0, tornBytes: 0 };
  const lines: OutputLine[] = [];
  let keepBytes = 0, tornBytes = 0;
  for await (const l of readInputLines(path, { gunzip: false })) {
    if (!l.terminated) {
      tornBytes = l.end - l.start;
      break;
    }
    let v: unknown;
    try {
      v = l.text === null ? undefined : JSON.parse(l.text);
    } catch { /* reported below */ }
    if (!isResultLine(v)) {
      throw new InputError(`--resume: ${path} line ${l.line} is not a verpo result line (${l.text === null ? 'not valid UTF-8' : 'expected a JSON object with id and error'}): ` +
        'is this the output of `verpo score`/`run`? Nothing was changed');
    }
    lines.push(v);
    keepBytes = l.end;
  }
  return { lines, keepBytes, tornBytes };
}

function shown(id: unknown): string {
  return JSON.stringify(id) ?? 'null';
}

/**
 * Checks that the result lines already written (`done`) are those of the input's first lines, in
 * order, by id, reading those input lines from `input` (so stdin works too). A mismatch, or an output
 * with more lines than the input, is an InputError naming the output file, the line and both ids.
 */
export async function verifyResume(out: string, done: OutputLine[], input: AsyncIterator<ReadLine>): Promise<void> {
  for (let i = 0; i < done.length; i++) {
    const next = await input.next();
    if (next.done) {
      throw new InputError(`--resume: ${out} has ${done.length} result lines but the input has only ${i}: ` +
        `output line ${i + 1} (id ${shown(done[i].id)}) has no input line; is this the output of another input? Nothing was changed`);
    }
    const want = expectedId(next.value);
    if (shown(want) !== shown(done[i].id)) {
      throw new InputError(`--resume: ${out} line ${i + 1} has id ${shown(done[i].id)}, but input line ${next.value.line} has id ${shown(want)}: ` +
        'the output belongs to another input (or the input changed); nothing was changed');
    }
  }
}

/** Cuts a torn last line off a file whose first `keepBytes` bytes are whole lines. */
export function cutTornLine(path: string, point: ResumePoint): void {
  if (point.tornBytes > 0) fs.truncateSync(path, point.keepBytes);
}

/** Writes whole lines to a file (appending when resuming) or to stdout. */
export class LineWriter {
  private fd: number | null;
  constructor(path: string | undefined, append: boolean) {
    if (path === undefined || path === '-') this.fd = null;
    else {
      try {
        this.fd = fs.openSync(path, append ? 'a' : 'w');
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new Error(`cannot write ${path}: ${err.code === 'EISDIR' ? 'is a directory' : err.code === 'ENOENT' ? 'no such directory' : err.message}`);
      }
    }
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
