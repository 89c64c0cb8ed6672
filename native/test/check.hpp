// A tiny test framework for the pure C++ core: no dependencies, one binary, non-zero exit on failure.
#pragma once
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace verpo::test {

struct Case {
  const char* name;
  std::function<void()> fn;
};
std::vector<Case>& registry();
extern int failures;

struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

inline void report(bool ok, const char* file, int line, const std::string& what) {
  if (ok) return;
  ++failures;
  std::fprintf(stderr, "  FAILED %s:%d: %s\n", file, line, what.c_str());
}

}  // namespace verpo::test

#define VERPO_CAT2(a, b) a##b
#define VERPO_CAT(a, b) VERPO_CAT2(a, b)
#define TEST_CASE(name)                                                                   \
  static void VERPO_CAT(test_fn_, __LINE__)();                                            \
  static ::verpo::test::Register VERPO_CAT(test_reg_, __LINE__)(name, VERPO_CAT(test_fn_, __LINE__)); \
  static void VERPO_CAT(test_fn_, __LINE__)()
#define CHECK(cond) ::verpo::test::report((cond), __FILE__, __LINE__, #cond)
#define CHECK_NEAR(a, b, tol)                                                                 \
  ::verpo::test::report(std::fabs((a) - (b)) <= (tol), __FILE__, __LINE__,                    \
                        std::string(#a " ~ " #b " (") + std::to_string(a) + " vs " + std::to_string(b) + ")")
