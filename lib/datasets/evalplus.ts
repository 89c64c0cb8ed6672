// evalplus (Apache-2.0) MBPP+ and HumanEval+ rows -> contract lines.
//
// A row holds inputs, not outputs: {task_id, prompt, entry_point, canonical_solution, base_input, plus_input,
// atol, contract, assertion (MBPP+) | test (HumanEval+)}. evalplus gets the expected outputs by running
// prompt + canonical_solution on each input (a deep copy of it); so does this converter, once, in verpo's own
// sandbox (the Executor; a stdio run of the canonical program with a trusted printer of each output as
// type-tagged builtin data), and keeps them in a cache keyed by content (program, entry point, inputs), so
// converting again runs nothing. Each input becomes one assert test
//     assert _verpo_evalplus_match(<entry_point>(*<args>), <expected>)
// whose helper (in the line's trusted `setup`) compares as evalplus's grader does: exact equality; else, when
// the task's `atol` is not 0 (or the expected output is a float or a non-empty list/tuple of floats, for which
// evalplus uses 1e-6), the same type, the same length and every number within atol + 1e-7·|expected|
// (numpy.allclose's rule: NaN equals nothing, infinities only themselves). Its special oracles are kept for
// the tasks that have them (set equality, "not None", a polynomial's root, ...).
//
// Inputs are Python literals built as evalplus deserializes them: JSON (numbers keep their lexemes, so 1.0 is a
// float and big ints are exact; NaN/Infinity as Python's json reads them), then MBPP+'s per-task rules (lists
// that become tuples, sets, complex numbers...). An input is skipped, with its reason, when evalplus's
// deserialization fails on it, when the canonical solution raises on it or returns anything but exact builtin
// data (None, bool, int, float, complex, str, bytes, bytearray, list, tuple, dict, set, frozenset), when the
// expected output holds a NaN (no output equals it), or when it or the arguments are past the bounds below.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { AssertTest, ExecutorOptions, RunRequest, RunResult, TestResult } from '../exec/types';
import type { ConvertRunOptions, ConvertStats } from './convert';
import { describeValue, isRecord } from './fields';
import { topLevelImports } from './humaneval-lines';
import type { RawRecord } from './records';
import { DatasetRecordError, type ContractLine, type RecordRef } from './types';

export type EvalPlusTestSets = 'base' | 'plus' | 'all';

/** What runs the canonical solutions: an Executor (lib/exec), or anything with its run(). */
export interface EvalPlusExecutor {
  run(request: RunRequest): Promise<RunResult>;
}

export interface EvalPlusOptions {
  /** Which inputs become tests: `base_input`, `plus_input`, or both (default 'all'; base first). */
  evalplusTests?: EvalPlusTestSets;
  /** Directory of the expected-output cache (default: defaultEvalPlusCacheDir()); false: no cache. */
  evalplusCache?: string | false;
  /** Runs the canonical solutions (it must keep whole outputs: excerptBytes >= outputKb). Not closed here.
   *  Default: an Executor made on first need with `evalplusExecutorOptions`, closed when the conversion ends. */
  evalplusExecutor?: EvalPlusExecutor;
  evalplusExecutorOptions?: Pick<ExecutorOptions, 'python' | 'concurrency' | 'mode'>;
  /** Called for each input that gets no test, with the reason (also listed in the line's meta.skipped_inputs). */
  onSkippedInput?: (skip: EvalPlusSkippedInput) => void;
}

export interface EvalPlusSkippedInput {
  /** The line's id (`mbpp-plus/2`), and where the input was. */
  id: string;
  set: 'base' | 'plus';
  index: number;
  reason: string;
}

export interface EvalPlusStats extends ConvertStats {
  /** Inputs of the chosen sets in the records read. */
  inputs: number;
  /** Of those, inputs that became no test (each reported through onSkippedInput). */
  inputsSkipped: number;
  /** Input sets (a record's base or plus inputs) answered from the cache, and run in the sandbox. */
  cacheHits: number;
  cacheMisses: number;
  /** Sandboxed runs of canonical solutions (0 when everything came from the cache). */
  canonicalRuns: number;
}

/** Arguments and expected outputs are written as Python literals nested at most this deep (CPython's parser
 *  refuses about 200 nested brackets; the judge's wire 400). */
const MAX_DEPTH = 100;
/** An expected output whose literal is longer is skipped (the judge takes replies up to 16 MiB, type-tagged). */
const MAX_EXPECTED_BYTES = 4 << 20;
/** Inputs per sandboxed run of a canonical solution; a run that fails is retried one input at a time. */
const CHUNK = 20;
/** Limits of those runs: a chunk, and one input alone. */
const CHUNK_LIMITS = { cpuMs: 60_000, wallMs: 180_000, memoryMb: 1024, outputKb: 65_536 };
const SINGLE_LIMITS = { cpuMs: 20_000, wallMs: 60_000, memoryMb: 1024, outputKb: 65_536 };
/** evalplus's time limit per input: max(4 s, 4 x the canonical solution's time). */
const MIN_CPU_MS = 4000;
const TIME_FACTOR = 4;
/** Records whose canonical solutions run at once (their inputs' runs share the executor's slots). */
const BATCH = 8;
/** Bump when the printer or the cache entries change: older entries are then misses. */
const CACHE_VERSION = 1;
const MARK = '\x1everpo-evalplus ';

// ---------------------------------------------------------------------------------------------------------
// JSON that keeps what Python's json module sees: number lexemes (1.0 is a float, 10**30 exact), object key
// order and duplicates (the last value, at the first key's place), NaN/Infinity/-Infinity.

