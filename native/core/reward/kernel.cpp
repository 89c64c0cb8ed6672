#include "core/reward/kernel.hpp"
#include "core/reward/det_exp.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

// Hot loops get an AVX2 clone picked at load time; the baseline build stays plain x86-64.
// Lane order is fixed in the source, so both clones (and the JS mirror) sum in the same order.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VERPO_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VERPO_CLONES
#endif

namespace verpo::reward {
namespace {

constexpr double kSigmaEps = 1e-12;  // sigma at or below this: every kernel term is exp(0) = 1
constexpr double kGrpoEps = 1e-6;    // as verl: (r - mean) / (std + 1e-6)
constexpr uint32_t kRhoGrid = 1024;  // given pass rates are rounded to multiples of 1/kRhoGrid

// Sum of w[j] over the cells of a 0/1 row that are 1. Sixteen accumulators a[k] (k = j mod 16),
// combined as c[k] = (a[k] + a[8+k]) + (a[4+k] + a[12+k]), s = (c0 + c2) + (c1 + c3), then the tail
// in order. The AVX2 and portable forms (and the JS mirror) do the same additions in the same order.
double dot01_portable(const uint8_t* p, const double* w, uint32_t m) {
  double a[16] = {};
  uint32_t j = 0;
  for (; m - j >= 16; j += 16)
    for (int k = 0; k < 16; ++k) a[k] += static_cast<double>(p[j + k]) * w[j + k];
  double c[4];
  for (int k = 0; k < 4; ++k) c[k] = (a[k] + a[8 + k]) + (a[4 + k] + a[12 + k]);
  double s = (c[0] + c[2]) + (c[1] + c[3]);
  for (; j < m; ++j) s += static_cast<double>(p[j]) * w[j];
  return s;
}

#if defined(__x86_64__) && defined(__GNUC__)
// A cell of 1 selects its weight by a bit mask (exactly p * w for p in {0, 1}); four independent
// accumulators hide the latency of the additions.
__attribute__((target("avx2"))) static inline __m256d select4(const uint8_t* p, const double* w, __m256i one) {
  int32_t bytes;
  std::memcpy(&bytes, p, 4);
  const __m256i mask = _mm256_cmpeq_epi64(_mm256_cvtepu8_epi64(_mm_cvtsi32_si128(bytes)), one);
  return _mm256_and_pd(_mm256_castsi256_pd(mask), _mm256_loadu_pd(w));
}

__attribute__((target("avx2"))) double dot01_avx2(const uint8_t* p, const double* w, uint32_t m) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
  const __m256i one = _mm256_set1_epi64x(1);
  uint32_t j = 0;
  for (; m - j >= 16; j += 16) {
    a0 = _mm256_add_pd(a0, select4(p + j, w + j, one));
    a1 = _mm256_add_pd(a1, select4(p + j + 4, w + j + 4, one));
    a2 = _mm256_add_pd(a2, select4(p + j + 8, w + j + 8, one));
    a3 = _mm256_add_pd(a3, select4(p + j + 12, w + j + 12, one));
  }
  alignas(32) double c[4];
  _mm256_store_pd(c, _mm256_add_pd(_mm256_add_pd(a0, a2), _mm256_add_pd(a1, a3)));
  double s = (c[0] + c[2]) + (c[1] + c[3]);
  for (; j < m; ++j) s += static_cast<double>(p[j]) * w[j];
  return s;
}
const bool kHasAvx2 = __builtin_cpu_supports("avx2");
double dot01(const uint8_t* p, const double* w, uint32_t m) {
  return kHasAvx2 ? dot01_avx2(p, w, m) : dot01_portable(p, w, m);
}
#else
double dot01(const uint8_t* p, const double* w, uint32_t m) { return dot01_portable(p, w, m); }
#endif

// One read of a group's matrix: column counts, tests passed per row, and the OR of every cell
// (anything above 1 is invalid).
VERPO_CLONES uint8_t count_cells(const uint8_t* p, uint32_t rows, uint32_t m, uint32_t* counts, uint32_t* ones) {
  uint8_t any = 0;
  for (uint32_t j = 0; j < m; ++j) counts[j] = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    const uint8_t* row = p + static_cast<uint64_t>(r) * m;
    uint32_t row_ones = 0;
    for (uint32_t j = 0; j < m; ++j) {
      counts[j] += row[j];
      row_ones += row[j];
      any |= row[j];
    }
    ones[r] = row_ones;
  }
  return any;
}

