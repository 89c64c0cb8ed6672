#include <cstdio>

#include "check.hpp"

namespace verpo::test {
std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
int failures = 0;
}  // namespace verpo::test

int main() {
  using namespace verpo::test;
  int failed_cases = 0;
  for (const Case& c : registry()) {
    const int before = failures;
    c.fn();
    const bool ok = failures == before;
    failed_cases += ok ? 0 : 1;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", c.name);
  }
  const int passed = static_cast<int>(registry().size()) - failed_cases;
  std::printf("%d passed, %d failed\n", passed, failed_cases);
  return failed_cases == 0 ? 0 : 1;
}
