#pragma once
// GAT (Velickovic et al., 2018): additive scores e_ij = LeakyReLU(a^T [W h_i || W h_j]) with
// slope 0.2, a softmax over each node's neighbours, multi-head. Registry name `gat`.

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/attention/graph_attention_layer.h"

namespace attnzoo {

class GatAttentionImpl : public GraphAttentionLayerImpl {
 public:
  explicit GatAttentionImpl(const GraphAttentionOptions& options);

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& edges) override;
  torch::Tensor forward_dense(const torch::Tensor& x, const torch::Tensor& allowed) override;

  torch::nn::Linear project{nullptr};  ///< W, shared by every node: in_dim -> heads * out_dim
  /// The two halves of a, per head: [heads, out_dim] each (a^T [Wh_i || Wh_j] = a_target . Wh_i +
  /// a_source . Wh_j, so each node's half is computed once, not once per edge).
  torch::Tensor a_target, a_source;
  torch::nn::Dropout dropout{nullptr};

 private:
  /// W h as [N, H, D] and each node's two score halves [N, H].
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> prepare(const torch::Tensor& x);
};
TORCH_MODULE(GatAttention);

}  // namespace attnzoo