struct Scratch {
  std::vector<uint32_t> rows, tests;  // the batch's shape, copied once: inputs may change under us
  std::vector<uint32_t> counts, level_counts, ones, histogram, level_count, level_of_count, level_mult, traj, nturn, last_row;
  std::vector<double> level_value, level_weight, kernel, kernel_by_gap, weight_of_count, traj_outcome;
  // exp(-alpha * k / denom) by k, kept while alpha and denom stay the same (groups of one size).
  std::vector<double> difficulty_by_count;
  double difficulty_alpha = -1;
  uint32_t difficulty_denom = 0;
};

// Distinct pass-rate levels in ascending order with their multiplicities; level_of maps a column
// to its level. rho takes at most rows + 1 values, so the density never needs tests^2 work.
// Distinct pass-rate levels k / denom in ascending order, with multiplicities, from integer counts
// in 0..denom (column counts over the rows, or given rates on the kRhoGrid grid). At most denom + 1
// levels, so the density never needs tests^2 work.
void levels_from_counts(Scratch& s, const uint32_t* counts, uint32_t denom, uint32_t m) {
  // Four interleaved histograms: many columns share a count, and one histogram would make every
  // increment wait for the previous store to the same slot.
  const size_t levels = static_cast<size_t>(denom) + 1;
  s.histogram.assign(4 * levels, 0);
  uint32_t* h = s.histogram.data();
  uint32_t j = 0;
  for (; m - j >= 4; j += 4) {
    h[counts[j]]++;
    h[levels + counts[j + 1]]++;
    h[2 * levels + counts[j + 2]]++;
    h[3 * levels + counts[j + 3]]++;
  }
  for (; j < m; ++j) h[counts[j]]++;
  s.level_of_count.assign(levels, 0);  // absent counts map to level 0 (never read for a column)
  s.level_value.clear();
  s.level_mult.clear();
  s.level_count.clear();
  for (uint32_t k = 0; k <= denom; ++k) {
    const uint32_t mult = h[k] + h[levels + k] + h[2 * levels + k] + h[3 * levels + k];
    if (mult == 0) continue;
    s.level_of_count[k] = static_cast<uint32_t>(s.level_value.size());
    s.level_count.push_back(k);
    s.level_value.push_back(static_cast<double>(k) / static_cast<double>(denom));
    s.level_mult.push_back(mult);
  }
}

// VeRPO eq. 7-9 per level: w' = exp(-alpha rho) / (N + delta), N the Gaussian KDE with
// sigma = std_pop(rho) / 2, and N = M when sigma is 0 (all rho equal). Without the density
// (verpo-difficulty, the paper's ablation): w = exp(-alpha rho).
// w = exp(-alpha * rho) for a level, from the per-thread table (the same value det_exp gives).
double difficulty(Scratch& s, uint32_t count, double value, double alpha, uint32_t denom) {
  if (alpha != s.difficulty_alpha || denom != s.difficulty_denom) {
    s.difficulty_by_count.assign(static_cast<size_t>(denom) + 1, -1.0);
    s.difficulty_alpha = alpha;
    s.difficulty_denom = denom;
  }
  double& w = s.difficulty_by_count[count];
  if (w < 0) w = det_exp(-alpha * value);
  return w;
}

