// How tests written the way each dataset (and each trainer's data preparation) writes them become
// contract tests. One module for the dataset converters (apps.ts, livecodebench.ts) and for the server's
// routes, which get the same data as trainers' labels / ground truths (lib/server/labels.ts). The rules
// are listed in lib/datasets/README.md ("Labels and ground truths").
//
// Call-based tests come in two spellings:
//  - APPS/TACO: an input is the call's argument list (`[1, 2]`), an output is the returned value,
//    conventionally wrapped in a one-element list (`[3]`; unwrapped only when every output of the problem
//    is such a list: apps.ts quirk 2).
//  - LiveCodeBench (functional tests), DeepCoder rows, verl's sandbox_fusion `fn_name` mode and APPS rows
//    re-exported as text: an input is text with one JSON value per line, each a positional argument; an
//    output is the JSON text of the returned value (`"3"`, `"[0, 1]"`, `"true"`). Text outputs are parsed,
//    never compared as strings: a correct function returns 3, not "3".
// verl's `fn_name` wrapper prints str(result) for ints, floats and strings, so an output of that form that
// is not JSON (`abc`) means the string itself there (`outputText: 'json-or-text'`); LiveCodeBench always
// writes JSON (`'json'`: anything else is an error).
import type { CallTest, StdioTest, TestCase } from '../exec/types';
import { DatasetRecordError, type RecordRef } from './types';
import { describeValue, isRecord, type Rec } from './fields';
import { decodeLcbBlob } from './pickle-string';
import { isPythonIdentifier, LCB_PRELUDE, solutionMethodForwarder } from './python-preludes';

/** Reports a malformed field: each caller throws its own error type (DatasetRecordError, LabelError). */
export type Fail = (field: string, reason: string) => never;

/** The converters' Fail: a DatasetRecordError naming the record and the field. */
export function recordFail(ref: RecordRef): Fail {
  return (field, reason) => {
    throw new DatasetRecordError(ref, field, reason);
  };
}

export type OutputText = 'json' | 'json-or-text';

/** A call-based input: the argument list itself (APPS), or text with one JSON value per line (LCB, verl).
 *  Blank lines are not values (verl's stdin text often ends with a newline) and are skipped. */
export function callArguments(input: unknown, fn: string, field: string, fail: Fail): unknown[] {
  if (Array.isArray(input)) return input;
  if (typeof input !== 'string') return fail(field, `expected the argument list of a call to ${fn}, got ${describeValue(input)}`);
  const args: unknown[] = [];
  input.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      args.push(JSON.parse(line));
    } catch {
      fail(field, `line ${i + 1} of the input is not a JSON value: ${describeValue(line)}`);
    }
  });
  return args;
}

/** A call-based expected output given as text: the JSON text of the value (trailing newlines ignored). */
export function callExpectedText(output: string, field: string, fail: Fail, text: OutputText): unknown {
  try {
    return JSON.parse(output);
  } catch {
    if (text === 'json-or-text') return output.replace(/\n+$/, '');
    return fail(field, `expected a JSON value, got ${describeValue(output)}`);
  }
}

/** A stdio input or output: a string, an array of lines (APPS quirk 1: joined with "\n"), or null for
 *  empty stdin (verl sends None as ""). */
export function ioText(v: unknown, field: string, fail: Fail, nullIsEmpty = false): string {
  if (typeof v === 'string') return v;
  if (nullIsEmpty && (v === null || v === undefined)) return '';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  return fail(field, `expected a string (or an array of lines), got ${describeValue(v)}`);
}

export function checkFunctionName(fn: unknown, field: string, fail: Fail): string {
  if (typeof fn !== 'string' || !isPythonIdentifier(fn)) return fail(field, `expected a Python function name, got ${describeValue(fn)}`);
  return fn;
}

export interface IoOptions {
  /** Field prefix in messages ('input_output' for APPS rows, 'label' for labels). */
  field: string;
  /** How call outputs given as text are read (default 'json-or-text'). */
  outputText?: OutputText;
  /** stdio inputs may be null (empty stdin), as verl allows. */
  nullStdin?: boolean;
}

/**
 * `{"inputs", "outputs", "fn_name"?}` (APPS, TACO, verl's ground truth): stdio tests without fn_name, call
 * tests of fn_name with it. Inputs of either call spelling; outputs given as values follow APPS's
 * one-element-list convention (all unwrapped when every output is wrapped), outputs given as text are the
 * JSON text of the value.
 */
