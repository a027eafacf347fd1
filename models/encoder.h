#pragma once
// Transformer encoder: pre-LayerNorm blocks
//   x = x + Dropout(Attention(LayerNorm(x)))
//   x = x + Dropout(MLP(LayerNorm(x)))          MLP = Linear -> GELU -> Dropout -> Linear
// with the attention chosen by name from the registry, and a final LayerNorm.

#include <memory>
#include <vector>

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "models/attention/attention_layer.h"
#include "models/attention_config.h"

namespace attnzoo {

struct EncoderLayerOptions {
  EncoderLayerOptions(AttentionConfig attention) : attention_(std::move(attention)) {}
  /// The attention variant and its settings; attention.d_model is the layer's width.
  TORCH_ARG(AttentionConfig, attention);
  /// Hidden width of the MLP; 0 means 4 * d_model.
  TORCH_ARG(int64_t, mlp_dim) = 0;
  /// Dropout on the residual branches and inside the MLP.
  TORCH_ARG(double, dropout) = 0.1;
};

class EncoderLayerImpl : public torch::nn::Module {
 public:
  explicit EncoderLayerImpl(const EncoderLayerOptions& options);

  /// x [B, n, d], mask [B, n] (true at real tokens) -> [B, n, d]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  EncoderLayerOptions options;
  std::shared_ptr<AttentionLayerImpl> attention;
  torch::nn::LayerNorm attention_norm{nullptr};
  torch::nn::LayerNorm mlp_norm{nullptr};
  torch::nn::Linear mlp_in{nullptr};
  torch::nn::Linear mlp_out{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(EncoderLayer);

struct EncoderOptions {
  EncoderOptions(EncoderLayerOptions layer, int64_t layers)
      : layer_(std::move(layer)), layers_(layers) {}
  TORCH_ARG(EncoderLayerOptions, layer);
  TORCH_ARG(int64_t, layers);
};

class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const EncoderOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  EncoderOptions options;
  std::vector<EncoderLayer> layers;
  torch::nn::LayerNorm final_norm{nullptr};
};
TORCH_MODULE(Encoder);

}  // namespace attnzoo
