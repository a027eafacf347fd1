#include "datasets/text/seeded_split.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>

#include "datasets/portable_random.h"

namespace attnzoo {

size_t split_size(size_t total, double fraction) {
  return static_cast<size_t>(std::llround(static_cast<double>(total) * fraction));
}

SplitIndices seeded_split(const std::vector<std::string>& strata, size_t validation, size_t test,
                          uint64_t seed) {
  if (validation + test > strata.size()) {
    throw std::invalid_argument("seeded_split: " + std::to_string(validation) + " + " +
                                std::to_string(test) + " held-out examples of " +
                                std::to_string(strata.size()));
  }
  std::map<std::string, std::vector<size_t>> groups;  // sorted by label
  for (size_t i = 0; i < strata.size(); ++i)
    groups[strata[i]].push_back(i);

  struct Place {
    uint64_t rank, group_size, group;
    size_t index;
  };
  std::vector<Place> places;
  places.reserve(strata.size());
  std::mt19937_64 rng(seed);
  uint64_t group_number = 0;
  for (auto& [label, members] : groups) {
    for (size_t i = members.size(); i > 1; --i) {
      std::swap(members[i - 1], members[uniform_below(rng, i)]);
    }
    for (size_t rank = 0; rank < members.size(); ++rank) {
      places.push_back({rank, members.size(), group_number, members[rank]});
    }
    ++group_number;
  }
  // (2r + 1) / 2n compared without division; 2 * size^2 fits in 64 bits for any real data set.
  std::sort(places.begin(), places.end(), [](const Place& a, const Place& b) {
    const uint64_t left = (2 * a.rank + 1) * b.group_size;
    const uint64_t right = (2 * b.rank + 1) * a.group_size;
    return left != right ? left < right : a.group < b.group;
  });

  SplitIndices split;
  for (size_t i = 0; i < places.size(); ++i) {
    auto& into = i < test ? split.test : i < test + validation ? split.validation : split.train;
    into.push_back(places[i].index);
  }
  for (auto* part : {&split.train, &split.validation, &split.test}) {
    std::sort(part->begin(), part->end());
  }
  return split;
}

}  // namespace attnzoo
