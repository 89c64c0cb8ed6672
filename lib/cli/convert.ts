// `verpo convert <dataset> <file>`: a dataset file to JSONL contract lines on stdout (or -o).
// Malformed records are reported on stderr with their line and field, skipped, and counted; the
// exit status is 1 when any record was skipped, so nothing is dropped silently.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'util';
import { gunzipSync } from 'node:zlib';
import { parseSpecialJudgeList } from '../datasets/special-judge';
import { convertDatasetFile, DATASET_KINDS, defaultEvalPlusCacheDir, isDatasetKind, type EvalPlusStats } from '../datasets';
import { HELP } from './help';
import { LineWriter } from './io';
import { UsageError } from './options';

export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'with-solutions': { type: 'boolean' },
      'with-incorrect-solutions': { type: 'boolean' },
      'special-judge': { type: 'string' },
      'evalplus-tests': { type: 'string' },
      'evalplus-cache': { type: 'string' },
      'no-evalplus-cache': { type: 'boolean' },
      python: { type: 'string' },
      concurrency: { type: 'string' },
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
  const evalplus = evalplusOptions(kind, values);
  const spj = values['special-judge'];
  if (spj !== undefined && kind !== 'apps') throw new UsageError("--special-judge is for 'verpo convert apps' (TACO records) only");
  const conversion = convertDatasetFile(kind, file, {
    withSolutions: Boolean(values['with-solutions']),
    withIncorrectSolutions: Boolean(values['with-incorrect-solutions']),
    onError: (e) => process.stderr.write(`verpo convert: skipped ${e.message}\n`),
    ...evalplus,
    ...(spj === undefined ? {} : { specialJudge: readSpecialJudgeList(spj) }),
  });
  const writer = new LineWriter(values.output, false);
  try {
    for await (const line of conversion) writer.write(JSON.stringify(line));
  } finally {
    writer.close();
  }
  const s = conversion.stats;
  if (!values.quiet)
    process.stderr.write(`verpo convert: ${s.records} records, ${s.converted} converted, ${s.skipped} skipped, ${s.tests} tests, ${s.rollouts} rollouts${s.withoutSolutions ? `, ${s.withoutSolutions} lines without a Python 3 solution` : ''}${kind === 'evalplus' ? evalplusSummary(s as EvalPlusStats, evalplus.evalplusCache) : ''}\n`);
  return s.skipped > 0 ? 1 : 0;
}

/** TACO's output_spj.jsonl (plain or gzipped), or a usage error naming the file. */
function readSpecialJudgeList(file: string) {
  let text: string;
  try {
    const bytes = readFileSync(file);
    text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (e) {
    throw new UsageError(`--special-judge ${file}: ${(e as Error).message}`);
  }
  try {
    return parseSpecialJudgeList(text, file);
  } catch (e) {
    throw new UsageError(`--special-judge: ${(e as Error).message}`);
  }
}

/** evalplus: which inputs, the expected-output cache, and the interpreter that runs the canonical solutions. */
function evalplusOptions(kind: string, values: Record<string, unknown>) {
  const flags = ['evalplus-tests', 'evalplus-cache', 'no-evalplus-cache', 'python', 'concurrency'].filter((f) => values[f] !== undefined);
  if (kind !== 'evalplus') {
    if (flags.length) throw new UsageError(`--${flags[0]} is for 'verpo convert evalplus' only`);
    return {};
  }
  const tests = (values['evalplus-tests'] as string | undefined) ?? 'all';
  if (tests !== 'all' && tests !== 'base' && tests !== 'plus') throw new UsageError(`--evalplus-tests ${tests}: expected base, plus or all`);
  if (values['no-evalplus-cache'] && values['evalplus-cache'] !== undefined) throw new UsageError('--evalplus-cache and --no-evalplus-cache exclude each other');
  const c = values.concurrency as string | undefined;
  if (c !== undefined && !(/^\d+$/.test(c) && Number(c) >= 1)) throw new UsageError(`--concurrency ${c}: expected an integer >= 1`);
  return {
    evalplusTests: tests as 'all' | 'base' | 'plus',
    evalplusCache: values['no-evalplus-cache'] ? false as const : (values['evalplus-cache'] as string | undefined) ?? defaultEvalPlusCacheDir(),
    evalplusExecutorOptions: {
      ...(typeof values.python === 'string' ? { python: values.python } : {}),
      ...(c !== undefined ? { concurrency: Number(c) } : {}),
    },
    onSkippedInput: (k: { id: string; set: string; index: number; reason: string }) =>
      process.stderr.write(`verpo convert: no test for ${k.id} ${k.set}_input[${k.index}]: ${k.reason}\n`),
  };
}

function evalplusSummary(s: EvalPlusStats, cache: string | false | undefined): string {
  return `; evalplus: ${s.inputs} inputs, ${s.inputsSkipped} without a test; expected outputs: ${s.cacheHits} input sets from the cache, ` +
    `${s.cacheMisses} computed (${s.canonicalRuns} sandboxed runs of canonical solutions)${cache ? `, cache ${cache}` : ', no cache'}`;
}
