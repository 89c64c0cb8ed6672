// stdout comparators for stdio tests. They run in the trainer's process: the expected output never
// enters the sandbox. None is lenient by default: no prefix match, no case folding, no token sets.
// The judges' own comparisons, as testlib's standard checkers make them: `tokens` is wcmp (whitespace-
// separated tokens, exact), `lines` is lcmp (line by line, each line's tokens), `tokens-float` (alias
// `float`) compares numeric tokens within a tolerance (integers always exactly), and `case: 'insensitive'`
// folds ASCII case (YES/yes) in any of them.
import type { CaseMode, Comparator, Tolerance } from './types';

export interface CompareOutcome {
  ok: boolean;
  /** Where the first difference is, with both sides quoted (absent when ok). */
  detail?: string;
}

export const DEFAULT_FLOAT_TOLERANCE: Required<Tolerance> = { abs: 1e-6, rel: 1e-6 };
const SNIPPET = 40;

/** Every comparator name a stdio test may give (`float` is the older name of `tokens-float`; 'checker' is the
 *  request's checker, checker.ts). */
export const COMPARATORS: readonly Comparator[] = ['whitespace', 'exact', 'tokens', 'tokens-float', 'float', 'lines', 'checker'];

/** The comparators done here, on the text. */
export type TextComparator = Exclude<Comparator, 'checker'>;

