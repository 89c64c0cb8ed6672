#!/usr/bin/env node
// The verpo command line: a thin layer over score() (lib/pipeline) and the dataset converters.
import { reportCommand } from './report';
import * as path from 'path';
import { parseArgs } from 'util';
import { convertCommand } from './convert';
import { demoCommand } from './demo';
import { HELP } from './help';
import { SERVE_HELP, serveCommand } from './serve';
import { countLines, cutTornLine, LineWriter, readLines, readResumePoint, verifyResume } from './io';
import { checkInput, InputError } from '../pipeline/lines';
import { EXEC_FLAGS, REWARD_FLAGS, scoreOptions, UsageError } from './options';
import { ProgressView } from './progress';
import { formatSummary, SummaryBuilder } from './summary';
import { score } from '../pipeline/score';

async function scoreCommand(argv: string[], mode: 'score' | 'run'): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: mode === 'score' ? { ...EXEC_FLAGS, ...REWARD_FLAGS } : EXEC_FLAGS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return help(mode);
  if (positionals.length > 1) throw new UsageError(`expected at most one input file (got ${positionals.join(', ')})`);
  const input = positionals[0];
  const out = values.output as string | undefined;
  if (values.resume && (out === undefined || out === '-')) throw new UsageError('--resume needs -o FILE (it continues that file)');
  const options = scoreOptions(values, mode);

  checkInput(input);
  const summary = new SummaryBuilder();
  // One read of the input (it may be stdin): with --resume its first lines are checked against the
  // output's, by id, before anything is written; then the rest is scored.
  const source = readLines(input)[Symbol.asyncIterator]();
  let skip = 0;
  if (values.resume) {
    const point = await readResumePoint(out!);
    await verifyResume(out!, point.lines, source);
    cutTornLine(out!, point);
    skip = point.lines.length;
    for (const l of point.lines) summary.add(l);
    if (!values.quiet) process.stderr.write(`verpo: resuming after ${skip} finished lines of ${out}\n`);
  }
  // An input that breaks off (a truncated .gz) ends the lines read so far, which are all scored and
  // written; then the error is reported (exit 1).
  let inputError = null as InputError | null;
  const rest = (async function* () {
    try {
      for (;;) {
        const n = await source.next();
        if (n.done) return;
        yield n.value;
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      inputError = e;
    }
  })();
  const total = await countLines(input);
  const view = new ProgressView(total === undefined ? undefined : Math.max(0, total - skip), Boolean(values.quiet));
  const writer = new LineWriter(out, Boolean(values.resume));
  let written = skip;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    view.finish();
    writer.close();
    process.stderr.write(`verpo: interrupted after ${written} lines${out && out !== '-' ? `; continue with: verpo ${mode} ${input ?? '-'} -o ${out} --resume` : ''}\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  try {
    for await (const r of score(rest, { ...options, firstLine: skip + 1, onProgress: (p) => view.update(p) })) {
      writer.write(JSON.stringify(r.output));
      written++;
      summary.add(r.output, r.stats);
    }
  } finally {
    process.off('SIGINT', onSigint);
    if (!interrupted) writer.close();
  }
  view.finish();
  const s = summary.result();
  if (!values.quiet) process.stderr.write(formatSummary(s) + '\n');
  if (inputError !== null) throw inputError;
  return s.failed > 0 ? 1 : 0;
}

async function benchCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) return help('bench');
  const runner = path.resolve(__dirname, '..', '..', 'bench', 'run.js');
  process.argv = [process.argv[0], runner, ...argv];
  require(runner);
  return 0;
}

function help(command: string): number {
  process.stdout.write((command === 'serve' ? SERVE_HELP : HELP[command]) + '\n');
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        return help(rest[0] && (HELP[rest[0]] || rest[0] === 'serve') ? rest[0] : 'main');
      case '--version':
      case '-v':
        process.stdout.write(`${require('../../package.json').version}\n`);
        return 0;
      case 'score':
        return await scoreCommand(rest, 'score');
      case 'run':
        return await scoreCommand(rest, 'run');
      case 'convert':
        return await convertCommand(rest);
      case 'demo':
        return await demoCommand(rest);
      case 'serve':
        return await serveCommand(rest);
      case 'bench':
        return await benchCommand(rest);
      case 'report':
        return await reportCommand(rest, () => help('report'));
      default:
        throw new UsageError(`unknown command '${command}': expected demo, score, run, convert, serve, report or bench (see verpo --help)`);
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || (err.code ?? '').startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`verpo: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`verpo: ${err.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  // A reader that stops early (| head) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
