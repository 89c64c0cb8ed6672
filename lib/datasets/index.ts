// Public surface of the dataset converters (`verpo convert`).
export {
  convertDataset, convertDatasetFile, convertRecord, isDatasetKind,
  type Conversion, type ConvertRunOptions, type ConvertStats, type FileConversion,
} from './convert';
export { decodeDatasetBytes, isGzip, readDatasetText } from './records';
export {
  convertEvalPlusRecords, defaultEvalPlusCacheDir,
  type EvalPlusConversion, type EvalPlusExecutor, type EvalPlusOptions, type EvalPlusSkippedInput, type EvalPlusStats, type EvalPlusTestSets,
} from './evalplus';
export { convertDeepCoderRecord, deepCoderSource, type DeepCoderSource } from './deepcoder';
export { convertLeetCodeRecord } from './leetcode';
export { decodeLcbBlob, readPickledString, PickleStringError } from './pickle-string';
export {
  DATASET_KINDS, DatasetRecordError, describeRef,
  type ContractLimits, type ContractLine, type ConvertOptions, type DatasetKind, type RecordRef,
} from './types';