export function compareOutput(actual: Buffer | string, expected: string, mode: TextComparator = 'whitespace',
                              tolerance?: Tolerance, caseMode: CaseMode = 'sensitive'): CompareOutcome {
  let got = typeof actual === 'string' ? actual : actual.toString('utf8');
  if (caseMode === 'insensitive') {
    // ASCII only, as testlib's case-insensitive checkers: the byte length stays, so positions still hold
    got = asciiLower(got);
    expected = asciiLower(expected);
    if (mode === 'exact') actual = got;
  }
  switch (mode) {
    case 'exact': return compareExact(actual, expected, got);
    case 'whitespace': return compareLines(normaliseWhitespace(got), normaliseWhitespace(expected));
    case 'tokens': return compareTokens(got, expected, null);
    case 'tokens-float':
    case 'float': return compareTokens(got, expected, { ...DEFAULT_FLOAT_TOLERANCE, ...definedOnly(tolerance) });
    case 'lines': return compareLineTokens(got, expected);
  }
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function definedOnly(t?: Tolerance): Tolerance {
  const out: Tolerance = {};
  if (t?.abs !== undefined) out.abs = t.abs;
  if (t?.rel !== undefined) out.rel = t.rel;
  return out;
}

/** Byte-for-byte (the expected string is encoded as UTF-8). */
function compareExact(raw: Buffer | string, expected: string, got: string): CompareOutcome {
  const a = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const b = Buffer.from(expected, 'utf8');
  if (a.equals(b)) return { ok: true };
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  // report the position in characters of the decoded text, with line and column
  const charPos = Buffer.from(a.subarray(0, i)).toString('utf8').length;
  return { ok: false, detail: `exact: ${position(got, expected, charPos)}` };
}

/** CRLF -> LF, trailing spaces/tabs on each line dropped, trailing blank lines (and the final newline) dropped. */
export function normaliseWhitespace(s: string): string[] {
  const lines = s.replace(/\r\n/g, '\n').split('\n').map((l) => l.replace(/[ \t\r]+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function compareLines(got: string[], exp: string[]): CompareOutcome {
  const n = Math.min(got.length, exp.length);
  for (let i = 0; i < n; i++) {
    if (got[i] !== exp[i]) {
      let c = 0;
      while (c < got[i].length && c < exp[i].length && got[i][c] === exp[i][c]) c++;
      return { ok: false, detail: `line ${i + 1}, column ${c + 1}: expected ${quote(exp[i], c)}, got ${quote(got[i], c)}` };
    }
  }
  if (got.length > exp.length) {
    return { ok: false, detail: `line ${n + 1}: expected end of output, got ${quote(got[n], 0)} (${got.length - n} extra line${got.length - n > 1 ? 's' : ''})` };
  }
  if (exp.length > got.length) {
    return { ok: false, detail: `line ${n + 1}: expected ${quote(exp[n], 0)}, got end of output (${exp.length - n} missing line${exp.length - n > 1 ? 's' : ''})` };
  }
  return { ok: true };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;
const INTEGER = /^[+-]?\d+$/;

/** Whitespace-separated tokens. With a tolerance, numeric tokens are equal within max(abs, rel*|expected|)
 *  and others exactly; two integer tokens always compare exactly as integers (no precision loss past 2^53,
 *  and a wrong count is never "close"). Without one (tolerance null), every token exactly. */
function compareTokens(got: string, exp: string, tol: Required<Tolerance> | null): CompareOutcome {
  return compareTokenLists(tokens(got), tokens(exp), tol);
}

/** testlib's lcmp: the same number of lines (trailing blank lines aside), each line the same tokens. */
function compareLineTokens(got: string, exp: string): CompareOutcome {
  const g = normaliseWhitespace(got);
  const e = normaliseWhitespace(exp);
  const n = Math.min(g.length, e.length);
  for (let i = 0; i < n; i++) {
    const a = g[i].split(/\s+/).filter(Boolean);
    const b = e[i].split(/\s+/).filter(Boolean);
    if (a.length !== b.length || a.some((t, k) => t !== b[k])) {
      const k = a.findIndex((t, j) => t !== b[j]);
      const at = k < 0 ? Math.min(a.length, b.length) : k;
      return { ok: false, detail: `line ${i + 1}, token ${at + 1}: expected ${at < b.length ? JSON.stringify(b[at]) : 'end of line'}, got ${at < a.length ? JSON.stringify(a[at]) : 'end of line'}` };
    }
  }
  if (g.length !== e.length) return compareLines(g, e);
  return { ok: true };
}

function compareTokenLists(g: { text: string; line: number }[], e: { text: string; line: number }[],
                           tol: Required<Tolerance> | null): CompareOutcome {
  const n = Math.min(g.length, e.length);
  for (let i = 0; i < n; i++) {
    const a = g[i].text;
    const b = e[i].text;
    if (a === b) continue;
    let equal = false;
    if (tol === null) {
      equal = false;
    } else if (INTEGER.test(a) && INTEGER.test(b)) {
      equal = BigInt(a) === BigInt(b);
    } else if (NUMBER.test(a) && NUMBER.test(b)) {
      const x = Number(normaliseNumber(a));
      const y = Number(normaliseNumber(b));
      if (Number.isNaN(x) || Number.isNaN(y)) equal = Number.isNaN(x) && Number.isNaN(y);
      else if (!Number.isFinite(x) || !Number.isFinite(y)) equal = x === y;
      else equal = Math.abs(x - y) <= Math.max(tol.abs, tol.rel * Math.abs(y));
    }
    if (!equal) {
      return { ok: false, detail: `token ${i + 1} (line ${g[i].line}): expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}` +
        (tol !== null && NUMBER.test(a) && NUMBER.test(b) ? ` (abs tol ${tol.abs}, rel tol ${tol.rel})` : '') };
    }
  }
  if (g.length > e.length) return { ok: false, detail: `token ${n + 1} (line ${g[n].line}): expected end of output, got ${JSON.stringify(g[n].text)}` };
  if (e.length > g.length) return { ok: false, detail: `token ${n + 1}: expected ${JSON.stringify(e[n].text)}, got end of output` };
  return { ok: true };
}

function normaliseNumber(s: string): string {
  const t = s.toLowerCase().replace(/^\+/, '');
  if (/^-?inf(inity)?$/.test(t)) return t.startsWith('-') ? '-Infinity' : 'Infinity';
  if (/^-?nan$/.test(t)) return 'NaN';
  return t;
}

function tokens(s: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const re = /\S+/g;
  let line = 1;
  let last = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    for (let i = last; i < m.index; i++) if (s.charCodeAt(i) === 10) line++;
    last = m.index;
    out.push({ text: m[0], line });
  }
  return out;
}

function position(got: string, expected: string, at: number): string {
  const before = got.slice(0, at);
  const line = before.split('\n').length;
  const col = at - (before.lastIndexOf('\n') + 1) + 1;
  const g = at >= got.length ? 'end of output' : JSON.stringify(got.slice(at, at + SNIPPET));
  const e = at >= expected.length ? 'end of output' : JSON.stringify(expected.slice(at, at + SNIPPET));
  return `first difference at line ${line}, column ${col} (offset ${at}): expected ${e}, got ${g}`;
}

function quote(s: string, from: number): string {
  const start = Math.max(0, from - 10);
  const text = s.slice(start, start + SNIPPET);
  return JSON.stringify((start > 0 ? '…' : '') + text + (s.length > start + SNIPPET ? '…' : ''));
}
