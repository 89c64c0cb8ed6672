// `verpo demo`: the main job on a bundled dataset, in one command. HumanEval (test/fixtures/humaneval,
// MIT) is converted with its canonical solutions, each problem gets a few wrong rollouts next to its
// canonical one, and the whole batch goes through score() exactly as `verpo score` runs it: the same
// progress view, the same summary, one scored JSONL line per problem.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { convertDatasetFile } from '../datasets';
import type { ContractLine } from '../datasets';
import type { OutputLine } from '../pipeline/contract';
import { score } from '../pipeline/score';
import { HELP } from './help';
import { LineWriter } from './io';
import { scoreOptions, UsageError } from './options';
import { ProgressView } from './progress';
import { formatSummary, SummaryBuilder } from './summary';

export const HUMANEVAL_FIXTURE = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'humaneval', 'HumanEval.jsonl.gz');
export const HUMANEVAL_PROBLEMS = 164;

/** What each rollout of a demo problem is, in order. The off-by-one edit is last because a problem
 *  whose canonical solution holds no integer literal has none (its group has three rollouts). */
export const DEMO_ROLLOUTS = ['canonical', 'return None', 'crash', 'off-by-one'] as const;
export type DemoRollout = (typeof DEMO_ROLLOUTS)[number];

/** Where the first plain decimal integer literal of a Python source is (not inside a string, a
 *  comment, a name, a float, an imaginary or a 0x/0o/0b literal), or null when there is none. */
export function firstIntegerLiteral(source: string): { start: number; end: number; value: bigint } | null {
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      i = skipString(source, i);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      // a name, or a string prefix (r'', b"", f'''...''', rb'' ...) glued to its quote
      let j = i;
      while (j < n && /[A-Za-z0-9_]/.test(source[j])) j++;
      if (j < n && (source[j] === '"' || source[j] === "'") && /^(r|u|b|f|br|rb|fr|rf)$/i.test(source.slice(i, j))) {
        i = skipString(source, j);
      } else {
        i = j;
      }
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^(?:0[xXoObB][0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?[jJ]?|\.[0-9][0-9_]*([eE][+-]?[0-9_]+)?[jJ]?)/.exec(source.slice(i))!;
      const text = m[0];
      if (/^[0-9][0-9_]*$/.test(text)) return { start: i, end: i + text.length, value: BigInt(text.replace(/_/g, '')) };
      i += text.length;
      continue;
    }
    i++;
  }
  return null;
}

/** The index just past the string literal whose opening quote is at `q` (single or triple quoted). */
function skipString(source: string, q: number): number {
  const quote = source[q];
  const triple = source.startsWith(quote.repeat(3), q);
  const close = triple ? quote.repeat(3) : quote;
  let i = q + close.length;
  while (i < source.length) {
    if (source[i] === '\\') {
      i += 2;
      continue;
    }
    if (source.startsWith(close, i)) return i + close.length;
    if (!triple && source[i] === '\n') return i; // unterminated: the line ends it
    i++;
  }
  return i;
}

/** The canonical solution with its first integer literal one higher (`range(1, n)` -> `range(2, n)`,
 *  `= 0` -> `= 1`), and a description of the edit; null when the solution has no integer literal. */
export function offByOne(solution: string): { code: string; edit: string } | null {
  const lit = firstIntegerLiteral(solution);
  if (lit === null) return null;
  const before = solution.slice(lit.start, lit.end);
  const after = String(lit.value + 1n);
  const line = solution.slice(0, lit.start).split('\n').length;
  return { code: solution.slice(0, lit.start) + after + solution.slice(lit.end), edit: `${before} -> ${after} on line ${line} of the solution` };
}

/** A HumanEval contract line (converted with its canonical solution) with the demo's rollouts:
 *  the canonical program, a body of `return None`, a body that crashes (IndexError on every call),
 *  and, when the solution has an integer literal, the canonical with that literal off by one. */
export function demoGroup(line: ContractLine): { group: ContractLine; kinds: DemoRollout[]; edit: string | null } {
  const prompt = line.prompt;
  const canonical = line.rollouts?.[0];
  if (typeof prompt !== 'string' || typeof canonical !== 'string' || !canonical.startsWith(prompt)) {
    throw new Error(`${line.id}: expected a HumanEval line converted with its canonical solution`);
  }
  const solution = canonical.slice(prompt.length);
  const rollouts = [canonical, `${prompt}    return None\n`, `${prompt}    return [][0]  # crashes: IndexError\n`];
  const kinds: DemoRollout[] = ['canonical', 'return None', 'crash'];
  const edited = offByOne(solution);
  if (edited) {
    rollouts.push(prompt + edited.code);
    kinds.push('off-by-one');
  }
  return { group: { ...line, rollouts, meta: { ...line.meta, demo_rollouts: kinds, ...(edited ? { off_by_one: edited.edit } : {}) } }, kinds, edit: edited?.edit ?? null };
}

