// `verpo convert <dataset> <file>`: a dataset file to JSONL contract lines on stdout (or -o).
// Malformed records are reported on stderr with their line and field, skipped, and counted; the
// exit status is 1 when any record was skipped, so nothing is dropped silently.
import { parseArgs } from 'util';
import { convertDatasetFile, DATASET_KINDS, isDatasetKind } from '../datasets';
import { HELP } from './help';
import { LineWriter } from './io';
import { UsageError } from './options';

export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'with-solutions': { type: 'boolean' },
      'with-incorrect-solutions': { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP.convert + '\n');
    return 0;
  }
  const [kind, file, ...extra] = positionals;
  if (!kind || !file || extra.length) throw new UsageError(`expected: verpo convert <${DATASET_KINDS.join('|')}> <file>`);
  if (!isDatasetKind(kind)) throw new UsageError(`unknown dataset '${kind}': expected one of ${DATASET_KINDS.join(', ')}`);
  const conversion = convertDatasetFile(kind, file, {
    withSolutions: Boolean(values['with-solutions']),
    withIncorrectSolutions: Boolean(values['with-incorrect-solutions']),
    onError: (e) => process.stderr.write(`verpo convert: skipped ${e.message}\n`),
  });
  const writer = new LineWriter(values.output, false);
  try {
    for await (const line of conversion) writer.write(JSON.stringify(line));
  } finally {
    writer.close();
  }
  const s = conversion.stats;
  if (!values.quiet)
    process.stderr.write(`verpo convert: ${s.records} records, ${s.converted} converted, ${s.skipped} skipped, ${s.tests} tests, ${s.rollouts} rollouts${s.withoutSolutions ? `, ${s.withoutSolutions} lines without a Python 3 solution` : ''}\n`);
  return s.skipped > 0 ? 1 : 0;
}