class JsonNumber {
  constructor(readonly lexeme: string) {}
}
class JsonObject {
  constructor(readonly entries: Map<string, Json>) {}
}
type Json = null | boolean | string | JsonNumber | Json[] | JsonObject;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseExactJson(text: string): Json {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const str = (): string => {
    let out = '';
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return out; }
      if (c < 0x20) fail('control character in a string');
      if (c !== 0x5c) {
        let j = i;
        while (j < text.length && text.charCodeAt(j) !== 0x22 && text.charCodeAt(j) !== 0x5c && text.charCodeAt(j) >= 0x20) j++;
        out += text.slice(i, j);
        i = j;
        continue;
      }
      const e = text[i + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e in simple) { out += simple[e]; i += 2; continue; }
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      fail('bad escape in a string');
    }
  };
  const value = (depth: number): Json => {
    if (depth > 10_000) fail('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map<string, Json>();
      ws();
      if (text[i] === '}') { i++; return new JsonObject(entries); }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const k = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        entries.set(k, value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return new JsonObject(entries); }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: Json[] = [];
      ws();
      if (text[i] === ']') { i++; return items; }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return items; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    for (const word of ['NaN', 'Infinity', '-Infinity']) {
      if (text.startsWith(word, i)) { i += word.length; return new JsonNumber(word); }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) fail('expected a value');
    i += m![0].length;
    return new JsonNumber(m![0]);
  };
  const v = value(0);
  ws();
  if (i < text.length) fail('text after the value');
  return v;
}

/** A value JSON.parse made (when the record's text is not at hand): numbers as JavaScript prints them. */
function fromPlainJson(v: unknown): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return new JsonNumber(Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
  if (Array.isArray(v)) return v.map(fromPlainJson);
  if (isRecord(v)) return new JsonObject(new Map(Object.entries(v).map(([k, x]) => [k, fromPlainJson(x)])));
  throw new TypeError(`not JSON: ${typeof v}`);
}

// ---------------------------------------------------------------------------------------------------------
// Python values, as literals.

type Py =
  | { k: 'none' } | { k: 'bool'; v: boolean } | { k: 'num'; lexeme: string } | { k: 'str'; v: string }
  /** a built value written as an expression (float(...), complex(...), bytes...): hashable, not iterable here */
  | { k: 'expr'; text: string; nan?: boolean }
  | { k: 'list' | 'tuple' | 'set' | 'frozenset'; items: Py[] }
  | { k: 'dict'; entries: [Py, Py][] };

/** A value evalplus's deserialization cannot make (Python would raise): the input is skipped with this. */
class NotBuildable extends Error {}

function fromJson(j: Json): Py {
  if (j === null) return { k: 'none' };
  if (typeof j === 'boolean') return { k: 'bool', v: j };
  if (typeof j === 'string') return { k: 'str', v: j };
  if (j instanceof JsonNumber) return { k: 'num', lexeme: j.lexeme };
  if (Array.isArray(j)) return { k: 'list', items: j.map(fromJson) };
  return { k: 'dict', entries: [...j.entries].map(([key, v]): [Py, Py] => [{ k: 'str', v: key }, fromJson(v)]) };
}

/** Python's str literal: JSON's escapes (\" \\ \n \t \uXXXX ...) mean the same in Python source. */
function pyStr(s: string): string {
  return JSON.stringify(s);
}

function isFloatLexeme(lexeme: string): boolean {
  return /[.eEIN]/.test(lexeme);
}

function numLiteral(lexeme: string): string {
  if (lexeme === 'NaN') return "float('nan')";
  if (lexeme === 'Infinity') return "float('inf')";
  if (lexeme === '-Infinity') return "float('-inf')";
  return lexeme;
}

export function pyLiteral(v: Py): string {
  switch (v.k) {
    case 'none': return 'None';
    case 'bool': return v.v ? 'True' : 'False';
    case 'num': return numLiteral(v.lexeme);
    case 'str': return pyStr(v.v);
    case 'expr': return v.text;
    case 'list': return `[${v.items.map(pyLiteral).join(', ')}]`;
    case 'tuple': return v.items.length === 1 ? `(${pyLiteral(v.items[0])},)` : `(${v.items.map(pyLiteral).join(', ')})`;
    case 'set': return v.items.length === 0 ? 'set()' : `{${v.items.map(pyLiteral).join(', ')}}`;
    case 'frozenset': return v.items.length === 0 ? 'frozenset()' : `frozenset({${v.items.map(pyLiteral).join(', ')}})`;
    case 'dict': return `{${v.entries.map(([k, x]) => `${pyLiteral(k)}: ${pyLiteral(x)}`).join(', ')}}`;
  }
}

function depthOf(v: Py): number {
  let deepest = 0;
  const stack: [Py, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    deepest = Math.max(deepest, d);
    if (x.k === 'list' || x.k === 'tuple' || x.k === 'set' || x.k === 'frozenset') for (const y of x.items) stack.push([y, d + 1]);
    else if (x.k === 'dict') for (const [a, b] of x.entries) stack.push([a, d + 1], [b, d + 1]);
  }
  return deepest;
}

function hasNaN(v: Py): boolean {
  switch (v.k) {
    case 'num': return v.lexeme === 'NaN';
    case 'expr': return v.nan === true;
    case 'list': case 'tuple': case 'set': case 'frozenset': return v.items.some(hasNaN);
    case 'dict': return v.entries.some(([a, b]) => hasNaN(a) || hasNaN(b));
    default: return false;
  }
}

function typeName(v: Py): string {
  if (v.k === 'num') return isFloatLexeme(v.lexeme) ? 'float' : 'int';
  if (v.k === 'none') return 'NoneType';
  return v.k === 'expr' ? 'object' : v.k;
}

/** Python's iteration of a value (for tuple(x), set(x)): a list's items, a str's characters, a dict's keys. */
function iterate(v: Py): Py[] {
  switch (v.k) {
    case 'list': case 'tuple': case 'set': case 'frozenset': return v.items;
    case 'str': return [...v.v].map((c): Py => ({ k: 'str', v: c }));
    case 'dict': return v.entries.map(([key]) => key);
    default: throw new NotBuildable(`'${typeName(v)}' object is not iterable`);
  }
}

function hashable(v: Py): boolean {
  if (v.k === 'list' || v.k === 'set' || v.k === 'dict') return false;
  if (v.k === 'tuple' || v.k === 'frozenset') return v.items.every(hashable);
  return true;
}