export function ioTests(io: Rec, fail: Fail, options: IoOptions): { tests: TestCase[]; fnName?: string; unwrapped: boolean } {
  const f = options.field;
  const { inputs, outputs } = io;
  if (!Array.isArray(inputs)) return fail(`${f}.inputs`, `expected an array, got ${describeValue(inputs)}`);
  if (!Array.isArray(outputs)) return fail(`${f}.outputs`, `expected an array, got ${describeValue(outputs)}`);
  if (inputs.length !== outputs.length) return fail(f, `${inputs.length} inputs but ${outputs.length} outputs`);
  if (inputs.length === 0) return fail(`${f}.inputs`, 'is empty: the problem has no tests');
  const fnName = io.fn_name;
  if (fnName === undefined || fnName === null || fnName === '') {
    const tests: StdioTest[] = inputs.map((x, i) => ({
      type: 'stdio',
      stdin: ioText(x, `${f}.inputs[${i}]`, fail, options.nullStdin),
      stdout: ioText(outputs[i], `${f}.outputs[${i}]`, fail),
    }));
    return { tests, unwrapped: false };
  }
  const fn = checkFunctionName(fnName, `${f}.fn_name`, fail);
  const unwrapped = outputs.every((o) => Array.isArray(o) && o.length === 1);
  const tests: CallTest[] = inputs.map((x, i) => {
    const args = callArguments(x, fn, `${f}.inputs[${i}]`, fail);
    const out = outputs[i];
    let expected: unknown;
    if (typeof out === 'string') expected = callExpectedText(out, `${f}.outputs[${i}]`, fail, options.outputText ?? 'json-or-text');
    else expected = unwrapped ? (out as unknown[])[0] : out;
    if (expected === undefined) return fail(`${f}.outputs[${i}]`, 'is missing');
    return { type: 'call', fn, args, expected };
  });
  return { tests, fnName: fn, unwrapped };
}

/**
 * One LiveCodeBench-style case `{input, output, testtype}` (LCB's public/private tests, DeepCoder's and
 * rLLM's `tests`, PrimeIntellect's cases): testtype "functional" (or none, when a function name is known)
 * is a call of the function, one JSON argument per input line (or an argument list), expecting the JSON
 * value of the output; "stdin" / "stdin_stdout" (or none) is a stdio test.
 */
export function caseTest(c: Rec, field: string, fail: Fail, fnName: () => string | undefined, typeRequired = false): TestCase {
  const type = c.testtype;
  const untyped = !typeRequired && (type === undefined || type === null);
  const functional = type === 'functional' || (untyped && fnName() !== undefined);
  if (functional) {
    const fn = fnName();
    if (fn === undefined) return fail(`${field}.metadata.func_name`, 'functional tests need a Python function name, got missing');
    const args = callArguments(c.input, fn, `${field}.input`, fail);
    // LCB's grader: json.loads(output) if it is a string, else the value as given
    const expected = typeof c.output === 'string' ? callExpectedText(c.output, `${field}.output`, fail, 'json') : c.output;
    if (expected === undefined) return fail(`${field}.output`, 'is missing');
    return { type: 'call', fn, args, expected };
  }
  if (type === 'stdin' || type === 'stdin_stdout' || untyped) {
    if (typeof c.input !== 'string') return fail(`${field}.input`, `expected a string, got ${describeValue(c.input)}`);
    if (typeof c.output !== 'string') return fail(`${field}.output`, `expected a string, got ${describeValue(c.output)}`);
    return { type: 'stdio', stdin: c.input, stdout: c.output };
  }
  return fail(`${field}.testtype`, `expected "stdin" or "functional", got ${describeValue(type)}`);
}

/** A case's own function name (rLLM puts `metadata.func_name` on each case, PrimeIntellect `fn_name`). */
function caseFunctionName(c: Rec): unknown {
  const m = c.metadata;
  if (isRecord(m) && m.func_name !== undefined && m.func_name !== null) return m.func_name;
  return c.fn_name ?? undefined;
}

/** LiveCodeBench's `public_test_cases` / `private_test_cases`: JSON text of the case list, or (private
 *  tests of newer releases) base64(zlib(pickle(that text))), read without unpickling (pickle-string.ts). */
