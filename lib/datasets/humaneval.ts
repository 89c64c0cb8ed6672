// HumanEval (openai/human-eval, MIT) -> problems with one `assert` test per assert of `check(candidate)`.
//
// Upstream runs prompt + completion + test + `check(entry_point)` in one process, so one failing assert
// hides the rest and the whole problem is one bit. Here each top-level assert of check's body becomes its
// own test: the test's module-level preamble, then `def check(candidate):` holding every non-assert
// statement that precedes the assert (imports, helper values, prints) and the assert itself, then
// `check(<entry_point>)`. A compound statement holding asserts (a `for` loop over random cases) stays one
// test; `def`/`class` statements are always context. `assert True` (a debugging no-op in the dataset)
// is dropped: it would pass for any program that loads.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { AssertTest } from '../exec/types';

export interface HumanEvalRecord {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

export interface HumanEvalProblem {
  id: string;
  language: 'python';
  entryPoint: string;
  prompt: string;
  canonicalSolution: string;
  tests: AssertTest[];
}

/** Read HumanEval .jsonl or .jsonl.gz (detected by the gzip magic bytes). */
export function loadHumanEval(file: string): HumanEvalProblem[] {
  let buf = readFileSync(file);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return parseHumanEval(buf.toString('utf8'));
}

export function parseHumanEval(text: string): HumanEvalProblem[] {
  const out: HumanEvalProblem[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: HumanEvalRecord;
    try {
      rec = JSON.parse(line) as HumanEvalRecord;
    } catch (e) {
      throw new SyntaxError(`HumanEval line ${i + 1}: ${(e as Error).message}`);
    }
    for (const k of ['task_id', 'prompt', 'canonical_solution', 'test', 'entry_point'] as const) {
      if (typeof rec[k] !== 'string') throw new TypeError(`HumanEval line ${i + 1}: field ${k} must be a string`);
    }
    out.push({
      id: rec.task_id, language: 'python', entryPoint: rec.entry_point, prompt: rec.prompt,
      canonicalSolution: rec.canonical_solution, tests: splitCheck(rec.test, rec.entry_point),
    });
  });
  return out;
}

/** The program HumanEval grades: the prompt (signature, docstring, helpers) followed by the completion. */
export function humanEvalProgram(problem: Pick<HumanEvalProblem, 'prompt'>, completion: string): string {
  return problem.prompt + completion;
}

/** A logical line of Python: physical lines joined by brackets, strings and backslashes. */
interface LogicalLine {
  first: number; // index of the first physical line
  last: number;  // index of the last physical line
  indent: number;
  text: string;  // first physical line, stripped
}

/** Python-aware grouping of physical lines into logical lines; blank and comment-only lines are skipped. */
export function logicalLines(source: string): { lines: string[]; logical: LogicalLine[] } {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  const logical: LogicalLine[] = [];
  let depth = 0;
  let quote: string | null = null; // the open string's delimiter (', ", ''' or """)
  let start = -1;
  let continued = false;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li];
    const fresh = start < 0;
    if (fresh) {
      const stripped = line.trim();
      if (stripped === '' || stripped.startsWith('#')) continue;
      start = li;
    }
    continued = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quote !== null) {
        if (ch === '\\') { i++; continue; }
        if (line.startsWith(quote, i)) { i += quote.length - 1; quote = null; }
        continue;
      }
      if (ch === '#') break;
      if (ch === '"' || ch === "'") {
        const triple = line.startsWith(ch.repeat(3), i);
        quote = triple ? ch.repeat(3) : ch;
        if (triple) i += 2;
        continue;
      }
      if ('([{'.includes(ch)) depth++;
      else if (')]}'.includes(ch)) depth = Math.max(0, depth - 1);
      else if (ch === '\\' && i === line.length - 1) continued = true;
    }
    if (quote !== null && quote.length === 1) quote = null; // an unterminated short string ends at the line
    if (depth === 0 && quote === null && !continued) {
      const first = lines[start];
      logical.push({ first: start, last: li, indent: first.length - first.trimStart().length, text: first.trim() });
      start = -1;
    }
  }
  if (start >= 0) {
    const first = lines[start];
    logical.push({ first: start, last: lines.length - 1, indent: first.length - first.trimStart().length, text: first.trim() });
  }
  return { lines, logical };
}

interface Statement { first: number; last: number; header: string; hasAssert: boolean }

const CHECK_DEF = /^def\s+check\s*\(\s*\w+\s*\)\s*(->\s*[^:]+)?:\s*(#.*)?$/;
const ASSERT = /^assert\b/;
const ASSERT_TRUE = /^assert\s+True\s*(,|$)/;
const DEFINITION = /^(async\s+def|def|class)\b|^@/;

/** One assert test per top-level assert (or assert-holding compound statement) of `check`. */
export function splitCheck(test: string, entryPoint: string): AssertTest[] {
  const { lines, logical } = logicalLines(test);
  const defIdx = logical.findIndex((l) => l.indent === 0 && CHECK_DEF.test(l.text));
  if (defIdx < 0) throw new SyntaxError(`HumanEval test for ${entryPoint}: no top-level def check(candidate):`);
  // check's body: the logical lines after the def, up to the next line at indent 0
  let end = defIdx + 1;
  while (end < logical.length && logical[end].indent > 0) end++;
  const body = logical.slice(defIdx + 1, end);
  if (body.length === 0) return [];
  const bodyIndent = body[0].indent;
  const statements: Statement[] = [];
  for (const l of body) {
    if (l.indent <= bodyIndent || statements.length === 0) {
      statements.push({ first: l.first, last: l.last, header: l.text, hasAssert: ASSERT.test(l.text) });
    } else {
      const s = statements[statements.length - 1];
      s.last = l.last;
      if (ASSERT.test(l.text)) s.hasAssert = true;
    }
  }
  const preamble = lines.slice(0, logical[defIdx].first).join('\n').trimEnd();
  const trailing = logical.slice(end)
    .filter((l) => !new RegExp(`^check\\s*\\(`).test(l.text))
    .map((l) => lines.slice(l.first, l.last + 1).join('\n'));
  const defLine = lines[logical[defIdx].first];
  const raw = (s: Statement) => lines.slice(s.first, s.last + 1).join('\n');
  const tests: AssertTest[] = [];
  const context: string[] = [];
  for (const s of statements) {
    const isUnit = s.hasAssert && !DEFINITION.test(s.header);
    if (!isUnit) {
      context.push(raw(s));
      continue;
    }
    if (ASSERT_TRUE.test(s.header)) continue;
    const code = [
      ...(preamble ? [preamble, ''] : []),
      defLine,
      ...context,
      raw(s),
      '',
      ...trailing,
      `check(${entryPoint})`,
      '',
    ].join('\n');
    tests.push({ type: 'assert', code });
  }
  return tests;
}