const py = {
  tuple: (v: Py): Py => ({ k: 'tuple', items: iterate(v) }),
  set: (v: Py): Py => {
    const items = iterate(v);
    const bad = items.find((x) => !hashable(x));
    if (bad !== undefined) throw new NotBuildable(`unhashable type: '${typeName(bad)}'`);
    return { k: 'set', items };
  },
  float: (v: Py): Py => {
    if (v.k === 'num') return isFloatLexeme(v.lexeme) ? v : { k: 'expr', text: `float(${v.lexeme})` };
    if (v.k === 'str') return { k: 'expr', text: `float(${pyStr(v.v)})`, nan: /^\s*[+-]?nan\s*$/i.test(v.v) };
    if (v.k === 'bool') return { k: 'expr', text: `float(${pyLiteral(v)})` };
    throw new NotBuildable(`float() argument must be a string or a real number, not '${typeName(v)}'`);
  },
  complex: (v: Py): Py => {
    if (v.k === 'num' || v.k === 'bool') return { k: 'expr', text: `complex(${pyLiteral(v)})`, nan: v.k === 'num' && v.lexeme === 'NaN' };
    if (v.k === 'str') return { k: 'expr', text: `complex(${pyStr(v.v)})`, nan: /nan/i.test(v.v) };
    throw new NotBuildable(`complex() first argument must be a string or a number, not '${typeName(v)}'`);
  },
  /** inp[i] of an argument list */
  at: (v: Py, i: number): Py => {
    const items = v.k === 'list' || v.k === 'tuple' ? v.items : null;
    if (items === null) throw new NotBuildable(`'${typeName(v)}' object is not subscriptable`);
    if (i >= items.length) throw new NotBuildable('list index out of range');
    return items[i];
  },
  /** inp[1:] */
  rest: (v: Py, from: number): Py[] => {
    if (v.k !== 'list' && v.k !== 'tuple') throw new NotBuildable(`'${typeName(v)}' object is not subscriptable`);
    return v.items.slice(from);
  },
  /** for x in inp (an argument list) */
  args: (v: Py): Py[] => iterate(v),
  items: (v: Py): [Py, Py][] => {
    if (v.k !== 'dict') throw new NotBuildable(`'${typeName(v)}' object has no attribute 'items'`);
    return v.entries;
  },
};

const list = (items: Py[]): Py => ({ k: 'list', items });
const tupleOf = (items: Py[]): Py => ({ k: 'tuple', items });

/** Lists made into tuples at every depth (not inside dicts): evalplus's rule for three MBPP+ tasks. */
function deepTuple(v: Py): Py {
  return v.k === 'list' ? tupleOf(v.items.map(deepTuple)) : v;
}

/**
 * MBPP+'s input deserialization (evalplus: data/mbpp.py, mbpp_deserialize_inputs), one input at a time: the
 * argument list that `fn(*inp)` receives. The task numbers and what each does are evalplus's facts; HumanEval+
 * inputs are plain JSON.
 */
