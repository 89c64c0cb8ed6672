// Dataset files -> records. A file is JSONL (one record per line, as HF `datasets` exports them) or one JSON
// document: an array of records (sanitized MBPP, some APPS/TACO dumps) or a single record object, either
// of them pretty-printed over many lines; plain or gzipped (told by the gzip magic bytes, not the name).
// A line that is not JSON is reported like any malformed record (DatasetRecordError), never dropped silently;
// a document that is not valid JSON is one bad record whose message names the file.
//
// How the two are told apart: the first non-blank line starting with `[` opens a document; one starting
// with `{` opens a document when it is not JSON by itself but the unfinished start of a value (brackets or a
// string left open). Such a file is read whole; if it is not one valid document after all and any of its
// later lines is JSON by itself, it is JSONL whose first line is broken, and is read line by line as before.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { notUtf8, readInputLines, type InputLine } from '../pipeline/lines';
import { DatasetRecordError, type DatasetKind, type RecordRef } from './types';

/** A record read from a file: its value (or why it has none), where it is, and its JSON text (which
 *  converters needing more than JSON.parse keeps, such as the lexemes of numbers, parse again). */
export type RawRecord = ({ value: unknown } | { error: DatasetRecordError }) & { ref: RecordRef; text?: string };

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Bytes of a dataset file -> its text (gunzipped when gzipped; a UTF-8 BOM dropped). */
export function decodeDatasetBytes(data: string | Uint8Array): string {
  const text = typeof data === 'string' ? data : Buffer.from(isGzip(data) ? gunzipSync(data) : data).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A whole dataset file as text, plain or gzipped. */
export function readDatasetText(file: string): string {
  return decodeDatasetBytes(readFileSync(file));
}

function parseLine(line: string, ref: RecordRef): RawRecord {
  try {
    return { ref, value: JSON.parse(line), text: line };
  } catch (e) {
    return { ref, error: new DatasetRecordError(ref, 'line', `not valid JSON (${(e as Error).message})`), text: line };
  }
}

type Span = { start: number; end: number };
type Scan = { kind: 'array'; items: Span[] } | { kind: 'value'; span: Span } | { kind: 'unfinished' } | { kind: 'bad'; why: string; at: number };

/**
 * The structure of a JSON document, without building it: the spans of a top-level array's elements (or
 * of the one value), found by tracking strings and brackets. Tokens between brackets are left for
 * JSON.parse, element by element, so one bad element is one bad record, not a bad file.
 */
export function scanJsonDocument(text: string): Scan {
  const closers: string[] = [];
  const items: Span[] = [];
  let i = 0;
  const n = text.length;
  while (i < n && /\s/.test(text[i])) i++;
  if (i === n) return { kind: 'bad', why: 'empty document', at: i };
  const first = text[i];
  const isArray = first === '[';
  let itemStart = -1;
  let sawComma = false;
  const top = i;
  for (; i < n; i++) {
    const ch = text[i];
    if (ch === '"') {
      const open = i;
      for (i++; i < n && text[i] !== '"'; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '\n') return { kind: 'bad', why: 'a string runs past the end of its line', at: open };
      }
      if (i >= n) return { kind: 'unfinished' };
      if (isArray && closers.length === 1 && itemStart < 0) itemStart = open;
      continue;
    }
    if (ch === '[' || ch === '{') {
      if (isArray && closers.length === 1 && itemStart < 0) itemStart = i;
      closers.push(ch === '[' ? ']' : '}');
      continue;
    }
    if (ch === ']' || ch === '}') {
      const want = closers.pop();
      if (want !== ch) return { kind: 'bad', why: want === undefined ? `unexpected '${ch}'` : `'${ch}' where '${want}' closes`, at: i };
      if (isArray && closers.length === 0) {
        if (itemStart >= 0) items.push({ start: itemStart, end: trimEnd(text, i) });
        else if (sawComma) return { kind: 'bad', why: 'a comma before the closing bracket', at: i };
        itemStart = -1;
      }
      if (closers.length === 0) {
        let j = i + 1;
        while (j < n && /\s/.test(text[j])) j++;
        if (j < n) return { kind: 'bad', why: 'text after the document', at: j };
        return isArray ? { kind: 'array', items } : { kind: 'value', span: { start: top, end: i + 1 } };
      }
      continue;
    }
    if (isArray && closers.length === 1) {
      if (ch === ',') {
        if (itemStart < 0) return { kind: 'bad', why: 'an empty element', at: i };
        items.push({ start: itemStart, end: trimEnd(text, i) });
        itemStart = -1;
        sawComma = true;
      } else if (!/\s/.test(ch) && itemStart < 0) {
        itemStart = i;
      }
    } else if (closers.length === 0) {
      return { kind: 'bad', why: `a document starts with '[' or '{', not '${ch}'`, at: i };
    }
  }
  return { kind: 'unfinished' };
}

function trimEnd(text: string, end: number): number {
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return end;
}

/** Line and column (1-based) of an offset, for messages. */
function position(text: string, at: number, firstLine: number): string {
  let line = firstLine;
  let col = 1;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text[i] === '\n') { line++; col = 1; } else col++;
  }
  return `line ${line} column ${col}`;
}

/** True when a first line is the unfinished start of one JSON value spread over lines (a pretty-printed
 *  record or array), not a complete JSON line. */
