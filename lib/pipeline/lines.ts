// Input files as lines of strictly decoded UTF-8, for every reader of the command line (score, run,
// convert): a file (plain or gzipped, told by the magic bytes, not the name), a pipe, or stdin.
// Nothing is replaced or guessed: a line that is not valid UTF-8 comes back as such (with the offset
// of its first bad byte) so the caller reports it and goes on with the rest; one leading UTF-8 BOM
// is dropped; an input that cannot be read at all is an InputError that names its path.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** The input cannot be read (missing, a directory, a truncated or corrupt gzip stream): the message names the path. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export interface InputLine {
  /** 1-based physical line number (blank lines count). */
  line: number;
  /** The line without its `\n` (or `\r\n`), or null when its bytes are not valid UTF-8. */
  text: string | null;
  /** When `text` is null: offset of the first invalid byte, counted from the start of the line (0-based). */
  badByte?: number;
  /** Byte offset of the line's start in the (decompressed) input. */
  start: number;
  /** Byte offset just past the line's newline, or past its last byte when it has none. */
  end: number;
  /** The line ended with a newline (false only for a last line without one). */
  terminated: boolean;
}

const BOM = [0xef, 0xbb, 0xbf];

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
};

/** How an input is named in messages: its path, or "stdin". */
export function inputName(path: string | undefined): string {
  return path === undefined || path === '-' ? 'stdin' : path;
}

function cannotRead(path: string, e: unknown): InputError {
  const err = e as NodeJS.ErrnoException;
  return new InputError(`cannot read ${path}: ${(err.code && REASONS[err.code]) ?? err.message}`);
}

/** Refuses, with a message naming the path, an input that cannot be opened (missing, a directory,
 *  unreadable): callers check before any work, so such an input fails at once. */
export function checkInput(path: string | undefined): void {
  if (path === undefined || path === '-') return;
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    throw cannotRead(path, e);
  }
  if (st.isDirectory()) throw new InputError(`cannot read ${path}: is a directory`);
  try {
    fs.accessSync(path, fs.constants.R_OK);
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/** Opens an input for reading, refusing what cannot be read with a message that names the path. */
export function openInput(path: string | undefined): Readable {
  if (path === undefined || path === '-') return process.stdin;
  checkInput(path);
  return fs.createReadStream(path);
}

/**
 * Offset of the first byte of `b` that does not belong to a well-formed UTF-8 sequence (no overlong
 * forms, no surrogates, nothing above U+10FFFF), or -1 when all of it is valid.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const x = i + k < n ? b[i + k] : -1;
      // the sequence is broken at its lead byte: that is where the bad input starts
      if (k === 1 ? x < lo || x > hi : x < 0x80 || x > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Chunks of an input, gunzipped when its first two bytes are the gzip magic. */
async function* maybeGunzip(input: Readable): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // a pipe may deliver a single byte first: gather two before deciding
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < 2) {
    const n = await it.next();
    if (n.done) {
      ended = true;
      break;
    }
    head = head.length ? Buffer.concat([head, n.value]) : Buffer.from(n.value);
  }
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (ended) return;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  };
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    // pipeline() hands a read error of the source on to the gunzip, whose iteration then throws it
    const gunzip = createGunzip();
    pipeline(Readable.from(rest()), gunzip, () => {});
    for await (const chunk of gunzip) yield chunk as Buffer;
    return;
  }
  yield* rest();
}

/**
 * The lines of an input, each with its number and byte span (`gunzip: false` reads the bytes as they
 * are, for files this program writes itself). Errors reading it are InputErrors
 * naming `path`; a truncated or corrupt gzip stream says after which line it broke (the broken
 * line's bytes are not returned).
 */
export async function* readInputLines(path: string | undefined, options: { gunzip?: boolean } = {}): AsyncGenerator<InputLine> {
  const name = inputName(path);
  const stream = openInput(path);
  let lineNo = 0;
  let offset = 0; // bytes consumed before `pending`
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let first = true;
  const make = (bytes: Buffer, terminated: boolean, length: number): InputLine => {
    const start = offset;
    offset += length;
    lineNo++;
    let body = bytes;
    let bom = 0;
    if (first) {
      first = false;
      if (body.length >= 3 && body[0] === BOM[0] && body[1] === BOM[1] && body[2] === BOM[2]) body = body.subarray(bom = 3);
    }
    if (terminated && body.length && body[body.length - 1] === 0x0d) body = body.subarray(0, body.length - 1);
    if (isUtf8(body)) return { line: lineNo, text: body.toString('utf8'), start, end: offset, terminated };
    return { line: lineNo, text: null, badByte: bom + firstInvalidUtf8(body), start, end: offset, terminated };
  };
  try {
    const chunks = options.gunzip === false ? (stream as AsyncIterable<Buffer>) : maybeGunzip(stream);
    for await (const chunk of chunks) {
      let pos = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, pos);
        if (nl < 0) break;
        const piece = chunk.subarray(pos, nl);
        const bytes = pendingBytes ? Buffer.concat([...pending, piece]) : piece;
        const length = bytes.length + 1;
        pending = [];
        pendingBytes = 0;
        pos = nl + 1;
        yield make(bytes, true, length);
      }
      if (pos < chunk.length) {
        // copy: a stream may reuse its chunk buffers
        pending.push(Buffer.from(chunk.subarray(pos)));
        pendingBytes += chunk.length - pos;
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'Z_BUF_ERROR' || /unexpected end of file/.test(err.message)) {
      throw new InputError(`${name}: truncated gzip stream (after line ${lineNo})`);
    }
    if (typeof err.code === 'string' && err.code.startsWith('Z_')) {
      throw new InputError(`${name}: corrupt gzip stream: ${err.message} (after line ${lineNo})`);
    }
    throw path === undefined || path === '-' ? new InputError(`cannot read stdin: ${err.message}`) : cannotRead(path, e);
  } finally {
    if (stream !== process.stdin) stream.destroy();
  }
  if (pendingBytes) yield make(Buffer.concat(pending), false, pendingBytes);
}

/** The message for a line that is not valid UTF-8 (the caller prefixes where it is). */
export function notUtf8(l: InputLine): string {
  return `not valid UTF-8 (byte offset ${l.badByte})`;
}
