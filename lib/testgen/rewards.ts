// Rewards for model-written test files, from the (focal + mutants) x tests verdict matrix (docs/tests-task.md).
import { composeGroup } from '../reward/compose';
import type { Estimator } from '../reward/types';

export const TEST_REWARDS = ['default', 'mutation', 'coverage', 'utrl', 'cure'] as const;
export type TestReward = (typeof TEST_REWARDS)[number];
export const TEST_ESTIMATORS = ['grpo', 'rloo', 'dr-grpo'] as const;

/** The default's weights: validity gates a kill-rate signal, coverage breaks the ties kills leave. */
export const DEFAULT_KILL_WEIGHT = 0.75;
export const DEFAULT_COVERAGE_WEIGHT = 0.25;

/** What one test file's tests did, as the rewards read it. */
export interface FileFacts {
  tests: number;
  valid: number;
  /** Killed non-equivalent mutants, and how many there are (null: no mutant to kill). */
  killed: number;
  mutants: number;
  /** Mean of line and branch coverage of the focal by the valid tests (branches left out when it has none). */
  coverage: number;
  /** Per test, CURE's R_test (sign x scale), for the tests of the file (scheme cure only: elsewhere a mutant's
   *  tests after its first failure are not run, and this is empty). */
  cure: number[];
}

export function rewardOf(f: FileFacts, scheme: TestReward): number {
  if (f.tests === 0) return 0;
  const validity = f.valid / f.tests;
  const kill = f.mutants > 0 ? f.killed / f.mutants : null;
  switch (scheme) {
    case 'mutation':
      return kill === null ? 0 : validity * kill;
    case 'coverage':
      return f.coverage;
    case 'utrl':
      return kill ?? 0;
    case 'cure':
      return f.cure.reduce((a, b) => a + b, 0) / f.cure.length;
    case 'default':
      return kill === null ? validity * f.coverage : validity * (DEFAULT_KILL_WEIGHT * kill + DEFAULT_COVERAGE_WEIGHT * f.coverage);
  }
}

/** CURE's reward of one generated test: +1 scaled by the share of wrong programs it fails when every correct
 *  program passes it, else -1 scaled by the share of wrong programs it passes (scale 1 without wrong ones). */
export function cureTestReward(passesEveryCorrect: boolean, wrongFailing: number, wrong: number): number {
  if (wrong === 0) return passesEveryCorrect ? 1 : -1;
  if (passesEveryCorrect) return wrongFailing / wrong;
  const accepted = (wrong - wrongFailing) / wrong;
  return accepted === 0 ? 0 : -accepted; // (never -0 in the output)
}

/** A group's advantages from its rewards by an estimator of program groups (verpo's own is for programs). */
export function advantagesOf(rewards: number[], estimator: Estimator): number[] {
  return composeGroup(rewards, rewards.map(() => 0), [], estimator).advantage;
}

export function checkTestRewardOptions(o: { testReward?: unknown; advantage?: unknown }): { scheme: TestReward; estimator: Estimator } {
  const scheme = o.testReward ?? 'default';
  if (!(TEST_REWARDS as readonly unknown[]).includes(scheme)) {
    throw new TypeError(`testReward must be one of ${TEST_REWARDS.join(', ')}, got ${JSON.stringify(scheme)}`);
  }
  return { scheme: scheme as TestReward, estimator: testEstimator(o.advantage) };
}

export function testEstimator(advantage: unknown): Estimator {
  if (advantage === undefined) return 'grpo';
  if (!(TEST_ESTIMATORS as readonly unknown[]).includes(advantage)) {
    throw new TypeError(`advantage is ${JSON.stringify(advantage)}: test files take ${TEST_ESTIMATORS.join(', ')} (verpo's estimator weights a program's tests)`);
  }
  return advantage as Estimator;
}
