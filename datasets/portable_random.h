#pragma once
// Random draws that give the same numbers with every standard library: mt19937_64's output is
// fixed by the standard, but std::uniform_int_distribution's and std::shuffle's are not. Seeded
// data (generated ListOps, splits, batch order) must not change with the compiler.

#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace attnzoo {

/// Unbiased draw in [0, n): rejecting the incomplete top bucket keeps every value equally likely.
inline uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  const uint64_t all = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = all - all % n;
  uint64_t x = rng();
  while (x >= limit)
    x = rng();
  return x % n;
}

/// Fisher-Yates with uniform_below.
template <typename T>
void portable_shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i)
    std::swap(items[i - 1], items[uniform_below(rng, i)]);
}

}  // namespace attnzoo
