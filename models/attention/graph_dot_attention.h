#pragma once
// Scaled dot-product multi-head self-attention restricted to a graph's edges: node i attends to
// node j only along an edge j -> i, with s_ij = q_i . k_j / sqrt(d). Registry name `graph`.

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/attention/graph_attention_layer.h"

namespace attnzoo {

class GraphDotAttentionImpl : public GraphAttentionLayerImpl {
 public:
  explicit GraphDotAttentionImpl(const GraphAttentionOptions& options);

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& edges) override;
  torch::Tensor forward_dense(const torch::Tensor& x, const torch::Tensor& allowed) override;

  /// Query, key and value projections, in_dim -> heads * out_dim each.
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
  torch::nn::Dropout dropout{nullptr};

 private:
  /// q, k, v as [N, H, D].
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> project(const torch::Tensor& x);
};
TORCH_MODULE(GraphDotAttention);

}  // namespace attnzoo
