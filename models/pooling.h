#pragma once
// How a sequence of encoder outputs becomes one vector, for every classifying model.

#include <string>

#include <torch/types.h>

namespace attnzoo {

enum class Pooling {
  kCls,   ///< a learned [CLS] vector is put before the tokens; its output is used
  kMean,  ///< the mean over real (unpadded) positions
};
const char* to_string(Pooling pooling);
Pooling parse_pooling(const std::string& name);  // throws std::invalid_argument

/// h [B, n, d] -> [B, d]. With kCls the [CLS] output is h[:, 0]; with kMean, `mask` [B, n] (true
/// at real positions; undefined: all real) chooses the positions averaged.
torch::Tensor pool(const torch::Tensor& h, const torch::Tensor& mask, Pooling pooling);

}  // namespace attnzoo
