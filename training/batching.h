#pragma once
// Which examples go into which batch.

#include <cstdint>
#include <vector>

#include "datasets/batch.h"

namespace attnzoo {

/// Batches of indices into `source`. With `shuffle`, examples are shuffled, then sorted by length
/// within pools of 50 batches so each batch holds similar lengths (little padding), and the batch
/// order is shuffled again; deterministic for a seed. Without, batches follow the dataset order.
std::vector<std::vector<int64_t>> make_batches(const BatchSource& source, int64_t batch_size,
                                               bool shuffle, uint64_t seed);

}  // namespace attnzoo
