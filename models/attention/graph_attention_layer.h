#pragma once
// The interface every graph attention in the zoo implements (registry names `gat` and `graph`):
// each node attends only to the nodes with an edge into it, computed over the edge list.

#include <cstdint>

#include <torch/arg.h>
#include <torch/nn/module.h>
#include <torch/types.h>

namespace attnzoo {

/// The shape of one graph attention layer; the registry fills the variant's own fields.
struct GraphAttentionOptions {
  GraphAttentionOptions(int64_t in_dim, int64_t out_dim, int64_t heads)
      : in_dim_(in_dim), out_dim_(out_dim), heads_(heads) {}
  TORCH_ARG(int64_t, in_dim);
  /// Features per head.
  TORCH_ARG(int64_t, out_dim);
  TORCH_ARG(int64_t, heads);
  /// Heads concatenated ([N, heads * out_dim], hidden layers) or averaged ([N, out_dim], the
  /// output layer of GAT).
  TORCH_ARG(bool, concat) = true;
  /// Dropout on the attention coefficients.
  TORCH_ARG(double, dropout) = 0.0;
  /// Dropout on the projected values before they are aggregated (the GAT reference
  /// implementation applies its input dropout there too).
  TORCH_ARG(double, value_dropout) = 0.0;
  /// gat: slope of the LeakyReLU applied to the additive scores.
  TORCH_ARG(double, negative_slope) = 0.2;
  TORCH_ARG(bool, bias) = true;
};

/// Self-attention on a graph. `x` is [N, in_dim]; `edges` is [2, E] int64 and edge e lets node
/// edges[1][e] attend to node edges[0][e] (see edge_softmax.h). A node attends to itself only
/// through a self-loop; a node with no incoming edge gets a zero aggregate (plus the bias).
class GraphAttentionLayerImpl : public torch::nn::Module {
 public:
  explicit GraphAttentionLayerImpl(GraphAttentionOptions options) : options(options) {}

  /// -> [N, heads * out_dim] (concat) or [N, out_dim] (averaged heads).
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& edges) = 0;

  /// The dense oracle for tests: the same parameters, scores for all N x N pairs, masked by
  /// `allowed` [N, N] (allowed[i][j]: node i attends to node j). n^2 memory.
  virtual torch::Tensor forward_dense(const torch::Tensor& x, const torch::Tensor& allowed) = 0;

  GraphAttentionOptions options;

 protected:
  /// The shared ending: heads [N, H, D] concatenated or averaged, then the bias.
  torch::Tensor combine_heads(const torch::Tensor& heads) const;
  /// The dense ending shared by the oracles: scores [H, N, N] masked by allowed [N, N], softmax,
  /// weights times values [N, H, D] -> [N, H, D].
  torch::Tensor dense_aggregate(const torch::Tensor& scores, const torch::Tensor& allowed,
                                const torch::Tensor& values) const;

  torch::Tensor bias;  ///< [heads * out_dim] or [out_dim]; undefined without bias
  void register_bias();
  /// value_dropout applied to values [N, H, D] in training.
  torch::Tensor drop_values(const torch::Tensor& values);
};

}  // namespace attnzoo
