#pragma once
// A seeded split of one pool of examples into train, validation and test, stratified by label.
//
// How it works: the examples of each label (labels in sorted order, each group in reading order)
// are shuffled by one Fisher-Yates pass each, all drawing from one mt19937_64 seeded with `seed`
// (through our own unbiased draw, so the same seed gives the same split with every standard
// library). The example of rank r in a group of n gets the position (r + 1/2) / n, and all
// examples are ordered by position (ties by label). The first `test` examples of that order are
// the test split, the next `validation` the validation split, the rest the training split; each
// split keeps the reading order. So every prefix of the order holds each label in proportion
// (within one example), a split's label mix matches the whole, the test split does not change
// when only the validation size does, and the result depends on nothing but the labels in
// reading order, the two sizes and the seed.

#include <cstdint>
#include <string>
#include <vector>

namespace attnzoo {

struct SplitIndices {
  std::vector<size_t> train, validation, test;  ///< indices into the pool, ascending
};

/// `strata` holds one label per example (all equal: a plain seeded shuffle). Requires
/// validation + test <= strata.size().
SplitIndices seeded_split(const std::vector<std::string>& strata, size_t validation, size_t test,
                          uint64_t seed);

/// The number of examples a fraction of `total` means: round(total * fraction).
size_t split_size(size_t total, double fraction);

}  // namespace attnzoo