function mbppRule(task: number): ((inp: Py) => Py) | null {
  const groups: [number[], (inp: Py) => Py][] = [
    [[2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740, 744, 809],
      (inp) => list(py.args(inp).map(py.tuple))],
    [[63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780],
      (inp) => list(py.args(inp).map((l) => list(iterate(l).map(py.tuple))))],
    [[75, 413, 444, 753], (inp) => list([list(iterate(py.at(inp, 0)).map(py.tuple)), py.at(inp, 1)])],
    [[106, 750], (inp) => list([py.at(inp, 0), py.tuple(py.at(inp, 1))])],
    [[115], (inp) => list([list(iterate(py.at(inp, 0)).map((item): Py =>
      (item.k === 'list' && item.items.length > 0 ? py.set(item) : { k: 'dict', entries: [] })))])],
    [[124], (inp) => tupleOf([py.float(py.at(inp, 0)), py.complex(py.at(inp, 1))])],
    [[250, 405, 446, 617, 720, 763, 808], (inp) => list([py.tuple(py.at(inp, 0)), py.at(inp, 1)])],
    [[259, 401, 445], (inp) => list(py.args(inp).map((l) => py.tuple(list(iterate(l).map(py.tuple)))))],
    [[278], (inp) => list([py.tuple(list(iterate(py.at(inp, 0)).map((item) => (item.k === 'list' ? py.tuple(item) : item))))])],
    [[307], (inp) => list([py.tuple(py.at(inp, 0)), py.at(inp, 1), py.at(inp, 2)])],
    [[722], (inp) => list([{ k: 'dict', entries: py.items(py.at(inp, 0)).map(([key, v]): [Py, Py] => [key, py.tuple(v)]) }, ...py.rest(inp, 1)])],
    [[252], (inp) => list([py.complex(py.at(inp, 0))])],
    [[580, 615, 791], deepTuple],
  ];
  for (const [ids, rule] of groups) if (ids.includes(task)) return rule;
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// The grader's comparison, as trusted Python for a line's setup (it also runs before the program, harmlessly).

type Oracle = 'exact' | 'any' | 'sum-div' | 'surface-area' | 'digit-distance' | 'set' | 'not-none' | 'find-zero';

/** evalplus's special oracles (eval/__init__.py, eval/_special_oracle.py), by entry point as evalplus keys them. */
function oracleOf(flavour: Flavour, entryPoint: string): Oracle {
  if (flavour === 'humaneval-plus') return entryPoint === 'find_zero' ? 'find-zero' : 'exact';
  if (entryPoint === 'are_equivalent') return 'any';
  if (entryPoint === 'sum_div') return 'sum-div';
  if (entryPoint === 'surface_Area') return 'surface-area';
  if (entryPoint === 'digit_distance_nums') return 'digit-distance';
  if (['similar_elements', 'find_char_long', 'common_in_nested_lists', 'extract_singly', 'larg_nnum', 'intersection_array',
    'find_dissimilar', 'Diff'].includes(entryPoint)) return 'set';
  if (['check_str', 'text_match_three', 'text_starta_endb'].includes(entryPoint)) return 'not-none';
  return 'exact';
}

const MATCH_HELPERS = `
def _verpo_evalplus_floats(x):
    # evalplus compares such expected outputs within 1e-6 even when the task's atol is 0
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


def _verpo_evalplus_close(out, exp, atol):
    # numpy.allclose(out, exp, rtol=1e-07, atol=atol) over lists/tuples of equal lengths
    seq = (list, tuple)
    if isinstance(exp, seq) or isinstance(out, seq):
        if not (isinstance(exp, seq) and isinstance(out, seq)) or len(out) != len(exp):
            return False
        return all(_verpo_evalplus_close(o, e, atol) for o, e in zip(out, exp))
    num = (int, float, complex)
    if not isinstance(out, num) or not isinstance(exp, num):
        return False
    try:
        if out == exp:
            return True
        if out != out or exp != exp or abs(out) == float('inf') or abs(exp) == float('inf'):
            return False
        return abs(out - exp) <= atol + 1e-07 * abs(exp)
    except (OverflowError, TypeError, ValueError):
        return False


def _verpo_evalplus_match(out, exp, exact=None):
    # one output as evalplus's grader checks it: equal, or (with a tolerance) the same type and length, close
    if exact is None:
        exact = out == exp
    atol = _VERPO_EVALPLUS_ATOL
    if atol == 0 and _verpo_evalplus_floats(exp):
        atol = 1e-06
    if not exact and atol != 0:
        if type(out) is not type(exp):
            return False
        if isinstance(exp, (list, tuple)) and len(out) != len(exp):
            return False
        return _verpo_evalplus_close(out, exp, atol)
    return bool(exact)
`;

const ORACLE_HELPERS: Record<Exclude<Oracle, 'exact'>, string> = {
  any: `
def _verpo_evalplus_any(out, exp):
    # Mbpp/164: evalplus accepts any output
    return _verpo_evalplus_match(out, exp, True)
`,
  'sum-div': `
def _verpo_evalplus_sum_div(out, exp):
    # Mbpp/295: evalplus also accepts 0
    return _verpo_evalplus_match(out, exp, out == exp or out == 0)
`,
  'surface-area': `
def _verpo_evalplus_surface_area(out, exp, args):
    # Mbpp/581: evalplus also accepts the area with the height taken as the pyramid's perpendicular height
    import math
    base, height = args
    slant = math.sqrt((base / 2) ** 2 + height ** 2)
    area = round(base ** 2 + 4 * (base * slant) / 2)
    return _verpo_evalplus_match(out, exp, out == exp or abs(out - area) <= _VERPO_EVALPLUS_ATOL)
`,
  'digit-distance': `
def _verpo_evalplus_digit_distance(out, exp, args):
    # Mbpp/558: evalplus also accepts the sum over the numbers zero-padded to one length
    a, b = str(args[0]), str(args[1])
    width = max(len(a), len(b))
    total = sum(abs(int(x) - int(y)) for x, y in zip(a.zfill(width), b.zfill(width)))
    return _verpo_evalplus_match(out, exp, out == exp or out == total)
`,
  set: `
def _verpo_evalplus_set(out, exp):
    # evalplus compares these tasks' outputs as sets
    return _verpo_evalplus_match(out, exp, set(out) == set(exp))
`,
  'not-none': `
def _verpo_evalplus_not_none(out, exp):
    # evalplus keeps only whether the canonical output is None (a bool output is compared as it is)
    return _verpo_evalplus_match(out, exp, out == exp if isinstance(out, bool) else exp == (out is not None))
`,
  'find-zero': `
def _verpo_evalplus_find_zero(out, args):
    # HumanEval/32: the output must be a root of the polynomial within atol
    import math
    return abs(sum(c * math.pow(out, i) for i, c in enumerate(args[0]))) <= _VERPO_EVALPLUS_ATOL
`,
};

function testCode(oracle: Oracle, entryPoint: string, args: string, expected: string): string {
  switch (oracle) {
    case 'exact': return `assert _verpo_evalplus_match(${entryPoint}(*${args}), ${expected})\n`;
    case 'any': return `assert _verpo_evalplus_any(${entryPoint}(*${args}), ${expected})\n`;
    case 'sum-div': return `assert _verpo_evalplus_sum_div(${entryPoint}(*${args}), ${expected})\n`;
    case 'set': return `assert _verpo_evalplus_set(${entryPoint}(*${args}), ${expected})\n`;
    case 'not-none': return `assert _verpo_evalplus_not_none(${entryPoint}(*${args}), ${expected})\n`;
    case 'surface-area': return `_verpo_args = ${args}\nassert _verpo_evalplus_surface_area(${entryPoint}(*_verpo_args), ${expected}, _verpo_args)\n`;
    case 'digit-distance': return `_verpo_args = ${args}\nassert _verpo_evalplus_digit_distance(${entryPoint}(*_verpo_args), ${expected}, _verpo_args)\n`;
    case 'find-zero': return `_verpo_args = ${args}\nassert _verpo_evalplus_find_zero(${entryPoint}(*_verpo_args), _verpo_args)\n`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The trusted printer: setup of the canonical solution's stdio run. It reads which inputs to run from stdin
// (before the program runs), calls the entry point on each (its prints go to a buffer), and writes one marked
// JSON line per input on the original stdout: the output as type-tagged builtin data and its CPU time, or why
// there is none.

const PRINTER = `
import sys as _verpo_sys
_verpo_evalplus_range = _verpo_sys.stdin.readline().split()
_verpo_evalplus_out = _verpo_sys.stdout


def _verpo_evalplus_report(entry, inputs):
    import io, json, time
    sys = _verpo_sys
    if hasattr(sys, 'set_int_max_str_digits'):
        sys.set_int_max_str_digits(0)

    class Refused(Exception):
        pass

    def name(t):
        return t.__qualname__ if t.__module__ == 'builtins' else '%s.%s' % (t.__module__, t.__qualname__)

    big = [0]

    def enc(v, depth):
        if depth > ${MAX_DEPTH}:
            raise Refused('a value nested deeper than ${MAX_DEPTH} levels')
        t = type(v)
        if v is None or t is bool:
            return v
        if t is int:
            bits = v.bit_length()
            if bits > 262144:
                raise Refused('an int of %d bits (the judge takes ints of at most 2**18 bits)' % bits)
            if bits > 1900:
                big[0] += bits
                if big[0] > 1048576:
                    raise Refused('more than 2**20 bits of big ints (the judge takes at most that per reply)')
            return {'i': str(v)}
        if t is float:
            return {'f': repr(v)}
        if t is complex:
            return {'c': [repr(v.real), repr(v.imag)]}
        if t is str:
            return {'s': v}
        if t is bytes:
            return {'b': v.hex()}
        if t is bytearray:
            return {'ba': v.hex()}
        if t is list or t is tuple or t is set or t is frozenset:
            tag = {list: 'l', tuple: 't', set: 'set', frozenset: 'fs'}[t]
            return {tag: [enc(x, depth + 1) for x in v]}
        if t is dict:
            return {'d': [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        raise Refused('an object of type %s, not builtin data' % name(t))

    def why(e):
        text = str(e)
        return name(type(e)) + (': ' + text[:300] if text else '')

    out = _verpo_evalplus_out
    out.write('\\n')
    fn = globals().get(entry)
    lo, hi = int(_verpo_evalplus_range[0]), int(_verpo_evalplus_range[1])
    for i in range(lo, hi):
        rec = {'i': i}
        args = None
        if not callable(fn):
            rec['skip'] = 'the canonical solution defines no function %s' % entry
        else:
            try:
                args = inputs[i]()
            except BaseException as e:
                rec['skip'] = 'building the input raised ' + why(e)
        if args is not None:
            sink = io.StringIO()
            saved = sys.stdout, sys.stderr
            sys.stdout = sys.stderr = sink
            err = None
            start = time.process_time()
            try:
                r = fn(*args)
            except BaseException as e:
                err = e
            ms = (time.process_time() - start) * 1000
            sys.stdout, sys.stderr = saved
            if err is not None:
                rec['skip'] = 'the canonical solution raised ' + why(err)
            else:
                big[0] = 0
                try:
                    rec['v'] = enc(r, 0)
                    rec['ms'] = round(ms, 3)
                except Refused as e:
                    rec['skip'] = 'the canonical solution returns ' + str(e)
        out.write(${JSON.stringify(MARK)} + json.dumps(rec) + '\\n')
        out.flush()
`;

/** The printer's tagged value -> a Python value (null when it is not one the printer writes: a corrupt cache). */
function fromTagged(t: unknown, depth = 0): Py | null {
  if (depth > MAX_DEPTH + 1) return null;
  if (t === null) return { k: 'none' };
  if (typeof t === 'boolean') return { k: 'bool', v: t };
  if (!isRecord(t)) return null;
  const keys = Object.keys(t);
  if (keys.length !== 1) return null;
  const [tag] = keys;
  const v = t[tag];
  const items = (): Py[] | null => {
    if (!Array.isArray(v)) return null;
    const out: Py[] = [];
    for (const x of v) {
      const p = fromTagged(x, depth + 1);
      if (p === null) return null;
      out.push(p);
    }
    return out;
  };
  switch (tag) {
    case 'i': return typeof v === 'string' && /^-?(0|[1-9]\d*)$/.test(v) ? { k: 'num', lexeme: v } : null;
    case 'f': return typeof v === 'string' ? floatFromRepr(v) : null;
    case 'c': {
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
      const [re, im] = [floatFromRepr(v[0]), floatFromRepr(v[1])];
      if (re === null || im === null) return null;
      return { k: 'expr', text: `complex(${pyLiteral(re)}, ${pyLiteral(im)})`, nan: hasNaN(re) || hasNaN(im) };
    }
    case 's': return typeof v === 'string' ? { k: 'str', v } : null;
    case 'b': case 'ba': {
      if (typeof v !== 'string' || !/^([0-9a-f]{2})*$/.test(v)) return null;
      const bytes = `b'${v.replace(/../g, (h) => `\\x${h}`)}'`;
      return { k: 'expr', text: tag === 'b' ? bytes : `bytearray(${bytes})` };
    }
    case 'l': case 't': case 'set': case 'fs': {
      const xs = items();
      if (xs === null) return null;
      return { k: ({ l: 'list', t: 'tuple', set: 'set', fs: 'frozenset' } as const)[tag], items: xs };
    }
    case 'd': {
      if (!Array.isArray(v)) return null;
      const entries: [Py, Py][] = [];
      for (const pair of v) {
        if (!Array.isArray(pair) || pair.length !== 2) return null;
        const [a, b] = [fromTagged(pair[0], depth + 1), fromTagged(pair[1], depth + 1)];
        if (a === null || b === null) return null;
        entries.push([a, b]);
      }
      return { k: 'dict', entries };
    }
    default: return null;
  }
}

function floatFromRepr(r: string): Py | null {
  if (r === 'nan') return { k: 'num', lexeme: 'NaN' };
  if (r === 'inf') return { k: 'num', lexeme: 'Infinity' };
  if (r === '-inf') return { k: 'num', lexeme: '-Infinity' };
  return /^-?(\d+\.\d+(e[+-]\d+)?|\d+e[+-]\d+)$/.test(r) ? { k: 'num', lexeme: r } : null;
}

// ---------------------------------------------------------------------------------------------------------
// Records.

type Flavour = 'mbpp-plus' | 'humaneval-plus';
type SetName = 'base' | 'plus';

/** One input: the argument tuple as a literal, or why it has none. */
type Input = { args: string } | { skip: string };

interface Task {
  ref: RecordRef;
  id: string;
  flavour: Flavour;
  taskId: string;
  prompt: string;
  entryPoint: string;
  /** What evalplus runs for the expected outputs, and the reference rollout: prompt + canonical_solution. */
  program: string;
  atol: string;
  contract: string | undefined;
  oracle: Oracle;
  sets: { name: SetName; inputs: Input[] }[];
}

/** A cached or computed outcome per input of a set: the expected output (tagged) and its CPU time, or why none. */
type Outcome = { v: unknown; ms: number } | { skip: string };

function field(rec: Map<string, Json>, key: string, ref: RecordRef): Json {
  if (!rec.has(key)) throw new DatasetRecordError(ref, key, 'expected a value, got missing');
  return rec.get(key)!;
}

function stringField(rec: Map<string, Json>, key: string, ref: RecordRef): string {
  const v = field(rec, key, ref);
  if (typeof v !== 'string') throw new DatasetRecordError(ref, key, `expected a string, got ${describeJson(v)}`);
  return v;
}

function describeJson(v: Json): string {
  if (v instanceof JsonNumber) return `number ${v.lexeme}`;
  if (v instanceof JsonObject) return 'an object';
  return describeValue(v);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseTask(raw: RawRecord, options: ConvertRunOptions): Task {
  const ref = raw.ref;
  let json: Json;
  if (raw.text !== undefined) {
    try {
      json = parseExactJson(raw.text);
    } catch (e) {
      if ('error' in raw) throw raw.error;
      throw new DatasetRecordError(ref, 'line', `not valid JSON (${(e as Error).message})`);
    }
  } else {
    if ('error' in raw) throw raw.error;
    json = fromPlainJson(raw.value);
  }
  if (!(json instanceof JsonObject)) throw new DatasetRecordError(ref, 'record', `expected a JSON object, got ${describeJson(json)}`);
  const rec = json.entries;
  const taskId = stringField(rec, 'task_id', ref);
  const m = /^(Mbpp|HumanEval)\/(\d+)$/.exec(taskId);
  if (m === null) throw new DatasetRecordError(ref, 'task_id', `expected Mbpp/<n> (MBPP+) or HumanEval/<n> (HumanEval+), got ${JSON.stringify(taskId)}`);
  const flavour: Flavour = m[1] === 'Mbpp' ? 'mbpp-plus' : 'humaneval-plus';
  const prompt = stringField(rec, 'prompt', ref);
  const entryPoint = stringField(rec, 'entry_point', ref);
  if (!IDENTIFIER.test(entryPoint)) throw new DatasetRecordError(ref, 'entry_point', `expected a Python name, got ${JSON.stringify(entryPoint)}`);
  const canonical = stringField(rec, 'canonical_solution', ref);
  const atolJson = field(rec, 'atol', ref);
  if (!(atolJson instanceof JsonNumber) || /N|I/.test(atolJson.lexeme) || atolJson.lexeme.startsWith('-')) {
    throw new DatasetRecordError(ref, 'atol', `expected a number >= 0, got ${describeJson(atolJson)}`);
  }
  const contractJson = rec.get('contract');
  if (contractJson !== undefined && contractJson !== null && typeof contractJson !== 'string') {
    throw new DatasetRecordError(ref, 'contract', `expected a string, got ${describeJson(contractJson)}`);
  }
  const which = options.evalplusTests ?? 'all';
  const names: SetName[] = which === 'all' ? ['base', 'plus'] : [which];
  const rule = flavour === 'mbpp-plus' ? mbppRule(Number(m[2])) : null;
  const sets = names.map((name) => {
    const key = `${name}_input`;
    const list = field(rec, key, ref);
    if (!Array.isArray(list)) throw new DatasetRecordError(ref, key, `expected an array of inputs, got ${describeJson(list)}`);
    return { name, inputs: list.map((inp) => buildInput(inp, rule)) };
  });
  const id = `${options.idPrefix ?? flavour}/${m[2]}`;
  return {
    ref, id, flavour, taskId, prompt, entryPoint, program: prompt + canonical, atol: atolJson.lexeme,
    contract: typeof contractJson === 'string' ? contractJson : undefined, oracle: oracleOf(flavour, entryPoint), sets,
  };
}

function buildInput(inp: Json, rule: ((inp: Py) => Py) | null): Input {
  let built = fromJson(inp);
  try {
    if (rule !== null) built = rule(built);
  } catch (e) {
    if (!(e instanceof NotBuildable)) throw e;
    return { skip: `evalplus's deserialization of this task's inputs fails on it: ${e.message}` };
  }
  let args: Py;
  try {
    args = tupleOf(iterate(built));
  } catch (e) {
    if (!(e instanceof NotBuildable)) throw e;
    return { skip: `it is not an argument list: fn(*input) fails (${e.message})` };
  }
  if (depthOf(args) > MAX_DEPTH) return { skip: `its arguments are nested deeper than ${MAX_DEPTH} levels` };
  return { args: pyLiteral(args) };
}

// ---------------------------------------------------------------------------------------------------------
// Expected outputs: the cache, and runs of the canonical solutions.

/** The OS's cache directory for verpo's evalplus outputs: $XDG_CACHE_HOME (or ~/.cache)/verpo/evalplus on
 *  Linux, ~/Library/Caches/verpo/evalplus on macOS, %LOCALAPPDATA%\verpo\evalplus on Windows. */
export function defaultEvalPlusCacheDir(): string {
  const env = process.env;
  let base: string;
  if (process.platform === 'darwin') base = path.join(homedir(), 'Library', 'Caches');
  else if (process.platform === 'win32') base = env.LOCALAPPDATA ?? path.join(homedir(), 'AppData', 'Local');
  else base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  return path.join(base, 'verpo', 'evalplus');
}

class OutputCache {
  constructor(private readonly dir: string | null) {}

  static key(task: Task, args: string[]): string {
    return createHash('sha256').update(JSON.stringify([CACHE_VERSION, task.program, task.entryPoint, args])).digest('hex');
  }

  private file(key: string): string {
    return path.join(this.dir!, key.slice(0, 2), `${key}.json`);
  }

  get(key: string, n: number): Outcome[] | null {
    if (this.dir === null) return null;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(this.file(key), 'utf8'));
    } catch {
      return null;
    }
    if (!isRecord(data) || data.version !== CACHE_VERSION || !Array.isArray(data.outcomes) || data.outcomes.length !== n) return null;
    const outcomes = data.outcomes as unknown[];
    for (const o of outcomes) {
      if (!isRecord(o)) return null;
      if (typeof o.skip === 'string') continue;
      if (typeof o.ms !== 'number' || !Number.isFinite(o.ms) || !('v' in o) || fromTagged(o.v) === null) return null;
    }
    return outcomes as Outcome[];
  }

  put(key: string, taskId: string, outcomes: Outcome[]): void {
    if (this.dir === null) return;
    const file = this.file(key);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: CACHE_VERSION, task_id: taskId, outcomes }));
    renameSync(tmp, file);
  }
}

