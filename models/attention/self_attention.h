#pragma once
// Vanilla single-head self-attention, exactly as the textbook writes it:
//   q_i = W^q a_i,  k_i = W^k a_i,  v_i = W^v a_i
//   alpha_ij = score(q_i, k_j)            (scaled dot product or additive)
//   alpha'_ij = normalize_j(alpha_ij)     (softmax or ReLU, see Normalization)
//   b_i = sum_j alpha'_ij v_j

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/attention/attention_layer.h"
#include "models/attention/score_function.h"

namespace attnzoo {

struct SelfAttentionOptions {
  SelfAttentionOptions(int64_t d_model) : d_model_(d_model), additive_dim_(d_model) {}
  /// Size of the input vectors a_i and of the outputs b_i.
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(Score, score) = Score::kDot;
  TORCH_ARG(Normalization, normalization) = Normalization::kSoftmax;
  /// Hidden size of additive scoring.
  TORCH_ARG(int64_t, additive_dim);
  /// Whether W^q, W^k, W^v have biases (the textbook has none).
  TORCH_ARG(bool, bias) = false;
  /// Dropout on the attention weights during training.
  TORCH_ARG(double, dropout) = 0.0;
};

class SelfAttentionImpl : public AttentionLayerImpl {
 public:
  explicit SelfAttentionImpl(const SelfAttentionOptions& options);
  void reset();

  AttentionOutput forward(const torch::Tensor& x, const torch::Tensor& mask = {},
                          bool need_weights = false) override;

  SelfAttentionOptions options;
  torch::nn::Linear query{nullptr};  ///< W^q
  torch::nn::Linear key{nullptr};    ///< W^k
  torch::nn::Linear value{nullptr};  ///< W^v
  ScoreFunction score{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(SelfAttention);

}  // namespace attnzoo
