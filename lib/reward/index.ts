export { computeRewards, computeRewardsAsync } from './compute';
export { DifficultyTracker } from './tracker';
export type { TrackerKeys, TrackerOptions, TrackerSnapshot } from './tracker';
export type { Backend, Estimator, RewardBatch, RewardOptions, RewardOutput, Scheme } from './types';
