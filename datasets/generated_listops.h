#pragma once
// The built-in default dataset: ListOps expressions generated on the fly, so attnzoo trains
// out of the box with no download.

#include <cstdint>

#include "datasets/listops.h"
#include "datasets/token_dataset.h"

namespace attnzoo {

struct GeneratedListOpsOptions {
  ListOpsOptions expressions;
  int64_t train = 96000;
  int64_t validation = 2000;
  int64_t test = 2000;
  uint64_t seed = 0;
};

/// Tokens are the spec's 15 symbols; labels "0".."9". The three splits are disjoint.
TextTask make_generated_listops(const GeneratedListOpsOptions& options);

/// Turns ListOps examples into a task's token examples (symbols must be in the vocabulary).
std::vector<TokenExample> encode_listops(const std::vector<ListOpsExample>& examples,
                                         const Vocabulary& vocabulary);

/// A vocabulary holding the 15 ListOps symbols.
Vocabulary listops_vocabulary();

}  // namespace attnzoo
