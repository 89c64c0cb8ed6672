// CodeContests (DeepMind; data CC-BY-4.0) -> contract lines with stdio tests. Accepted shapes:
//  - the Hugging Face export / proto JSON with proto field names: `public_tests`, `private_tests`,
//    `generated_tests` as {input: [...], output: [...]}; `solutions` / `incorrect_solutions` either as
//    parallel arrays {language: [...], solution: [...]} (HF) or as [{language, solution}] (proto);
//    `time_limit` as {seconds, nanos} or a Duration string ("2s", "1.500s"); `memory_limit_bytes` as a number
//    or an int64 string;
//  - the same with protobuf's default lowerCamelCase JSON names (publicTests, incorrectSolutions, timeLimit...);
//  - SandboxFusion CommonOJ rows: {id, content, test: [{input: {stdin}, output: {stdout}}], canonical_solution?}.
// Tests keep the dataset's order: public, then private, then generated (`codeContestsTests` picks sets);
// `meta.tests` counts each set. Only Python 3 programs (language 3 = PYTHON3 in contest_problem.proto, or
// the enum name) become rollouts; Python 2 (language 1) is not runnable here. The time limit becomes
// limits.cpu_ms (wall_ms = 3 x cpu_ms) and memory_limit_bytes limits.memory_mb, unless datasetLimits is false.
// Outputs are compared as the contest judges compare them without a special checker: whitespace-separated
// tokens (Codeforces' default wcmp), numbers within 1e-6 absolute or relative (the usual checker for real
// outputs; integer tokens always exactly): `compare: 'tokens-float'`.
import { INTERACTIVE_REASON, isInteractive } from './interactive';
import type { StdioTest } from '../exec/types';
import { needsCheckerMeta } from './needs-checker';
import { asRecord, capped, describeValue, idPart, isRecord, lf, optStr, type Rec } from './fields';
import { DatasetRecordError, type ContractLimits, type ContractLine, type ConvertOptions, type RecordRef } from './types';

// 1 = PYTHON is Python 2 in the proto enum: not accepted, and neither is a bare "python" (ambiguous)
const PYTHON3 = new Set<unknown>([3, '3', 'PYTHON3', 'python3', 'Python3']);
type TestSet = 'public' | 'private' | 'generated';
const JUDGE_COMPARE = 'tokens-float' as const;
const SETS: readonly TestSet[] = ['public', 'private', 'generated'];
const CAMEL: Record<string, string> = {
  public_tests: 'publicTests', private_tests: 'privateTests', generated_tests: 'generatedTests',
  incorrect_solutions: 'incorrectSolutions', time_limit: 'timeLimit', memory_limit_bytes: 'memoryLimitBytes',
};

/** A field under its proto name or its lowerCamelCase JSON name. */
function get(rec: Rec, key: string): unknown {
  return rec[key] ?? (CAMEL[key] !== undefined ? rec[CAMEL[key]] : undefined);
}

function testSet(v: unknown, field: string, ref: RecordRef): StdioTest[] {
  if (v === undefined || v === null) return [];
  if (!isRecord(v)) throw new DatasetRecordError(ref, field, `expected {input: [...], output: [...]}, got ${describeValue(v)}`);
  const input = v.input ?? [];
  const output = v.output ?? [];
  if (!Array.isArray(input)) throw new DatasetRecordError(ref, `${field}.input`, `expected an array, got ${describeValue(input)}`);
  if (!Array.isArray(output)) throw new DatasetRecordError(ref, `${field}.output`, `expected an array, got ${describeValue(output)}`);
  if (input.length !== output.length) throw new DatasetRecordError(ref, field, `${input.length} inputs but ${output.length} outputs`);
  return input.map((x, i) => {
    if (typeof x !== 'string') throw new DatasetRecordError(ref, `${field}.input[${i}]`, `expected a string, got ${describeValue(x)}`);
    const y = output[i];
    if (typeof y !== 'string') throw new DatasetRecordError(ref, `${field}.output[${i}]`, `expected a string, got ${describeValue(y)}`);
    return { type: 'stdio', stdin: x, stdout: y, compare: JUDGE_COMPARE };
  });
}

