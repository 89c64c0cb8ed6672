// Reward kernels over rollout x test pass matrices (VeRPO and the common baselines).
// Pure C++: no Node headers, so the core can be unit-tested and benchmarked on its own.
// lib/reward/kernel-js.ts mirrors every loop here in the same order; keep them in step.
#pragma once
#include <cstddef>
#include <cstdint>

namespace verpo::reward {

enum class Scheme : uint32_t { Binary = 0, PassRate = 1, Verpo = 2, VerpoDifficulty = 3 };
enum class Estimator : uint32_t { Verpo = 0, Grpo = 1, DrGrpo = 2, Rloo = 3 };

struct Params {
  Scheme scheme = Scheme::Verpo;
  Estimator estimator = Estimator::Verpo;
  double alpha = 2.0;   // difficulty sharpness, > 0
  double beta = 1.0;    // weight of the dense advantage, >= 0
  double gamma = 1.0;   // per-turn efficiency decay, (0, 1]
  double delta = 1e-6;  // stabiliser in w' = w / (N + delta), >= 0
};

// All groups of a batch, concatenated (ragged: groups differ in rows and tests).
struct Batch {
  const uint8_t* passed = nullptr;      // sum(rows[g] * tests[g]) cells, row-major per group
  uint64_t passed_len = 0;
  const uint32_t* rows = nullptr;       // rows (rollouts or turns) per group
  const uint32_t* tests = nullptr;      // tests per group
  uint64_t groups = 0;
  const uint32_t* trajectory = nullptr; // optional, one per row: trajectory index inside its group
  uint64_t trajectory_len = 0;
  const double* rho = nullptr;          // optional, one per (group, test): pass rates to use instead
  uint64_t rho_len = 0;                 //   of the group's own (cross-step difficulty statistics)
  const double* test_weight = nullptr;  // optional, one per (group, test), finite and >= 0: a prior weight
  uint64_t test_weight_len = 0;         //   multiplied into the test's weight (not used by binary)
};

// Caller-owned outputs. Per row: reward, dense, outcome, advantage. Per (group, test): weight, rho.
struct Output {
  double* reward = nullptr;
  double* dense = nullptr;
  double* outcome = nullptr;
  double* advantage = nullptr;
  double* weight = nullptr;
  double* rho = nullptr;
  uint64_t row_len = 0;
  uint64_t test_len = 0;
};

enum class Status : uint32_t {
  Ok = 0,
  BadLength = 1,      // index = the field (see LengthField), group = expected length
  EmptyGroup = 2,     // group has 0 rows or 0 tests
  BadCell = 3,        // index = position in passed
  BadTrajectory = 4,  // index = row; a trajectory id out of range, or a trajectory with no rows
  BadRho = 5,         // index = position in rho
  BadParam = 6,       // index = which parameter (0 alpha, 1 beta, 2 gamma, 3 delta, 4 scheme, 5 estimator)
  BadTestWeight = 7,  // index = position in test_weight
};
enum class LengthField : uint64_t { Passed = 0, Trajectory = 1, Rho = 2, Output = 3, Groups = 4, TestWeight = 5 };

struct Result {
  Status status = Status::Ok;
  uint64_t index = 0;
  uint64_t group = 0;
};

// Computes groups [group_begin, group_end) of the batch into out. Re-checks every input cheaply
// (shapes in O(groups), cells while it reads them); the first problem found is returned and the
// outputs of the groups before it are already written. Thread-safe for disjoint group ranges.
Result compute(const Batch& batch, const Params& params, const Output& out, uint64_t group_begin,
               uint64_t group_end);

// The memory-read floor the benchmark compares against: sums the bytes, nothing else.
uint64_t sum_bytes(const uint8_t* data, uint64_t len);

}  // namespace verpo::reward
