// `verpo convert <kind> <file>`: dataset records -> input lines of the JSONL contract.
// One record, one line; a malformed record is a DatasetRecordError naming the line (or array index) and the
// field. Without `onError` the first one is thrown; with it, the record is reported, skipped and counted,
// so `stats` always accounts for every record read (converted + skipped = records).
import { convertCodeContestsRecord } from './codecontests';
import { convertHumanEvalRecord } from './humaneval-lines';
import { convertAppsRecord } from './apps';
import { convertLiveCodeBenchRecord } from './livecodebench';
import { convertDeepCoderRecord } from './deepcoder';
import { convertLeetCodeRecord } from './leetcode';
import { convertMbppRecord } from './mbpp';
import { convertEvalPlusRecords, type EvalPlusOptions } from './evalplus';
import { decodeDatasetBytes, fileRecords, parseRecords, type RawRecord } from './records';
import {
  DATASET_KINDS, DatasetRecordError, type ContractLine, type ConvertOptions, type DatasetKind, type RecordRef,
} from './types';

export interface ConvertRunOptions extends ConvertOptions, EvalPlusOptions {
  /** Called for each malformed record, which is then skipped; without it the first one is thrown. */
  onError?: (error: DatasetRecordError) => void;
}

export interface ConvertStats {
  /** Records read (lines of JSONL that are not blank, or array elements). */
  records: number;
  converted: number;
  skipped: number;
  /** Rollouts added by withSolutions / withIncorrectSolutions, over all lines. */
  rollouts: number;
  /** Lines that got no rollout although solutions were asked for (the record has no Python 3 solution). */
  withoutSolutions: number;
  /** Tests over all converted lines. */
  tests: number;
}

const CONVERTERS: Record<Exclude<DatasetKind, 'evalplus'>, (raw: unknown, ref: RecordRef, options: ConvertOptions) => ContractLine> = {
  humaneval: convertHumanEvalRecord,
  mbpp: convertMbppRecord,
  apps: convertAppsRecord,
  codecontests: convertCodeContestsRecord,
  livecodebench: convertLiveCodeBenchRecord,
  deepcoder: convertDeepCoderRecord,
  leetcode: convertLeetCodeRecord,
};

export function isDatasetKind(kind: string): kind is DatasetKind {
  return (DATASET_KINDS as readonly string[]).includes(kind);
}

/** evalplus rows carry inputs, not outputs: converting them runs the canonical solutions (asynchronously). */
const EVALPLUS_ASYNC = 'evalplus rows are converted by running their canonical solutions: use convertDatasetFile (or convertEvalPlusRecords)';

function checkKind(kind: string): DatasetKind {
  if (!isDatasetKind(kind)) throw new TypeError(`unknown dataset ${JSON.stringify(kind)}: expected one of ${DATASET_KINDS.join(', ')}`);
  return kind;
}

/** One record -> one contract line (throws DatasetRecordError when the record is malformed). */
export function convertRecord(kind: DatasetKind, record: unknown, ref: RecordRef, options: ConvertOptions = {}): ContractLine {
  const k = checkKind(kind);
  if (k === 'evalplus') throw new TypeError(EVALPLUS_ASYNC);
  return CONVERTERS[k](record, ref, options);
}

function emptyStats(): ConvertStats {
  return { records: 0, converted: 0, skipped: 0, rollouts: 0, withoutSolutions: 0, tests: 0 };
}

/** Shared bookkeeping of both forms: converts, counts, refuses a repeated id, routes errors. */
class Converter {
  readonly stats = emptyStats();
  private readonly ids = new Set<string>();
  constructor(private readonly kind: DatasetKind, private readonly options: ConvertRunOptions) {}

  /** The line for a raw record, or null when it was skipped (reported through onError). */
  take(raw: RawRecord): ContractLine | null {
    this.stats.records++;
    try {
      if ('error' in raw) throw raw.error;
      const line = convertRecord(this.kind, raw.value, raw.ref, this.options);
      if (this.ids.has(line.id)) throw new DatasetRecordError(raw.ref, 'id', `${JSON.stringify(line.id)} repeats an earlier record's id`);
      this.ids.add(line.id);
      this.stats.converted++;
      this.stats.tests += line.tests.length;
      this.stats.rollouts += line.rollouts?.length ?? 0;
      if ((this.options.withSolutions || this.options.withIncorrectSolutions) && !line.rollouts?.length) this.stats.withoutSolutions++;
      return line;
    } catch (e) {
      this.stats.skipped++;
      if (!(e instanceof DatasetRecordError) || this.options.onError === undefined) throw e;
      this.options.onError(e);
      return null;
    }
  }
}

/** Lines of an in-memory dataset file; `stats` is complete once iteration ends. */
export interface Conversion extends Iterable<ContractLine> {
  readonly stats: ConvertStats;
}

/** Lines of a dataset file read as a stream; `stats` is complete once iteration ends. */
export interface FileConversion extends AsyncIterable<ContractLine> {
  readonly stats: ConvertStats;
}

/** Converts a dataset file's contents (plain or gzipped bytes, or text): JSONL or a JSON array of records. */
export function convertDataset(kind: DatasetKind, data: string | Uint8Array, options: ConvertRunOptions = {}): Conversion {
  if (checkKind(kind) === 'evalplus') throw new TypeError(EVALPLUS_ASYNC);
  const converter = new Converter(checkKind(kind), options);
  const text = decodeDatasetBytes(data);
  return {
    stats: converter.stats,
    *[Symbol.iterator]() {
      for (const raw of parseRecords(text, kind)) {
        const line = converter.take(raw);
        if (line !== null) yield line;
      }
    },
  };
}

/** Converts a dataset file by path, streaming JSONL line by line (plain or gzipped). */
export function convertDatasetFile(kind: DatasetKind, file: string, options: ConvertRunOptions = {}): FileConversion {
  if (checkKind(kind) === 'evalplus') return convertEvalPlusRecords(fileRecords(file, kind), options);
  const converter = new Converter(checkKind(kind), options);
  return {
    stats: converter.stats,
    async *[Symbol.asyncIterator]() {
      for await (const raw of fileRecords(file, kind)) {
        const line = converter.take(raw);
        if (line !== null) yield line;
      }
    },
  };
}
