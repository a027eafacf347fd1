#pragma once
// Multi-head self-attention: h heads of size d_model / h attend independently, their outputs are
// concatenated and mixed by an output projection W^o. With dot-product scores and softmax it
// computes what torch::nn::MultiheadAttention computes (tested with the same weights).

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/attention/attention_layer.h"
#include "models/attention/score_function.h"

namespace attnzoo {

struct MultiHeadAttentionOptions {
  MultiHeadAttentionOptions(int64_t d_model, int64_t heads)
      : d_model_(d_model), heads_(heads), additive_dim_(heads > 0 ? d_model / heads : 0) {}
  TORCH_ARG(int64_t, d_model);
  /// Number of heads; must divide d_model.
  TORCH_ARG(int64_t, heads);
  TORCH_ARG(Score, score) = Score::kDot;
  TORCH_ARG(Normalization, normalization) = Normalization::kSoftmax;
  /// Hidden size of additive scoring (shared by the heads).
  TORCH_ARG(int64_t, additive_dim);
  /// Whether the input and output projections have biases.
  TORCH_ARG(bool, bias) = true;
  /// Dropout on the attention weights during training.
  TORCH_ARG(double, dropout) = 0.0;
};

class MultiHeadAttentionImpl : public AttentionLayerImpl {
 public:
  explicit MultiHeadAttentionImpl(const MultiHeadAttentionOptions& options);
  void reset();

  AttentionOutput forward(const torch::Tensor& x, const torch::Tensor& mask = {},
                          bool need_weights = false) override;

  int64_t head_dim() const { return options.d_model() / options.heads(); }

  MultiHeadAttentionOptions options;
  torch::nn::Linear query{nullptr};   ///< W^q for all heads, d_model -> d_model
  torch::nn::Linear key{nullptr};     ///< W^k for all heads
  torch::nn::Linear value{nullptr};   ///< W^v for all heads
  torch::nn::Linear output{nullptr};  ///< W^o
  ScoreFunction score{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(MultiHeadAttention);

/// [B, n, h * d] -> [B, h, n, d]
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
/// [B, h, n, d] -> [B, n, h * d]
torch::Tensor merge_heads(const torch::Tensor& x);

}  // namespace attnzoo