void level_weights(Scratch& s, uint32_t m, uint32_t denom, double alpha, double delta, bool density_on) {
  const size_t n = s.level_value.size();
  s.level_weight.resize(n);
  if (!density_on) {
    for (size_t l = 0; l < n; ++l) s.level_weight[l] = difficulty(s, s.level_count[l], s.level_value[l], alpha, denom);
    return;
  }
  double sum = 0;
  for (size_t l = 0; l < n; ++l) sum += s.level_mult[l] * s.level_value[l];
  const double mean = sum / m;
  double var = 0;
  for (size_t l = 0; l < n; ++l) {
    const double d = s.level_value[l] - mean;
    var += s.level_mult[l] * (d * d);
  }
  const double sigma = std::sqrt(var / m) / 2.0;
  const double two_s2 = 2.0 * sigma * sigma;
  // rho_l - rho_k is taken as (count_l - count_k) / denom, so a kernel term depends only on the gap:
  // at most denom + 1 exps per group. The sums run over k in ascending order, as in the JS mirror.
  if (sigma > kSigmaEps) {
    // Every gap that occurs gets its exp first, so the sums below run without calls.
    s.kernel_by_gap.assign(static_cast<size_t>(denom) + 1, -1.0);
    double* by_gap = s.kernel_by_gap.data();
    for (size_t l = 0; l < n; ++l)
      for (size_t k = 0; k <= l; ++k) {
        const uint32_t gap = s.level_count[l] - s.level_count[k];  // levels ascend: l >= k
        if (by_gap[gap] < 0) {
          const double d = static_cast<double>(gap) / static_cast<double>(denom);
          by_gap[gap] = det_exp(-(d * d) / two_s2);
        }
      }
  }
  for (size_t l = 0; l < n; ++l) {
    double density = static_cast<double>(m);
    if (sigma > kSigmaEps) {
      const double* by_gap = s.kernel_by_gap.data();
      const uint32_t cl = s.level_count[l];
      density = 0;
      for (size_t k = 0; k < n; ++k) {
        const uint32_t ck = s.level_count[k];
        density += s.level_mult[k] * by_gap[cl > ck ? cl - ck : ck - cl];
      }
    }
    s.level_weight[l] = difficulty(s, s.level_count[l], s.level_value[l], alpha, denom) / (density + delta);
  }
}

// Centres values[0..n) in place; exactly 0 when they are all equal (a group without signal gets
// exact zero advantages, not rounding noise).
double centred_mean(const double* values, uint32_t n, bool* all_equal) {
  double sum = 0;
  *all_equal = true;
  for (uint32_t i = 0; i < n; ++i) {
    sum += values[i];
    if (values[i] != values[0]) *all_equal = false;
  }
  return sum / n;
}

bool params_ok(const Params& p, uint64_t* which) {
  if (!(std::isfinite(p.alpha) && p.alpha > 0)) return *which = 0, false;
  if (!(std::isfinite(p.beta) && p.beta >= 0)) return *which = 1, false;
  if (!(p.gamma > 0 && p.gamma <= 1)) return *which = 2, false;
  if (!(std::isfinite(p.delta) && p.delta >= 0)) return *which = 3, false;
  if (static_cast<uint32_t>(p.scheme) > 3) return *which = 4, false;
  if (static_cast<uint32_t>(p.estimator) > 3) return *which = 5, false;
  return true;
}

Result fail(Status s, uint64_t index, uint64_t group) { return Result{s, index, group}; }

}  // namespace