interface Runner {
  executor(): Promise<EvalPlusExecutor>;
  stats: EvalPlusStats;
}

/** Marked lines of a run's stdout -> outcomes by input index. */
function readOutcomes(stdout: string | undefined, into: Map<number, Outcome>): void {
  for (const line of (stdout ?? '').split('\n')) {
    if (!line.startsWith(MARK)) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line.slice(MARK.length));
    } catch {
      continue;
    }
    if (!isRecord(rec) || typeof rec.i !== 'number') continue;
    if (typeof rec.skip === 'string') into.set(rec.i, { skip: rec.skip });
    else if ('v' in rec && typeof rec.ms === 'number') into.set(rec.i, { v: rec.v, ms: rec.ms });
  }
}

/** Why a run of the canonical solution gave no output for an input. */
function failure(cell: TestResult | undefined, compile: RunResult['compile'], limits: typeof SINGLE_LIMITS): string {
  if (!compile.ok) return `the canonical solution does not compile: ${compile.message ?? ''}`.trim();
  if (cell === undefined) return 'the canonical solution was not run';
  switch (cell.verdict) {
    case 'TLE': return `the canonical solution ran past ${cell.limit === 'wall' ? `${limits.wallMs / 1000} s of wall time` : `${limits.cpuMs / 1000} s of CPU`} on it`;
    case 'MLE': return `the canonical solution used more than ${limits.memoryMb} MB on it`;
    case 'OLE': return 'the canonical solution\'s output on it is past the output limit';
    case 'SV': return `the canonical solution made a system call the sandbox refuses (${cell.syscall ?? cell.detail ?? ''})`;
    case 'RE': return `the canonical solution's process failed on it (${cell.detail ?? `exit ${cell.exitCode ?? cell.signal}`})`;
    default:
      if (cell.truncated) return 'its output is longer than the executor keeps (excerptBytes)';
      return 'the canonical solution ended its process before reporting the output';
  }
}