/** Python 3 programs of a `solutions`-like field, in either the HF (parallel arrays) or proto (list) shape. */
function python3Solutions(v: unknown, field: string, ref: RecordRef): { kept: string[]; total: number } {
  if (v === undefined || v === null) return { kept: [], total: 0 };
  let pairs: [unknown, unknown][];
  if (Array.isArray(v)) {
    pairs = v.map((s, i) => {
      if (!isRecord(s)) throw new DatasetRecordError(ref, `${field}[${i}]`, `expected {language, solution}, got ${describeValue(s)}`);
      return [s.language, s.solution];
    });
  } else if (isRecord(v)) {
    const langs = v.language ?? [];
    const sols = v.solution ?? [];
    if (!Array.isArray(langs) || !Array.isArray(sols) || langs.length !== sols.length) {
      throw new DatasetRecordError(ref, field, 'expected {language: [...], solution: [...]} of equal lengths');
    }
    pairs = langs.map((l, i) => [l, sols[i]]);
  } else {
    throw new DatasetRecordError(ref, field, `expected solutions, got ${describeValue(v)}`);
  }
  const kept: string[] = [];
  pairs.forEach(([lang, sol], i) => {
    if (!PYTHON3.has(lang)) return;
    if (typeof sol !== 'string') throw new DatasetRecordError(ref, `${field}[${i}].solution`, `expected a program, got ${describeValue(sol)}`);
    kept.push(lf(sol));
  });
  return { kept, total: pairs.length };
}

/** Milliseconds of a proto Duration ({seconds, nanos} or "1.5s"); undefined when absent or zero. */
export function durationMs(v: unknown, field: string, ref: RecordRef): number | undefined {
  if (v === undefined || v === null) return undefined;
  let ms: number;
  if (typeof v === 'string') {
    const m = /^(\d+(?:\.\d+)?)s$/.exec(v.trim());
    if (!m) throw new DatasetRecordError(ref, field, `expected a duration like "2s", got ${describeValue(v)}`);
    ms = Number(m[1]) * 1000;
  } else if (isRecord(v)) {
    const s = Number(v.seconds ?? 0);
    const n = Number(v.nanos ?? 0);
    if (!Number.isFinite(s) || !Number.isFinite(n) || s < 0 || n < 0) {
      throw new DatasetRecordError(ref, field, `expected {seconds, nanos} >= 0, got ${JSON.stringify(v)}`);
    }
    ms = s * 1000 + n / 1e6;
  } else {
    throw new DatasetRecordError(ref, field, `expected a duration, got ${describeValue(v)}`);
  }
  return ms > 0 ? Math.round(ms) : undefined;
}

function memoryMb(v: unknown, field: string, ref: RecordRef): number | undefined {
  if (v === undefined || v === null) return undefined;
  const bytes = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) {
    throw new DatasetRecordError(ref, field, `expected a byte count, got ${describeValue(v)}`);
  }
  return bytes > 0 ? Math.ceil(bytes / (1 << 20)) : undefined;
}

