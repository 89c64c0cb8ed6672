// Native unit tests for the reward kernels: worked examples of reward-math.md and the guards.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "check.hpp"
#include "core/reward/kernel.hpp"

using namespace verpo::reward;

namespace {

struct Run {
  std::vector<double> reward, dense, outcome, advantage, weight, rho;
  Result result;
};

Run run(const std::vector<uint8_t>& p, const std::vector<uint32_t>& rows, const std::vector<uint32_t>& tests,
        Params prm, const std::vector<uint32_t>* traj = nullptr) {
  Run r;
  uint64_t nrows = 0, ntests = 0;
  for (size_t g = 0; g < rows.size(); ++g) nrows += rows[g], ntests += tests[g];
  r.reward.resize(nrows), r.dense.resize(nrows), r.outcome.resize(nrows), r.advantage.resize(nrows);
  r.weight.resize(ntests), r.rho.resize(ntests);
  Batch b;
  b.passed = p.data(), b.passed_len = p.size();
  b.rows = rows.data(), b.tests = tests.data(), b.groups = rows.size();
  if (traj) b.trajectory = traj->data(), b.trajectory_len = traj->size();
  Output o{r.reward.data(), r.dense.data(), r.outcome.data(), r.advantage.data(), r.weight.data(), r.rho.data(), nrows, ntests};
  r.result = compute(b, prm, o, 0, b.groups);
  return r;
}

const std::vector<uint8_t> kE1 = {1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};

}  // namespace

TEST_CASE("E1: VeRPO weights, dense reward and fused advantage") {
  Run r = run(kE1, {4}, {5}, Params{});
  CHECK(r.result.status == Status::Ok);
  const double wp[] = {.1098, .1523, .2174, .2717, .2717};
  const double dense[] = {.4795, .2621, 1.0228, .1098};
  const double adv[] = {-.2391, -.4565, 1.3043, -.6088};
  for (int j = 0; j < 5; ++j) CHECK_NEAR(r.weight[j], wp[j], 5e-5);
  for (int i = 0; i < 4; ++i) CHECK_NEAR(r.dense[i], dense[i], 5e-5);
  for (int i = 0; i < 4; ++i) CHECK_NEAR(r.advantage[i], adv[i], 5e-5);
}

TEST_CASE("E6: sigma = 0 gives N = M and uniform weights") {
  const std::vector<uint8_t> p = {1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0};
  Run r = run(p, {4}, {5}, Params{});
  for (int j = 0; j < 5; ++j) CHECK_NEAR(r.weight[j], 0.0736, 5e-5);
  CHECK_NEAR(r.advantage[0], 0.0368, 5e-5);
  CHECK_NEAR(r.advantage[1], -0.0368, 5e-5);
}

TEST_CASE("E8: multi-turn pooling and gamma decay") {
  const std::vector<uint8_t> p = {1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0,
                                  1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1};
  const std::vector<uint32_t> traj = {0, 0, 1, 1, 1, 1, 2};
  Params prm;
  prm.gamma = 0.9;
  Run r = run(p, {7}, {4}, prm, &traj);
  CHECK(r.result.status == Status::Ok);
  const double adv[] = {-.037, .7277, -.9532, -.847, -.589, -.589, .8177};
  for (int i = 0; i < 7; ++i) CHECK_NEAR(r.advantage[i], adv[i], 5e-4);
  CHECK_NEAR(r.outcome[0], 0.81, 1e-12);
  CHECK_NEAR(r.outcome[6], 0.9, 1e-12);
}

TEST_CASE("ragged batch: each group is computed as if alone") {
  std::vector<uint8_t> p = kE1;
  p.insert(p.end(), {1, 0, 1});  // a second group: 3 rows x 1 test
  Run both = run(p, {4, 3}, {5, 1}, Params{});
  Run first = run(kE1, {4}, {5}, Params{});
  CHECK(both.result.status == Status::Ok);
  for (int i = 0; i < 4; ++i) CHECK(both.advantage[i] == first.advantage[i]);
  // Group 2 is [1, 0, 1] x 1 test: sigma = 0, so w' = exp(-2 * 2/3) / (1 + delta).
  const double wp = std::exp(-4.0 / 3.0) / (1.0 + 1e-6);
  CHECK_NEAR(both.weight[5], wp, 1e-15);
  CHECK_NEAR(both.advantage[4], 1.0 / 3.0 + wp / 3.0, 1e-12);
  CHECK_NEAR(both.advantage[5], -2.0 / 3.0 - 2.0 * wp / 3.0, 1e-12);
}

TEST_CASE("estimators: grpo, dr-grpo and rloo on the binary reward of E1") {
  Params prm;
  prm.scheme = Scheme::Binary;
  prm.estimator = Estimator::Grpo;
  Run g = run(kE1, {4}, {5}, prm);
  CHECK_NEAR(g.advantage[2], 1.5, 1e-5);
  CHECK_NEAR(g.advantage[0], -0.5, 1e-5);
  prm.estimator = Estimator::Rloo;
  Run l = run(kE1, {4}, {5}, prm);
  CHECK_NEAR(l.advantage[2], 1.0, 1e-12);
  CHECK_NEAR(l.advantage[0], -1.0 / 3.0, 1e-12);
  prm.scheme = Scheme::PassRate;
  prm.estimator = Estimator::DrGrpo;
  Run d = run(kE1, {4}, {5}, prm);
  CHECK_NEAR(d.advantage[0], 0.05, 1e-12);
  CHECK_NEAR(d.advantage[3], -0.35, 1e-12);
}

TEST_CASE("guards: bad cells, shapes, parameters and trajectories are reported, not computed") {
  std::vector<uint8_t> bad = kE1;
  bad[7] = 2;
  Run c = run(bad, {4}, {5}, Params{});
  CHECK(c.result.status == Status::BadCell && c.result.index == 7);
  Run len = run(kE1, {4}, {4}, Params{});
  CHECK(len.result.status == Status::BadLength);
  Run empty = run({}, {0}, {5}, Params{});
  CHECK(empty.result.status == Status::EmptyGroup);
  Params prm;
  prm.alpha = std::numeric_limits<double>::quiet_NaN();
  CHECK(run(kE1, {4}, {5}, prm).result.status == Status::BadParam);
  prm = Params{};
  prm.gamma = 1.5;
  CHECK(run(kE1, {4}, {5}, prm).result.status == Status::BadParam);
  const std::vector<uint32_t> gap = {0, 0, 2, 2};  // trajectory 1 has no rows
  CHECK(run(kE1, {4}, {5}, Params{}, &gap).result.status == Status::BadTrajectory);
}

TEST_CASE("sum_bytes baseline") {
  std::vector<uint8_t> v(1000, 1);
  CHECK(sum_bytes(v.data(), v.size()) == 1000);
}
