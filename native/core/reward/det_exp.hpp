// exp() computed by a fixed sequence of IEEE double operations, so C++ and the JS mirror
// (lib/reward/det-exp.ts) get bit-identical results; libm and V8 may differ by an ulp, which GRPO's
// division by a tiny std can blow up. Accuracy: a few ulp (checked against Math.exp in the tests).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace verpo::reward {

inline double pow2_exact(int k) {  // 2^k for -1022 <= k <= 1023, built from its bits
  const uint64_t bits = static_cast<uint64_t>(k + 1023) << 52;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

inline double det_exp(double x) {
  if (x != x) return x;
  if (x > 709.782712893384) return HUGE_VAL;
  if (x < -745.1332191019412) return 0.0;
  constexpr double kInvLn2 = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // low 32 bits zero: k * kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double k = std::floor(x * kInvLn2 + 0.5);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;  // |r| <= ~0.347
  // Taylor to degree 13, Horner form, coefficients 1/n! formed by division.
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const int ki = static_cast<int>(k);
  if (ki < -1021) return (p * pow2_exact(ki + 60)) * pow2_exact(-60);  // subnormal range: two steps
  if (ki > 1023) return (p * pow2_exact(ki - 60)) * pow2_exact(60);
  return p * pow2_exact(ki);
}

}  // namespace verpo::reward