/** Expected outcomes for one set's runnable inputs: from the cache, else run (chunks, then single inputs). */
async function outcomesFor(task: Task, args: string[], cache: OutputCache, runner: Runner): Promise<Outcome[]> {
  if (args.length === 0) return [];
  const key = OutputCache.key(task, args);
  const hit = cache.get(key, args.length);
  if (hit !== null) {
    runner.stats.cacheHits++;
    return hit;
  }
  runner.stats.cacheMisses++;
  const ex = await runner.executor();
  const code = `${task.program}\n\n_verpo_evalplus_report(${pyStr(task.entryPoint)}, [\n${args.map((a) => `    lambda: ${a},\n`).join('')}])\n`;
  const run = async (ranges: [number, number][], limits: typeof SINGLE_LIMITS) => {
    runner.stats.canonicalRuns += ranges.length;
    return ex.run({
      language: 'python', code, setup: PRINTER, limits, cache: false,
      tests: ranges.map(([lo, hi]) => ({ type: 'stdio', stdin: `${lo} ${hi}\n`, stdout: '' })),
    });
  };
  const got = new Map<number, Outcome>();
  const chunks: [number, number][] = [];
  for (let lo = 0; lo < args.length; lo += CHUNK) chunks.push([lo, Math.min(args.length, lo + CHUNK)]);
  const first = await run(chunks, CHUNK_LIMITS);
  let internal = false;
  const missing: number[] = [];
  chunks.forEach(([lo, hi], c) => {
    readOutcomes(first.tests[c]?.stdout, got);
    for (let i = lo; i < hi; i++) if (!got.has(i)) missing.push(i);
  });
  if (missing.length > 0 && first.compile.ok) {
    const again = await run(missing.map((i) => [i, i + 1]), SINGLE_LIMITS);
    missing.forEach((i, j) => {
      const cell = again.tests[j];
      readOutcomes(cell?.stdout, got);
      if (got.has(i)) return;
      if (cell?.verdict === 'IE') internal = true;
      got.set(i, { skip: failure(cell, again.compile, SINGLE_LIMITS) });
    });
  } else {
    for (const i of missing) got.set(i, { skip: failure(first.tests[0], first.compile, CHUNK_LIMITS) });
  }
  const outcomes = args.map((_, i) => got.get(i)!);
  // an internal error is never the dataset's: it is not kept, so the next conversion tries again
  if (!internal) cache.put(key, task.taskId, outcomes);
  return outcomes;
}

