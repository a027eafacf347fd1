#pragma once
// Scoring of (query, key) pairs, shared by the dense attention layers: the scaled dot product, or
// additive scoring with its own small network.

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/attention/attention_kernel.h"

namespace attnzoo {

struct ScoreFunctionOptions {
  ScoreFunctionOptions(int64_t head_dim) : head_dim_(head_dim), additive_dim_(head_dim) {}
  /// Size of the queries and keys being scored.
  TORCH_ARG(int64_t, head_dim);
  TORCH_ARG(Score, score) = Score::kDot;
  /// Hidden size of additive scoring (W1, W2: head_dim -> additive_dim; v: additive_dim).
  TORCH_ARG(int64_t, additive_dim);
};

/// s = q . k / sqrt(d), or s = v^T tanh(W1 q + W2 k) for every (query, key) pair.
class ScoreFunctionImpl : public torch::nn::Cloneable<ScoreFunctionImpl> {
 public:
  explicit ScoreFunctionImpl(const ScoreFunctionOptions& options);
  void reset() override;

  /// q [..., n, d], k [..., m, d] -> scores [..., n, m].
  torch::Tensor forward(const torch::Tensor& q, const torch::Tensor& k);

  ScoreFunctionOptions options;
  torch::nn::Linear w_query{nullptr};  ///< W1 (additive only)
  torch::nn::Linear w_key{nullptr};    ///< W2 (additive only)
  torch::Tensor v;                     ///< v  (additive only)
};
TORCH_MODULE(ScoreFunction);

}  // namespace attnzoo