/** The first `limit` HumanEval problems of the bundled fixture as demo groups. */
export async function demoGroups(limit = HUMANEVAL_PROBLEMS, file = HUMANEVAL_FIXTURE): Promise<ReturnType<typeof demoGroup>[]> {
  const out: ReturnType<typeof demoGroup>[] = [];
  for await (const line of convertDatasetFile('humaneval', file, { withSolutions: true })) {
    if (out.length >= limit) break;
    out.push(demoGroup(line));
  }
  return out;
}

function firstFew(items: string[], n = 5): string {
  return items.slice(0, n).join(', ') + (items.length > n ? `, and ${items.length - n} more` : '');
}

function solved(row: { passed: number[] }): boolean {
  return row.passed.every((p) => p === 1);
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      problems: { type: 'string' },
      out: { type: 'string', short: 'o' },
      concurrency: { type: 'string' },
      python: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP.demo + '\n');
    return 0;
  }
  if (positionals.length) throw new UsageError(`demo takes no positional arguments (got ${positionals.join(' ')})`);
  let limit = HUMANEVAL_PROBLEMS;
  if (values.problems !== undefined) {
    const x = Number(values.problems);
    if (values.problems.trim() === '' || !Number.isInteger(x) || x < 1) throw new UsageError(`--problems ${values.problems}: expected an integer >= 1`);
    limit = Math.min(x, HUMANEVAL_PROBLEMS);
  }
  const options = scoreOptions({ concurrency: values.concurrency, python: values.python }, 'score');
  if (!fs.existsSync(HUMANEVAL_FIXTURE)) throw new Error(`the bundled HumanEval fixture is missing (${HUMANEVAL_FIXTURE}): reinstall the package`);
  const out = values.out ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'verpo-demo-')), 'humaneval-scored.jsonl');
  const quiet = Boolean(values.quiet);
  const say = (s: string) => {
    if (!quiet) process.stderr.write(s + '\n');
  };

  const demo = await demoGroups(limit);
  const rollouts = demo.reduce((n, d) => n + d.group.rollouts!.length, 0);
  const edited = demo.filter((d) => d.edit).length;
  say(`verpo demo: ${demo.length} HumanEval problems (bundled, MIT), ${rollouts} rollouts, scored into ${out}`);
  say(`  per problem: its canonical solution, \`return None\`, a crash, and (${edited} of ${demo.length}) the canonical with its first integer literal off by one`);

  const writer = new LineWriter(out, false);
  const summary = new SummaryBuilder();
  const view = new ProgressView(demo.length, quiet);
  const outputs: OutputLine[] = [];
  try {
    for await (const r of score(demo.map((d) => d.group), { ...options, onProgress: (p) => view.update(p) })) {
      writer.write(JSON.stringify(r.output));
      summary.add(r.output, r.stats);
      outputs.push(r.output);
    }
  } finally {
    writer.close();
  }
  view.finish();
  const s = summary.result();
  say(formatSummary(s));

  // What the rollouts were meant to be against what the sandbox found.
  const canonicalFailed: string[] = [];
  const survived: string[] = [];
  const wrongSolved: Record<string, number> = {};
  const wrongTotal: Record<string, number> = {};
  outputs.forEach((o, i) => {
    if (o.error !== null || !o.rollouts) return;
    demo[i].kinds.forEach((kind, r) => {
      const row = o.rollouts![r];
      if (kind === 'canonical') {
        if (!solved(row)) canonicalFailed.push(`${o.id} (${(row.verdicts ?? []).join(' ')})`);
        return;
      }
      wrongTotal[kind] = (wrongTotal[kind] ?? 0) + 1;
      if (solved(row)) {
        wrongSolved[kind] = (wrongSolved[kind] ?? 0) + 1;
        if (kind === 'off-by-one') survived.push(`${o.id} (${demo[i].edit})`);
      }
    });
  });
  say(`  canonical solutions passing every test: ${demo.length - canonicalFailed.length - s.failed}/${demo.length}`);
  for (const kind of DEMO_ROLLOUTS.slice(1)) {
    if (wrongTotal[kind]) say(`  ${kind} rollouts passing every test: ${wrongSolved[kind] ?? 0}/${wrongTotal[kind]}`);
  }
  if (survived.length) say(`  off-by-one edits the tests do not catch: ${firstFew(survived)}`);
  say(`verpo demo: wrote ${outputs.length} scored lines (rollouts in the order: ${DEMO_ROLLOUTS.join(', ')}) to`);
  process.stdout.write(out + '\n');
  if (canonicalFailed.length) {
    process.stderr.write(`verpo demo: canonical solutions that did not pass every test (the sandbox does not work as it should on this host): ${firstFew(canonicalFailed)}\n`);
    return 1;
  }
  return s.failed > 0 ? 1 : 0;
}
