// Dataset files -> records. Files are JSONL (one record per line, as HF `datasets` exports them) or one JSON
// array (sanitized MBPP, some APPS/TACO dumps), plain or gzipped (told by the gzip magic bytes, not the name).
// A line that is not JSON is reported like any malformed record (DatasetRecordError), never dropped silently.
import { closeSync, createReadStream, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { DatasetRecordError, type DatasetKind, type RecordRef } from './types';

export type RawRecord = { ref: RecordRef; value: unknown } | { ref: RecordRef; error: DatasetRecordError };

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
    return { ref, value: JSON.parse(line) };
  } catch (e) {
    return { ref, error: new DatasetRecordError(ref, 'line', `not valid JSON (${(e as Error).message})`) };
  }
}

function arrayRecords(text: string, dataset: DatasetKind): RawRecord[] {
  let all: unknown;
  try {
    all = JSON.parse(text);
  } catch (e) {
    // the whole array is one record as far as position goes: nothing in it can be trusted
    return [{ ref: { dataset, index: 0 }, error: new DatasetRecordError({ dataset, index: 0 }, 'file', `not a valid JSON array (${(e as Error).message})`) }];
  }
  return (all as unknown[]).map((value, index) => ({ ref: { dataset, index }, value }));
}

/** Records of an in-memory dataset file (JSONL or a JSON array). */
export function* parseRecords(text: string, dataset: DatasetKind): Generator<RawRecord> {
  if (/^\s*\[/.test(text)) {
    yield* arrayRecords(text, dataset);
    return;
  }
  let index = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    yield parseLine(lines[i], { dataset, index: index++, line: i + 1 });
  }
}

function startsWithGzipMagic(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && isGzip(head);
  } finally {
    closeSync(fd);
  }
}

/** Records of a dataset file, streamed line by line (LiveCodeBench and TACO files run to gigabytes).
 *  A JSON-array file is read whole (an array cannot be parsed piecewise with JSON.parse). */
export async function* streamRecords(file: string, dataset: DatasetKind): AsyncGenerator<RawRecord> {
  let stream: Readable = createReadStream(file);
  if (startsWithGzipMagic(file)) stream = stream.pipe(createGunzip());
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  let index = 0;
  let arrayLines: string[] | null = null;
  for await (const raw of rl) {
    lineNo++;
    const line = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (arrayLines !== null) {
      arrayLines.push(line);
      continue;
    }
    if (line.trim() === '') continue;
    if (index === 0 && /^\s*\[/.test(line)) {
      arrayLines = [line];
      continue;
    }
    yield parseLine(line, { dataset, index: index++, line: lineNo });
  }
  if (arrayLines !== null) yield* arrayRecords(arrayLines.join('\n'), dataset);
}