export function lcbCases(v: unknown, field: string, fail: Fail): Rec[] {
  if (v === undefined || v === null) return [];
  let parsed: unknown = v;
  if (typeof v === 'string') {
    const text = v.trim();
    if (text === '') return [];
    let json = text;
    if (!text.startsWith('[')) {
      try {
        json = decodeLcbBlob(text);
      } catch (e) {
        return fail(field, `neither JSON nor base64(zlib(pickle(str))): ${(e as Error).message}`);
      }
    }
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      return fail(json === text ? field : `${field} (decoded)`, `not valid JSON (${(e as Error).message})`);
    }
  }
  if (!Array.isArray(parsed)) return fail(field, `expected an array of test cases, got ${describeValue(parsed)}`);
  return parsed.map((c, i) => {
    if (!isRecord(c)) return fail(`${field}[${i}]`, `expected {input, output, testtype}, got ${describeValue(c)}`);
    return c;
  });
}

// ---- labels: what trainers pass as a sample's ground truth ------------------------------------------

/** A label that cannot be turned into tests; `field` is relative to the label ("label.inputs[2]"). */
export class LabelError extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
  }
}

const labelFail: Fail = (field, reason) => {
  throw new LabelError(field, reason);
};

/** A group without programs, as the contract's input line holds it. */
export interface LabelGroup {
  tests: TestCase[];
  setup?: string;
  limits?: Record<string, unknown>;
  harness?: string;
}

const CONTRACT_TYPES = new Set(['assert', 'call', 'stdio']);

/** JSON text is parsed (datasets keep labels as text columns); values are taken as they are. */
function parsed(v: unknown, field: string): unknown {
  if (typeof v !== 'string') return v;
  if (v.trim() === '') return labelFail(field, 'is empty: expected the tests as JSON text');
  try {
    return JSON.parse(v);
  } catch (e) {
    return labelFail(field, `expected JSON text (the tests): ${(e as Error).message}`);
  }
}

/** Setup for call tests from labels: LCB's import prelude (verl's fn_name wrapper and LCB's grader put the
 *  same imports before the program: `List[int]` annotations need them) and the `Solution().fn` forwarder. */
function callSetup(fn: string): string {
  return LCB_PRELUDE + solutionMethodForwarder(fn);
}

/** Cases (each with the field that names it in messages) as one group: call tests of one function. */
function casesGroup(cases: Array<[unknown, string]>, field: string, groupFn: unknown): LabelGroup {
  if (cases.length === 0) return labelFail(field, 'is empty: the label has no tests');
  let fn: string | undefined;
  const tests = cases.map(([c, f]) => {
    if (!isRecord(c)) return labelFail(f, `expected a test case {input, output, testtype}, got ${describeValue(c)}`);
    const own = caseFunctionName(c) ?? groupFn;
    const name = () => (own === undefined ? undefined : checkFunctionName(own, `${f}.metadata.func_name`, labelFail));
    const t = caseTest(c, f, labelFail, name);
    if (t.type === 'call') {
      if (fn !== undefined && fn !== t.fn) return labelFail(`${f}.metadata.func_name`, `is ${t.fn}, but an earlier case calls ${fn}`);
      fn = t.fn;
    }
    return t;
  });
  return fn === undefined ? { tests, setup: LCB_PRELUDE } : { tests, setup: callSetup(fn) };
}

const indexed = (xs: unknown[], field: string): Array<[unknown, string]> => xs.map((c, i) => [c, `${field}[${i}]`]);

/** The function name a row keeps beside its cases: `fn_name`, or `metadata.func_name` (JSON text or object). */
function rowFunctionName(rec: Rec): unknown {
  if (rec.fn_name !== undefined && rec.fn_name !== null && rec.fn_name !== '') return rec.fn_name;
  let m = rec.metadata;
  if (typeof m === 'string') {
    try {
      m = JSON.parse(m);
    } catch {
      return labelFail('label.metadata', 'expected JSON text or an object');
    }
  }
  return isRecord(m) && m.func_name !== undefined && m.func_name !== null ? m.func_name : undefined;
}

function contractGroup(rec: Rec, tests: unknown[]): LabelGroup {
  const out: LabelGroup = { tests: tests as TestCase[] };
  if (typeof rec.setup === 'string') out.setup = rec.setup;
  if (isRecord(rec.limits)) out.limits = rec.limits;
  if (typeof rec.harness === 'string') out.harness = rec.harness;
  return out;
}

