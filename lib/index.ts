// verpo: the reward core for code-RL trainers.
export * from './reward';
export * from './exec';
export { score, scoreAll, VERDICTS } from './pipeline/score';
export type { LineStats, ScoredLine, ScoreOptions, ScoreProgress } from './pipeline/score';
export { checkLine, LineError } from './pipeline/contract';
export type { InputLine, OutputLine, Problem, RowResult } from './pipeline/contract';
export { nativeLoadError } from './native/load';
export { startServer, VerpoServer } from './server';
export type { ServerOptions } from './server';
