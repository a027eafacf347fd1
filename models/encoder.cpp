#include "models/encoder.h"

#include <string>

#include <torch/nn/functional/activation.h>

#include "models/registry.h"

namespace attnzoo {

EncoderLayerImpl::EncoderLayerImpl(const EncoderLayerOptions& options_) : options(options_) {
  const int64_t d = options.attention().d_model;
  const int64_t hidden = options.mlp_dim() > 0 ? options.mlp_dim() : 4 * d;
  attention = register_module("attention", make_attention(options.attention()));
  attention_norm =
      register_module("attention_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  mlp_norm = register_module("mlp_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  mlp_in = register_module("mlp_in", torch::nn::Linear(d, hidden));
  mlp_out = register_module("mlp_out", torch::nn::Linear(hidden, d));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  auto h = x + dropout(attention->forward(attention_norm(x), mask).output);
  auto mlp = mlp_out(dropout(torch::gelu(mlp_in(mlp_norm(h)))));
  return h + dropout(mlp);
}

EncoderImpl::EncoderImpl(const EncoderOptions& options_) : options(options_) {
  TORCH_CHECK(options.layers() > 0, "an encoder needs at least one layer");
  for (int64_t i = 0; i < options.layers(); ++i) {
    layers.push_back(register_module("layer" + std::to_string(i), EncoderLayer(options.layer())));
  }
  final_norm = register_module(
      "final_norm",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.layer().attention().d_model})));
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  auto h = x;
  for (auto& layer : layers)
    h = layer(h, mask);
  return final_norm(h);
}

}  // namespace attnzoo
