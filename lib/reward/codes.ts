// Numeric codes shared with native/core/reward/kernel.hpp (Scheme, Estimator, Status).
import type { Estimator, Scheme } from './types';

export const SCHEMES: readonly Scheme[] = ['binary', 'pass-rate', 'verpo', 'verpo-difficulty'];
export const ESTIMATORS: readonly Estimator[] = ['verpo', 'grpo', 'dr-grpo', 'rloo'];

export const enum SchemeCode { Binary = 0, PassRate = 1, Verpo = 2, VerpoDifficulty = 3 }
export const enum EstimatorCode { Verpo = 0, Grpo = 1, DrGrpo = 2, Rloo = 3 }
export const enum Status { Ok = 0, BadLength = 1, EmptyGroup = 2, BadCell = 3, BadTrajectory = 4, BadRho = 5, BadParam = 6, BadTestWeight = 7 }

/** [status, index, group]; null when the kernel succeeded (the native binding's result: lib/native/types.ts). */
export type { KernelResult } from '../native/types';

/** params layout: scheme, estimator, alpha, beta, gamma, delta. */
export const PARAM_NAMES = ['alpha', 'beta', 'gamma', 'delta', 'scheme', 'advantage'] as const;
