#include "training/batching.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "datasets/portable_random.h"

namespace attnzoo {

std::vector<std::vector<int64_t>> make_batches(const BatchSource& source, int64_t batch_size,
                                               bool shuffle, uint64_t seed) {
  const int64_t n = source.size();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  if (shuffle) {
    portable_shuffle(order, rng);
    const int64_t pool = batch_size * 50;
    for (int64_t begin = 0; begin < n; begin += pool) {
      auto first = order.begin() + begin;
      auto last = order.begin() + std::min(n, begin + pool);
      std::stable_sort(first, last,
                       [&](int64_t a, int64_t b) { return source.length(a) < source.length(b); });
    }
  }
  std::vector<std::vector<int64_t>> batches;
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    batches.emplace_back(order.begin() + begin, order.begin() + std::min(n, begin + batch_size));
  }
  if (shuffle)
    portable_shuffle(batches, rng);
  return batches;
}

}  // namespace attnzoo
