// Public types of the reward kernels.

/** How a row's dense (per-test) reward is formed. */
export type Scheme = 'verpo' | 'verpo-difficulty' | 'pass-rate' | 'binary';
/** How scalar rewards become advantages inside a group. */
export type Estimator = 'verpo' | 'grpo' | 'dr-grpo' | 'rloo';
export type Backend = 'native' | 'js';

/**
 * Every group's rollout x test pass matrix, concatenated. Groups are ragged: each has its own
 * number of rows (rollouts, or turns in multi-turn) and tests.
 */
export interface RewardBatch {
  /** 0/1 cells, row-major per group, groups one after another: sum(rows[g] * tests[g]) cells. */
  passed: Uint8Array;
  /** Rows per group (>= 1). */
  rows: Uint32Array;
  /** Tests per group (>= 1). */
  tests: Uint32Array;
  /**
   * Multi-turn only: per row, its trajectory index inside its group (0 .. trajectories - 1, each
   * used at least once). A trajectory's rows are its turns in order; its last row is its final turn.
   */
  trajectory?: Uint32Array;
  /**
   * Optional pass rate per (group, test) to use instead of the group's own, e.g. blended with
   * cross-step statistics by a DifficultyTracker. Values in [0, 1].
   */
  rho?: Float64Array;
  /**
   * Optional prior weight per (group, test), finite and >= 0 (default 1): multiplied into the test's
   * weight under verpo, verpo-difficulty (w'_j * weight_j) and pass-rate ((1/M) * weight_j); binary ignores
   * it. Held-out tests are left out of the batch rather than given weight 0 (0 still counts them in rho).
   */
  testWeight?: Float64Array;
}

export interface RewardOptions {
  /** Default 'verpo'. */
  scheme?: Scheme;
  /** Difficulty sharpness in w = exp(-alpha * rho); > 0. Default 2. */
  alpha?: number;
  /** Weight of the dense advantage in A = A_traj + beta * A_turn; >= 0. Default 1. */
  beta?: number;
  /** Per-turn efficiency decay of the outcome, R_traj * gamma^turns; in (0, 1]. Default 1. */
  gamma?: number;
  /** Stabiliser in w' = w / (N + delta); >= 0. Default 1e-6. */
  delta?: number;
  /** Default: 'verpo' for the verpo schemes, 'grpo' for binary and pass-rate. */
  advantage?: Estimator;
  /** 'auto' (default) uses native when it loaded, else JS. VERPO_BACKEND=js|native forces one. */
  backend?: 'auto' | Backend;
  /** Write into these arrays instead of allocating (reuse across steps). */
  out?: Partial<Pick<RewardOutput, 'reward' | 'dense' | 'outcome' | 'advantage' | 'weight' | 'rho'>>;
}

export interface RewardOutput {
  /** Scalar reward per row: verpo schemes R_traj * gamma^turns + beta * dense; pass-rate: the pass
   *  rate; binary: the outcome. */
  reward: Float64Array;
  /** Dense (turn-level) reward per row: sum of w'_j over passed tests (verpo), of w_j
   *  (verpo-difficulty), the pass rate (pass-rate), or 1 when every test passed (binary). */
  dense: Float64Array;
  /** Outcome per row: its trajectory's final turn passed every test, times gamma^turns; else 0. */
  outcome: Float64Array;
  /** Advantage per row. */
  advantage: Float64Array;
  /** Per (group, test): the weight the dense reward gives the test (NaN for binary: no per-test credit). */
  weight: Float64Array;
  /** Per (group, test): the pass rate used (the group's own, or the batch's rho). */
  rho: Float64Array;
  backend: Backend;
}