// ---------------------------------------------------------------------------------------------------------
// Lines.

function buildLine(task: Task, outcomes: Outcome[][], options: ConvertRunOptions, stats: EvalPlusStats): ContractLine {
  const tests: AssertTest[] = [];
  const skipped: { set: SetName; index: number; reason: string }[] = [];
  const counts: Record<string, number> = {};
  let slowest = 0;
  task.sets.forEach((set, s) => {
    let runnable = 0;
    let made = 0;
    set.inputs.forEach((input, index) => {
      const skip = (reason: string) => skipped.push({ set: set.name, index, reason });
      if ('skip' in input) return skip(input.skip);
      const o = outcomes[s][runnable++];
      if ('skip' in o) return skip(o.skip);
      const raw = fromTagged(o.v)!;
      let expected = raw;
      if (task.oracle === 'not-none') expected = { k: 'bool', v: raw.k !== 'none' };
      else if (task.oracle !== 'any' && task.oracle !== 'find-zero' && hasNaN(raw)) {
        return skip('the expected output holds a NaN, which evalplus\'s comparison never matches');
      }
      const literal = pyLiteral(expected);
      if (literal.length > MAX_EXPECTED_BYTES) return skip(`the expected output's literal is ${literal.length} bytes, past this converter's ${MAX_EXPECTED_BYTES} bytes`);
      slowest = Math.max(slowest, o.ms);
      made++;
      tests.push({ type: 'assert', code: testCode(task.oracle, task.entryPoint, input.args, literal) });
    });
    counts[`${set.name}_inputs`] = set.inputs.length;
    counts[`${set.name}_tests`] = made;
  });
  stats.inputsSkipped += skipped.length;
  for (const s of skipped) options.onSkippedInput?.({ id: task.id, ...s });
  if (tests.length === 0) {
    const first = skipped[0];
    throw new DatasetRecordError(task.ref, `${first?.set ?? 'base'}_input`,
      first === undefined ? 'has no inputs: the problem has no tests' : `every input was skipped (${first.set}[${first.index}]: ${first.reason})`);
  }
  const imports = topLevelImports(task.prompt);
  const setup = [
    ...(imports ? [imports, ''] : []),
    `_VERPO_EVALPLUS_ATOL = ${task.atol}`,
    MATCH_HELPERS.trimEnd(),
    ...(task.oracle === 'exact' ? [] : ['', ORACLE_HELPERS[task.oracle].trimEnd()]),
    '',
  ].join('\n');
  const rollouts = options.withSolutions ? (options.maxSolutions === undefined || options.maxSolutions > 0 ? [task.program] : []) : [];
  const cpu = Math.max(MIN_CPU_MS, Math.ceil(TIME_FACTOR * slowest));
  return {
    id: task.id,
    language: 'python',
    prompt: task.prompt,
    setup,
    tests,
    ...(rollouts.length ? { rollouts } : {}),
    ...(options.datasetLimits === false ? {} : { limits: { cpu_ms: cpu, wall_ms: 3 * cpu } }),
    meta: {
      dataset: task.flavour,
      task_id: task.taskId,
      entry_point: task.entryPoint,
      atol: Number(task.atol),
      ...(task.oracle === 'exact' ? {} : { oracle: task.oracle }),
      evalplus_tests: options.evalplusTests ?? 'all',
      ...counts,
      skipped_inputs: skipped,
      ...(task.contract !== undefined ? { contract: task.contract } : {}),
      ...(rollouts.length ? { solution_correct: [true] } : {}),
    },
  };
}