export function opensDocument(line: string): boolean {
  if (/^\s*\[/.test(line)) return true;
  if (!/^\s*\{/.test(line)) return false;
  try {
    JSON.parse(line);
    return false;
  } catch {
    return scanJsonDocument(line).kind === 'unfinished';
  }
}

/** The input a document came from, for messages: a path, or "the input" for text in memory. */
function named(where: string | undefined): string {
  return where ?? 'the input';
}

/**
 * Records of one JSON document (its lines, from `firstLine`): an array's elements, or the one object.
 * null when the text is not one document and `fallback` holds: the caller reads the lines as JSONL.
 */
function documentRecords(text: string, dataset: DatasetKind, where: string | undefined, firstLine: number, fallback: boolean): RawRecord[] | null {
  const scan = scanJsonDocument(text);
  const fileError = (why: string): RawRecord[] => {
    const ref = { dataset, index: 0 };
    const what = /^\s*\[/.test(text) ? 'a valid JSON array' : 'a valid JSON document';
    return [{ ref, error: new DatasetRecordError(ref, 'file', `not ${what} (${named(where)}: ${why})`) }];
  };
  if (scan.kind === 'unfinished' || scan.kind === 'bad') {
    if (fallback) return null;
    return fileError(scan.kind === 'bad' ? `${scan.why} at ${position(text, scan.at, firstLine)}` : 'it ends before its last bracket closes');
  }
  if (scan.kind === 'value') {
    const ref = { dataset, index: 0 };
    const s = text.slice(scan.span.start, scan.span.end);
    try {
      return [{ ref, value: JSON.parse(s), text: s }];
    } catch (e) {
      if (fallback) return null;
      return fileError((e as Error).message);
    }
  }
  return scan.items.map((span, index): RawRecord => {
    const ref = { dataset, index };
    const s = text.slice(span.start, span.end);
    try {
      return { ref, value: JSON.parse(s), text: s };
    } catch (e) {
      return { ref, error: new DatasetRecordError(ref, 'record', `not valid JSON (${named(where)}, ${position(text, span.start, firstLine)}: ${(e as Error).message})`), text: s };
    }
  });
}

/** One physical line: its text, or null (with why) when its bytes are not valid UTF-8. */
interface Line { line: number; text: string | null; bad?: string }

/**
 * The records of a sequence of lines (JSONL, or one document), fed line by line; the same rules for a
 * file read as a stream and for text in memory.
 */
class RecordSplitter {
  private index = 0;
  /** Lines of a document being read whole (from its first line on), or null while reading JSONL. */
  private doc: Line[] | null = null;
  constructor(private readonly dataset: DatasetKind, private readonly where: string | undefined) {}

  push(l: Line): RawRecord[] {
    if (this.doc !== null) {
      this.doc.push(l);
      return [];
    }
    if (l.text !== null && l.text.trim() === '') return [];
    if (this.index === 0 && l.text !== null && opensDocument(l.text)) {
      this.doc = [l];
      return [];
    }
    return [this.jsonl(l)];
  }

  end(): RawRecord[] {
    const doc = this.doc;
    if (doc === null) return [];
    this.doc = null;
    const first = doc[0];
    const bad = doc.find((l) => l.text === null);
    // a `{` document that is not one value after all is JSONL with a broken first line, if any later line is
    // a JSON object by itself (a pretty-printed record's inner lines never are: at most a string or a number)
    const fallback = /^\s*\{/.test(first.text!) && doc.slice(1).some((l) => l.text !== null && isJsonObject(l.text));
    if (bad === undefined) {
      const records = documentRecords(doc.map((l) => l.text).join('\n'), this.dataset, this.where, first.line, fallback);
      if (records !== null) return records;
    } else if (!fallback) {
      // nothing in a document with undecodable bytes can be trusted: the file is one bad record
      const ref = { dataset: this.dataset, index: 0, line: first.line };
      const what = /^\s*\[/.test(first.text!) ? 'a valid JSON array' : 'a valid JSON document';
      return [{ ref, error: new DatasetRecordError(ref, 'file', `not ${what} (${named(this.where)} line ${bad.line}: ${bad.bad})`) }];
    }
    return doc.filter((l) => l.text === null || l.text.trim() !== '').map((l) => this.jsonl(l));
  }

  private jsonl(l: Line): RawRecord {
    const ref = { dataset: this.dataset, index: this.index++, line: l.line };
    if (l.text === null) return { ref, error: new DatasetRecordError(ref, 'line', l.bad ?? 'not valid UTF-8') };
    return parseLine(l.text, ref);
  }
}

function isJsonObject(text: string): boolean {
  if (!/^\s*\{/.test(text)) return false;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Records of an in-memory dataset file (JSONL, or one JSON document: an array of records or one record). */
export function* parseRecords(text: string, dataset: DatasetKind): Generator<RawRecord> {
  const splitter = new RecordSplitter(dataset, undefined);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) yield* splitter.push({ line: i + 1, text: lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i] });
  yield* splitter.end();
}

/**
 * Records of a dataset file, streamed line by line (LiveCodeBench and TACO files run to gigabytes),
 * decoded strictly: a line that is not valid UTF-8 is a malformed record naming its line, never
 * text with U+FFFD in it; one leading BOM is dropped; a file that cannot be read, or a gzip stream
 * that breaks off, throws an InputError naming the path. A JSON document is read whole (JSON.parse
 * cannot parse piecewise), and its errors name the path.
 */
export async function* fileRecords(file: string, dataset: DatasetKind): AsyncGenerator<RawRecord> {
  const splitter = new RecordSplitter(dataset, file);
  for await (const l of readInputLines(file)) {
    yield* splitter.push(l.text === null ? { line: l.line, text: null, bad: notUtf8(l as InputLine) } : { line: l.line, text: l.text });
  }
  yield* splitter.end();
}

/** The same as fileRecords (kept under its older name). */
export const streamRecords = fileRecords;
