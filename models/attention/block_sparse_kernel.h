#pragma once
// The one kernel behind every sparse variant: it computes attention over exactly the pairs a
// SparsePattern allows, touching only the listed key blocks, the strided keys and the global
// tokens, so memory grows with n * (window + random blocks + n / stride + globals), never n^2.
// Softmax attention without dropout on long sequences (every benchmark, training without
// attention dropout) takes a fused path that works one chunk of queries at a time and recomputes
// the weights in the backward pass; the other cases are made of standard differentiable ops.
//
// `dense_pattern_attention` computes the same thing the textbook way, with an n x n score matrix
// and the pattern's dense mask: it is the oracle the tests compare the kernel against.

#include <functional>

#include <torch/types.h>

#include "models/attention/attention_kernel.h"
#include "models/attention/sparse_pattern.h"

namespace attnzoo {

struct SparseAttentionInputs {
  /// [B, heads, n, head_dim] each.
  torch::Tensor q, k, v;
  /// [B, n] bool, true at real tokens (undefined: every token is real).
  torch::Tensor key_mask;
  /// [B, n] bool: positions that are global in this example, on top of the pattern's own.
  torch::Tensor global_mask;
  /// Projections used by the rows of global queries (Longformer gives global tokens their own
  /// Q, K, V); [B, heads, n, head_dim] each, undefined: q, k, v.
  torch::Tensor global_q, global_k, global_v;
  /// Scores of queries [..., n, d] against keys [..., m, d] (undefined: scaled dot product).
  std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)> score;
  /// Applied to the attention weights before they meet the values (undefined: none).
  std::function<torch::Tensor(const torch::Tensor&)> dropout;
  Normalization normalization = Normalization::kSoftmax;
  /// Also return the weights as a dense [B, heads, n, n] tensor (costs n^2: for small n only).
  bool need_weights = false;
  /// About how many queries the fused path handles at a time; sequences shorter than this take
  /// the general path. Speed and memory only, never the result.
  int64_t chunk_queries = 1024;
};

/// Returns {output [B, heads, n, head_dim], weights [B, heads, n, n] or undefined}.
std::pair<torch::Tensor, torch::Tensor> block_sparse_attention(const SparsePattern& pattern,
                                                               const SparseAttentionInputs& in);

/// The dense masked oracle of block_sparse_attention (same result, n^2 memory): for tests.
std::pair<torch::Tensor, torch::Tensor> dense_pattern_attention(const SparsePattern& pattern,
                                                                const SparseAttentionInputs& in);

}  // namespace attnzoo