function commonOjLine(rec: Rec, ref: RecordRef, options: ConvertOptions): ContractLine {
  const id = `${options.idPrefix ?? 'codecontests'}/${idPart(rec, 'id', ref)}`;
  const cases = rec.test;
  if (!Array.isArray(cases)) throw new DatasetRecordError(ref, 'test', `expected an array of cases, got ${describeValue(cases)}`);
  const tests: StdioTest[] = cases.map((c, i) => {
    const f = `test[${i}]`;
    if (!isRecord(c) || !isRecord(c.input) || !isRecord(c.output)) {
      throw new DatasetRecordError(ref, f, 'expected {input: {stdin}, output: {stdout}}');
    }
    if (typeof c.input.stdin !== 'string') throw new DatasetRecordError(ref, `${f}.input.stdin`, `expected a string, got ${describeValue(c.input.stdin)}`);
    if (typeof c.output.stdout !== 'string') throw new DatasetRecordError(ref, `${f}.output.stdout`, `expected a string, got ${describeValue(c.output.stdout)}`);
    return { type: 'stdio', stdin: c.input.stdin, stdout: c.output.stdout, compare: JUDGE_COMPARE };
  });
  if (tests.length === 0) throw new DatasetRecordError(ref, 'test', 'is empty: the problem has no tests');
  let rollouts: string[] = [];
  const canonical = rec.canonical_solution;
  if (options.withSolutions && isRecord(canonical)) {
    const py = canonical.python3 ?? canonical.python;
    if (Array.isArray(py)) rollouts = capped(py.filter((s): s is string => typeof s === 'string').map(lf), options.maxSolutions);
    else if (typeof py === 'string') rollouts = [lf(py)];
  }
  const content = optStr(rec, 'content', ref);
  if (isInteractive(content)) throw new DatasetRecordError(ref, 'content', INTERACTIVE_REASON);
  return {
    id,
    language: 'python',
    ...(content !== undefined ? { prompt: content } : {}),
    tests,
    ...(rollouts.length ? { rollouts } : {}),
    meta: {
      dataset: 'codecontests', shape: 'sandboxfusion-commonoj', tests: { sample: tests.length }, ...needsCheckerMeta(content),
      ...(isRecord(rec.labels) ? { labels: rec.labels } : {}),
      ...(rollouts.length ? { solution_correct: rollouts.map(() => true) } : {}),
    },
  };
}

export function convertCodeContestsRecord(raw: unknown, ref: RecordRef, options: ConvertOptions): ContractLine {
  const rec = asRecord(raw, ref);
  if (Array.isArray(rec.test) && get(rec, 'public_tests') === undefined) return commonOjLine(rec, ref, options);
  const id = `${options.idPrefix ?? 'codecontests'}/${idPart(rec, 'name', ref)}`;
  const wanted = options.codeContestsTests ?? SETS;
  const counts: Record<string, number> = {};
  const tests: StdioTest[] = [];
  for (const set of SETS) {
    const field = `${set}_tests`;
    const got = testSet(get(rec, field), field, ref); // every set is checked, kept or not
    counts[set] = got.length;
    if (wanted.includes(set)) tests.push(...got);
  }
  if (tests.length === 0) {
    throw new DatasetRecordError(ref, wanted.map((s) => `${s}_tests`).join('/'), 'hold no tests');
  }
  const correct = python3Solutions(rec.solutions, 'solutions', ref);
  const incorrect = python3Solutions(get(rec, 'incorrect_solutions'), 'incorrect_solutions', ref);
  const good = options.withSolutions ? capped(correct.kept, options.maxSolutions) : [];
  const bad = options.withIncorrectSolutions ? capped(incorrect.kept, options.maxSolutions) : [];
  const rollouts = [...good, ...bad];
  let limits: ContractLimits | undefined;
  if (options.datasetLimits !== false) {
    const cpu = durationMs(get(rec, 'time_limit'), 'time_limit', ref);
    const mem = memoryMb(get(rec, 'memory_limit_bytes'), 'memory_limit_bytes', ref);
    limits = { ...(cpu !== undefined ? { cpu_ms: cpu, wall_ms: 3 * cpu } : {}), ...(mem !== undefined ? { memory_mb: mem } : {}) };
    if (Object.keys(limits).length === 0) limits = undefined;
  }
  const meta: Record<string, unknown> = {
    dataset: 'codecontests',
    tests: counts,
    python3_solutions: { correct: correct.kept.length, incorrect: incorrect.kept.length },
  };
  for (const k of ['difficulty', 'source', 'cf_rating', 'cf_contest_id', 'cf_index']) {
    const v = rec[k] ?? rec[k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())];
    if (typeof v === 'string' || typeof v === 'number') meta[k] = v;
  }
  if (rollouts.length) meta.solution_correct = [...good.map(() => true), ...bad.map(() => false)];
  const description = optStr(rec, 'description', ref);
  if (isInteractive(description)) throw new DatasetRecordError(ref, 'description', INTERACTIVE_REASON);
  Object.assign(meta, needsCheckerMeta(description));
  return {
    id,
    language: 'python',
    ...(description !== undefined ? { prompt: description } : {}),
    tests,
    ...(rollouts.length ? { rollouts } : {}),
    ...(limits ? { limits } : {}),
    meta,
  };
}
