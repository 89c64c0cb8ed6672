// `verpo report scored.jsonl [more.jsonl ...] -o report.html`: one self-contained HTML page of plots from scored
// JSONL (lib/report). Each input is a series (name=path names it; else its file name), e.g. one per scheme.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { reportHtml } from '../report/html';
import { summarize } from '../report/summary';
import { readLines } from './io';
import { UsageError } from './options';
import { NumberedLine } from '../pipeline/score';

export async function reportCommand(argv: string[], help: () => number): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { output: { type: 'string', short: 'o' }, title: { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return help();
  if (positionals.length === 0) throw new UsageError('report: give one or more scored JSONL files (the output of verpo score)');
  if (values.output === undefined || values.output.trim() === '') throw new UsageError('report: -o FILE.html is required');
  const series = [];
  let unreadable = 0;
  for (const arg of positionals) {
    const eq = arg.indexOf('=');
    const [name, file] = eq > 0 && !arg.startsWith('/') && !arg.startsWith('.') ? [arg.slice(0, eq), arg.slice(eq + 1)] : [path.basename(arg), arg];
    const lines: unknown[] = [];
    for await (const l of readLines(file === '-' ? undefined : file)) {
      if (!(l instanceof NumberedLine)) {
        lines.push(null);
        unreadable++;
        continue;
      }
      try {
        lines.push(JSON.parse(l.text));
      } catch {
        lines.push(null);
        unreadable++;
      }
    }
    series.push(summarize(name, lines));
  }
  writeFileSync(values.output, reportHtml(series, values.title ?? 'verpo report'));
  if (!values.quiet) {
    const note = unreadable ? ` (${unreadable} line${unreadable === 1 ? '' : 's'} not JSON, counted as error lines)` : '';
    process.stderr.write(`verpo report: ${series.map((s) => `${s.name}: ${s.lines} lines, ${s.rows} rows`).join('; ')}${note}\n`);
  }
  process.stdout.write(`${path.resolve(values.output)}\n`);
  return 0;
}
