#pragma once
// One normalization over the union of several key sets ("parts") without concatenating them:
// the block, strided and global parts of the general path share each query's softmax.

#include <vector>

#include <torch/types.h>

#include "models/attention/attention_kernel.h"

namespace attnzoo::block_sparse {

/// normalize_scores over the union of the parts: part i has scores [B, h, n, m_i] and `allowed`
/// broadcastable to them. Softmax: masked keys get weight 0, a query with no allowed key all
/// zeros; ReLU: relu(s) / L with L the number of allowed keys over all parts.
std::vector<torch::Tensor> normalize_parts(const std::vector<torch::Tensor>& scores,
                                           const std::vector<torch::Tensor>& allowed,
                                           Normalization normalization);

}  // namespace attnzoo::block_sparse
