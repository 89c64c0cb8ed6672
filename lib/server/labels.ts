// What trainers that send one sample at a time give us, turned into a contract group: the program
// (from a model's completion) and the tests (from the sample's label / ground truth).
import { appsTests } from '../datasets/apps';
import { solutionMethodForwarder } from '../datasets/python-preludes';
import { DatasetRecordError } from '../datasets/types';
import { LineError } from '../pipeline/contract';

const FENCE = /```([^\n`]*)\n([\s\S]*?)```/g;

/**
 * The program in a completion: the last ```python block, else the last fenced block of any kind,
 * else the whole text (models that answer with bare code). Same preference as verl's extractor,
 * except that unfenced text is tried rather than scored 0: a non-program fails to compile anyway.
 */
export function extractProgram(completion: string): string {
  let lastPython: string | null = null;
  let lastAny: string | null = null;
  for (const m of completion.matchAll(FENCE)) {
    const lang = m[1].trim().toLowerCase();
    if (lang === 'python' || lang === 'py' || lang === 'python3') lastPython = m[2];
    lastAny = m[2];
  }
  return lastPython ?? lastAny ?? completion;
}

/** OpenRLHF sends prompt + response as `query`; the response is what follows the prompt. */
export function responseOf(query: string, prompt: string | undefined): string {
  if (prompt !== undefined && prompt !== '' && query.startsWith(prompt)) return query.slice(prompt.length);
  return query;
}

export interface LabelGroup {
  tests: unknown[];
  setup?: string;
  limits?: Record<string, unknown>;
}

function parseLabel(label: unknown): unknown {
  if (typeof label !== 'string') return label;
  try {
    return JSON.parse(label);
  } catch (e) {
    throw new LineError('label', `expected JSON text (a group's tests, or {"inputs","outputs"}): ${(e as Error).message}`);
  }
}

/** verl's call-based form gives each input as text, one JSON value per line, each a positional
 *  argument; APPS gives the argument list itself. Both become argument lists. */
function withCallArgs(rec: Record<string, unknown>): Record<string, unknown> {
  if (typeof rec.fn_name !== 'string' || !Array.isArray(rec.inputs)) return rec;
  const inputs = rec.inputs.map((x, i) => {
    if (typeof x !== 'string') return x;
    try {
      return x.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    } catch (e) {
      throw new LineError(`label.inputs[${i}]`, `expected one JSON value per line (the call's arguments): ${(e as Error).message}`);
    }
  });
  return { ...rec, inputs };
}

/**
 * A label is either a contract group without programs (`{"tests": [...], "setup"?, "limits"?}`,
 * as `verpo convert` writes) or verl's APPS-style ground truth (`{"inputs", "outputs", "fn_name"?,
 * "assert_case"?}`), as JSON text or an object.
 */
export function testsFromLabel(label: unknown): LabelGroup {
  const v = parseLabel(label);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new LineError('label', 'expected a JSON object');
  const rec = v as Record<string, unknown>;
  if (Array.isArray(rec.tests)) {
    const out: LabelGroup = { tests: rec.tests };
    if (typeof rec.setup === 'string') out.setup = rec.setup;
    if (typeof rec.limits === 'object' && rec.limits !== null) out.limits = rec.limits as Record<string, unknown>;
    return out;
  }
  const tests: unknown[] = [];
  let setup: string | undefined;
  if (Array.isArray(rec.inputs) && rec.inputs.length > 0) {
    try {
      const apps = appsTests(withCallArgs(rec), { dataset: 'apps', index: 0 });
      tests.push(...apps.tests);
      // verl calls the global function or Solution().<fn_name>: the forwarder covers the second case
      // and is replaced by the program's own top-level function when there is one.
      if (apps.fnName !== undefined) setup = solutionMethodForwarder(apps.fnName);
    } catch (e) {
      if (e instanceof DatasetRecordError) throw new LineError(`label.${e.field.replace(/^input_output\.?/, '') || 'inputs'}`, e.reason);
      throw e;
    }
  }
  if (Array.isArray(rec.assert_case)) {
    rec.assert_case.forEach((code, i) => {
      if (typeof code !== 'string') throw new LineError(`label.assert_case[${i}]`, 'expected a string of Python statements');
      tests.push({ type: 'assert', code });
    });
  }
  if (tests.length === 0) throw new LineError('label', 'has no tests: expected "tests", or "inputs"/"outputs", or "assert_case"');
  return setup === undefined ? { tests } : { tests, setup };
}