Result compute(const Batch& b, const Params& prm, const Output& out, uint64_t group_begin,
               uint64_t group_end) {
  uint64_t which = 0;
  if (!params_ok(prm, &which)) return fail(Status::BadParam, which, 0);
  if (group_begin > group_end || group_end > b.groups)
    return fail(Status::BadLength, static_cast<uint64_t>(LengthField::Groups), b.groups);

  thread_local Scratch s;
  // Shapes, O(groups): the JS layer checked them with better messages; this keeps native safe.
  // They are copied first, so memory another thread changes meanwhile cannot move the offsets.
  s.rows.assign(b.rows, b.rows + b.groups);
  s.tests.assign(b.tests, b.tests + b.groups);
  uint64_t cells = 0, rows_total = 0, tests_total = 0;
  uint64_t cell0 = 0, row0 = 0, test0 = 0;
  for (uint64_t g = 0; g < b.groups; ++g) {
    if (g == group_begin) cell0 = cells, row0 = rows_total, test0 = tests_total;
    if (s.rows[g] == 0 || s.tests[g] == 0) return fail(Status::EmptyGroup, 0, g);
    cells += static_cast<uint64_t>(s.rows[g]) * s.tests[g];
    rows_total += s.rows[g];
    tests_total += s.tests[g];
    if (cells > b.passed_len) return fail(Status::BadLength, 0, cells);
  }
  if (group_begin == b.groups) cell0 = cells, row0 = rows_total, test0 = tests_total;
  if (cells != b.passed_len) return fail(Status::BadLength, static_cast<uint64_t>(LengthField::Passed), cells);
  if (b.trajectory && b.trajectory_len != rows_total)
    return fail(Status::BadLength, static_cast<uint64_t>(LengthField::Trajectory), rows_total);
  if (b.rho && b.rho_len != tests_total)
    return fail(Status::BadLength, static_cast<uint64_t>(LengthField::Rho), tests_total);
  if (b.test_weight && b.test_weight_len != tests_total)
    return fail(Status::BadLength, static_cast<uint64_t>(LengthField::TestWeight), tests_total);
  if (out.row_len != rows_total || out.test_len != tests_total)
    return fail(Status::BadLength, static_cast<uint64_t>(LengthField::Output), rows_total);

  const Scheme scheme = prm.scheme;
  for (uint64_t g = group_begin; g < group_end; ++g) {
    const uint32_t R = s.rows[g], M = s.tests[g];
    const uint8_t* P = b.passed + cell0;

    // Pass 1: column counts, tests passed per row, and the 0/1 check on every cell.
    s.counts.resize(M);
    s.ones.resize(R);
    if (count_cells(P, R, M, s.counts.data(), s.ones.data()) > 1) {
      const uint64_t n = static_cast<uint64_t>(R) * M;
      uint64_t i = 0;
      while (i + 1 < n && P[i] <= 1) ++i;  // bounded: the cells may have changed since
      return fail(Status::BadCell, cell0 + i, g);
    }

    // Per-test pass rates. Given rates are rounded to the kRhoGrid grid (multiples of 1/1024), so
    // they too take few distinct levels; the group's own are exact counts over its rows.
    double* rho = out.rho + test0;
    double* weight = out.weight + test0;
    const uint32_t* level_counts = s.counts.data();
    uint32_t denom = R;
    if (b.rho) {
      s.level_counts.resize(M);
      for (uint32_t j = 0; j < M; ++j) {
        const double v = b.rho[test0 + j];
        if (!(v >= 0 && v <= 1)) return fail(Status::BadRho, test0 + j, g);
        s.level_counts[j] = static_cast<uint32_t>(std::floor(v * kRhoGrid + 0.5));
        rho[j] = static_cast<double>(s.level_counts[j]) / kRhoGrid;
      }
      level_counts = s.level_counts.data();
      denom = kRhoGrid;
    } else {
      for (uint32_t j = 0; j < M; ++j) rho[j] = static_cast<double>(s.counts[j]) / static_cast<double>(R);
    }
    switch (scheme) {
      case Scheme::Binary:
        for (uint32_t j = 0; j < M; ++j) weight[j] = std::numeric_limits<double>::quiet_NaN();
        break;
      case Scheme::PassRate:
        for (uint32_t j = 0; j < M; ++j) weight[j] = 1.0 / M;
        break;
      case Scheme::VerpoDifficulty:
      case Scheme::Verpo: {
        // Weights depend on rho alone, so they are computed once per distinct level.
        levels_from_counts(s, level_counts, denom, M);
        level_weights(s, M, denom, prm.alpha, prm.delta, scheme == Scheme::Verpo);
        s.weight_of_count.resize(static_cast<size_t>(denom) + 1);
        for (uint32_t k = 0; k <= denom; ++k) s.weight_of_count[k] = s.level_weight[s.level_of_count[k]];
        for (uint32_t j = 0; j < M; ++j) weight[j] = s.weight_of_count[level_counts[j]];
        break;
      }
    }
    // A prior weight per test multiplies the scheme's (binary gives no per-test credit to weigh).
    const bool prior = b.test_weight != nullptr && scheme != Scheme::Binary;
    if (prior) {
      for (uint32_t j = 0; j < M; ++j) {
        const double v = b.test_weight[test0 + j];
        if (!(std::isfinite(v) && v >= 0)) return fail(Status::BadTestWeight, test0 + j, g);
        weight[j] *= v;
      }
    }

    // Pass 2 (the group is now in cache): the dense reward per row.
    double* dense = out.dense + row0;
    for (uint32_t r = 0; r < R; ++r) {
      const uint8_t* row = P + static_cast<uint64_t>(r) * M;
      const uint32_t ones = s.ones[r];
      switch (scheme) {
        case Scheme::Binary: dense[r] = ones == M ? 1.0 : 0.0; break;
        case Scheme::PassRate: dense[r] = prior ? dot01(row, weight, M) : static_cast<double>(ones) / static_cast<double>(M); break;
        default: dense[r] = dot01(row, weight, M); break;
      }
    }

    // Outcome per trajectory: the final turn passes everything, decayed by gamma per turn.
    double* outcome = out.outcome + row0;
    uint32_t N = R;
    s.traj_outcome.resize(R);
    s.traj.resize(R);
    if (!b.trajectory) {
      for (uint32_t r = 0; r < R; ++r) s.traj[r] = r;
      for (uint32_t r = 0; r < R; ++r) s.traj_outcome[r] = s.ones[r] == M ? prm.gamma : 0.0;
    } else {
      // Copied, then checked, then used: the caller's memory is read once.
      for (uint32_t r = 0; r < R; ++r) s.traj[r] = b.trajectory[row0 + r];
      N = 0;
      for (uint32_t r = 0; r < R; ++r) {
        if (s.traj[r] >= R) return fail(Status::BadTrajectory, row0 + r, g);
        if (s.traj[r] + 1 > N) N = s.traj[r] + 1;
      }
      s.nturn.assign(N, 0);
      s.last_row.assign(N, 0);
      for (uint32_t r = 0; r < R; ++r) s.nturn[s.traj[r]]++, s.last_row[s.traj[r]] = r;
      for (uint32_t t = 0; t < N; ++t) {
        if (s.nturn[t] == 0) return fail(Status::BadTrajectory, row0, g);
        double decay = 1.0;
        for (uint32_t k = 0; k < s.nturn[t]; ++k) decay *= prm.gamma;
        s.traj_outcome[t] = s.ones[s.last_row[t]] == M ? decay : 0.0;
      }
    }
    for (uint32_t r = 0; r < R; ++r) outcome[r] = s.traj_outcome[s.traj[r]];

    // Scalar reward per row.
    double* reward = out.reward + row0;
    for (uint32_t r = 0; r < R; ++r) {
      switch (scheme) {
        case Scheme::Binary: reward[r] = outcome[r]; break;
        case Scheme::PassRate: reward[r] = dense[r]; break;
        default: reward[r] = outcome[r] + prm.beta * dense[r]; break;
      }
    }

    // Advantages, centred within the group (exactly 0 where the centred values are all equal).
    double* adv = out.advantage + row0;
    switch (prm.estimator) {
      case Estimator::Verpo: {  // eq. 12-14, F_norm = 1
        bool traj_flat = false, dense_flat = false;
        const double mt = centred_mean(s.traj_outcome.data(), N, &traj_flat);
        const double md = centred_mean(dense, R, &dense_flat);
        for (uint32_t r = 0; r < R; ++r) {
          const double a_traj = traj_flat ? 0.0 : s.traj_outcome[s.traj[r]] - mt;
          adv[r] = a_traj + prm.beta * (dense_flat ? 0.0 : dense[r] - md);
        }
        break;
      }
      case Estimator::Grpo:
      case Estimator::DrGrpo: {
        bool flat = false;
        const double mean = centred_mean(reward, R, &flat);
        double scale = 1.0;
        if (prm.estimator == Estimator::Grpo && R > 1 && !flat) {
          double ss = 0;
          for (uint32_t r = 0; r < R; ++r) ss += (reward[r] - mean) * (reward[r] - mean);
          scale = std::sqrt(ss / (R - 1)) + kGrpoEps;
        }
        for (uint32_t r = 0; r < R; ++r) adv[r] = R > 1 && !flat ? (reward[r] - mean) / scale : 0.0;
        break;
      }
      case Estimator::Rloo: {
        bool flat = false;
        double sum = 0;
        centred_mean(reward, R, &flat);
        for (uint32_t r = 0; r < R; ++r) sum += reward[r];
        for (uint32_t r = 0; r < R; ++r) adv[r] = R > 1 && !flat ? (reward[r] * R - sum) / (R - 1) : 0.0;
        break;
      }
    }

    cell0 += static_cast<uint64_t>(R) * M;
    row0 += R;
    test0 += M;
  }
  return Result{};
}

VERPO_CLONES uint64_t sum_bytes(const uint8_t* data, uint64_t len) {
  uint64_t s = 0;
  for (uint64_t i = 0; i < len; ++i) s += data[i];
  return s;
}

}  // namespace verpo::reward
