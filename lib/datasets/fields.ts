// Typed access to fields of an untrusted dataset record: every failure is a DatasetRecordError naming
// the record and the field, never a TypeError from deep inside a converter.
import { DatasetRecordError, type RecordRef } from './types';

export type Rec = Record<string, unknown>;

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asRecord(v: unknown, ref: RecordRef, field = 'record'): Rec {
  if (!isRecord(v)) throw new DatasetRecordError(ref, field, `expected a JSON object, got ${describeValue(v)}`);
  return v;
}

export function str(rec: Rec, key: string, ref: RecordRef): string {
  const v = rec[key];
  if (typeof v !== 'string') throw new DatasetRecordError(ref, key, `expected a string, got ${describeValue(v)}`);
  return v;
}

export function optStr(rec: Rec, key: string, ref: RecordRef): string | undefined {
  const v = rec[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new DatasetRecordError(ref, key, `expected a string, got ${describeValue(v)}`);
  return v;
}

export function strArray(v: unknown, field: string, ref: RecordRef): string[] {
  if (!Array.isArray(v)) throw new DatasetRecordError(ref, field, `expected an array of strings, got ${describeValue(v)}`);
  v.forEach((x, i) => {
    if (typeof x !== 'string') throw new DatasetRecordError(ref, `${field}[${i}]`, `expected a string, got ${describeValue(x)}`);
  });
  return v as string[];
}

/** A field holding JSON text (APPS `input_output`, LCB `metadata`...), parsed. */
export function jsonText(text: string, field: string, ref: RecordRef): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DatasetRecordError(ref, field, `not valid JSON (${(e as Error).message})`);
  }
}

/** An id (string or integer) as a string. */
export function idPart(rec: Rec, key: string, ref: RecordRef): string {
  const v = rec[key];
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  throw new DatasetRecordError(ref, key, `expected an id (string or integer), got ${describeValue(v)}`);
}

/** Dataset code often has Windows line endings (MBPP); Python accepts both, but tests and diffs read better with LF. */
export function lf(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

export function capped<T>(xs: T[], max: number | undefined): T[] {
  return max === undefined ? xs : xs.slice(0, Math.max(0, max));
}