/** verl's ground truth: `{"inputs", "outputs", "fn_name"?, "assert_case"?}`. */
function verlGroup(rec: Rec): LabelGroup {
  const asserts = rec.assert_case;
  const tests: TestCase[] = [];
  let setup: string | undefined;
  const inputs = rec.inputs;
  const outputs = rec.outputs;
  // verl pairs assert_case[i] with inputs[i]/outputs[i] and pads them with "" and None: those pads are not
  // tests of their own
  const padded = Array.isArray(asserts) && Array.isArray(outputs) && outputs.every((o) => o === null || o === undefined);
  if (!padded && (inputs !== undefined || outputs !== undefined)) {
    const io = ioTests(rec, labelFail, { field: 'label', outputText: 'json-or-text', nullStdin: true });
    tests.push(...io.tests);
    if (io.fnName !== undefined) setup = callSetup(io.fnName);
  }
  if (Array.isArray(asserts)) {
    asserts.forEach((code, i) => {
      if (typeof code !== 'string' || code.trim() === '') labelFail(`label.assert_case[${i}]`, 'expected a string of Python statements');
      tests.push({ type: 'assert', code });
    });
  } else if (asserts !== undefined) {
    labelFail('label.assert_case', `expected an array of assert statements, got ${describeValue(asserts)}`);
  }
  if (tests.length === 0) return labelFail('label', 'has no tests: "inputs", "outputs" and "assert_case" are all empty');
  return setup === undefined ? { tests } : { tests, setup };
}

/**
 * A trainer's label / ground truth (a dataset column, JSON text or already parsed) as tests. Accepted forms:
 *  - verpo's own `{"tests": [contract tests], "setup"?, "limits"?, "harness"?}` (what `verpo convert` writes);
 *  - verl / APPS / TACO `{"inputs", "outputs", "fn_name"?, "assert_case"?}`, or an APPS row's
 *    `{"input_output": "<that as JSON text>"}`;
 *  - LiveCodeBench-style cases `[{"input", "output", "testtype", "metadata"?: {"func_name"}}]` (rLLM's and
 *    DeepCoder's ground truth, a DeepCoder row's `tests`), bare or as `{"tests": [...], "metadata"?}`
 *    (the function name from each case's metadata, the row's `fn_name` or its `metadata.func_name`);
 *  - a LiveCodeBench row (`public_test_cases` / `private_test_cases`, `metadata`).
 * An empty label, or one without tests, is a LabelError (the caller decides what that means on its route).
 */
export function testsFromLabel(label: unknown): LabelGroup {
  if (label === null || label === undefined) return labelFail('label', 'is missing: expected the tests');
  const v = parsed(label, 'label');
  if (Array.isArray(v)) return casesGroup(indexed(v, 'label'), 'label', undefined);
  if (!isRecord(v)) return labelFail('label', `expected a JSON object or an array of test cases, got ${describeValue(v)}`);
  if ('tests' in v) {
    const tests = parsed(v.tests, 'label.tests');
    if (!Array.isArray(tests)) return labelFail('label.tests', `expected an array of tests, got ${describeValue(tests)}`);
    if (tests.length === 0) return labelFail('label.tests', 'is empty: the label has no tests');
    const contract = tests.every((t) => isRecord(t) && typeof t.type === 'string' && CONTRACT_TYPES.has(t.type));
    return contract ? contractGroup(v, tests) : casesGroup(indexed(tests, 'label.tests'), 'label.tests', rowFunctionName(v));
  }
  if ('input_output' in v) {
    const io = parsed(v.input_output, 'label.input_output');
    if (!isRecord(io)) return labelFail('label.input_output', `expected {"inputs", "outputs"}, got ${describeValue(io)}`);
    return verlGroup({ ...io, ...(v.fn_name !== undefined && io.fn_name === undefined ? { fn_name: v.fn_name } : {}) });
  }
  if ('public_test_cases' in v || 'private_test_cases' in v) {
    const cases = [
      ...indexed(lcbCases(v.public_test_cases, 'label.public_test_cases', labelFail), 'label.public_test_cases'),
      ...indexed(lcbCases(v.private_test_cases, 'label.private_test_cases', labelFail), 'label.private_test_cases'),
    ];
    return casesGroup(cases, 'label.public_test_cases', rowFunctionName(v));
  }
  if ('inputs' in v || 'outputs' in v || 'assert_case' in v) return verlGroup(v);
  return labelFail('label', 'has no tests: expected "tests", "inputs"/"outputs", "assert_case", "input_output" or LiveCodeBench test cases');
}