function emptyStats(): EvalPlusStats {
  return {
    records: 0, converted: 0, skipped: 0, rollouts: 0, withoutSolutions: 0, tests: 0,
    inputs: 0, inputsSkipped: 0, cacheHits: 0, cacheMisses: 0, canonicalRuns: 0,
  };
}

export interface EvalPlusConversion extends AsyncIterable<ContractLine> {
  readonly stats: EvalPlusStats;
}

/**
 * evalplus records -> contract lines, in order. Malformed records are DatasetRecordErrors (thrown, or passed
 * to onError and counted as skipped, as for every converter); skipped inputs go to onSkippedInput.
 */
export function convertEvalPlusRecords(records: AsyncIterable<RawRecord> | Iterable<RawRecord>, options: ConvertRunOptions = {}): EvalPlusConversion {
  const stats = emptyStats();
  const which = options.evalplusTests ?? 'all';
  if (which !== 'all' && which !== 'base' && which !== 'plus') throw new TypeError(`evalplusTests must be 'base', 'plus' or 'all', got ${JSON.stringify(which)}`);
  const cache = new OutputCache(options.evalplusCache === false ? null : options.evalplusCache ?? defaultEvalPlusCacheDir());
  return {
    stats,
    async *[Symbol.asyncIterator]() {
      let owned: { close(): Promise<void> } | null = null;
      let made: Promise<EvalPlusExecutor> | null = null;
      const runner: Runner = {
        stats,
        executor: () => made ??= (async () => {
          if (options.evalplusExecutor !== undefined) return options.evalplusExecutor;
          const { Executor } = await import('../exec/executor');
          const ex = new Executor({
            ...options.evalplusExecutorOptions, cache: false, limits: CHUNK_LIMITS, excerptBytes: CHUNK_LIMITS.outputKb * 1024,
          });
          owned = ex;
          return ex;
        })(),
      };
      const ids = new Set<string>();
      const fail = (e: unknown) => {
        stats.skipped++;
        if (!(e instanceof DatasetRecordError) || options.onError === undefined) throw e;
        options.onError(e);
      };
      const flush = async function* (batch: Task[]) {
        const results = await Promise.all(batch.map((task) => Promise.all(task.sets.map((set) => {
          const args = set.inputs.flatMap((i) => ('args' in i ? [i.args] : []));
          return outcomesFor(task, args, cache, runner);
        }))));
        for (const [b, task] of batch.entries()) {
          let line: ContractLine;
          try {
            line = buildLine(task, results[b], options, stats);
            if (ids.has(line.id)) throw new DatasetRecordError(task.ref, 'id', `${JSON.stringify(line.id)} repeats an earlier record's id`);
          } catch (e) {
            fail(e);
            continue;
          }
          ids.add(line.id);
          stats.converted++;
          stats.tests += line.tests.length;
          stats.rollouts += line.rollouts?.length ?? 0;
          if (options.withSolutions && !line.rollouts?.length) stats.withoutSolutions++;
          yield line;
        }
      };
      try {
        let batch: Task[] = [];
        for await (const raw of records) {
          stats.records++;
          let task: Task;
          try {
            task = parseTask(raw, options);
          } catch (e) {
            fail(e);
            continue;
          }
          stats.inputs += task.sets.reduce((n, s) => n + s.inputs.length, 0);
          batch.push(task);
          if (batch.length >= BATCH) {
            yield* flush(batch);
            batch = [];
          }
        }
        yield* flush(batch);
      } finally {
        if (owned !== null) await (owned as { close(): Promise<void> }).close();
      }
    },
  };
}

/** The parsed record as evalplus's loader sees it (for tests and tools): each input's argument literal. */
export function evalPlusInputs(raw: RawRecord, options: ConvertRunOptions = {}): { id: string; set: SetName; inputs: Input[] }[] {
  const task = parseTask(raw, options);
  return task.sets.map((s) => ({ id: task.id, set: s.name, inputs: s.inputs }));
}
