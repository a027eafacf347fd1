#pragma once
// ViT's patch embedding: an image cut into P x P patches, each flattened (channel, row, column)
// and projected by one linear layer -- the same map as a Conv2d with kernel = stride = P, with
// the convolution's weight [d, C, P, P] viewed as the linear layer's [d, C * P * P].

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace attnzoo {

struct PatchEmbeddingOptions {
  PatchEmbeddingOptions(int64_t channels, int64_t patch, int64_t d_model)
      : channels_(channels), patch_(patch), d_model_(d_model) {}
  TORCH_ARG(int64_t, channels);
  /// Side of a square patch in pixels; 1 makes every pixel a token.
  TORCH_ARG(int64_t, patch);
  TORCH_ARG(int64_t, d_model);
};

class PatchEmbeddingImpl : public torch::nn::Module {
 public:
  explicit PatchEmbeddingImpl(const PatchEmbeddingOptions& options);

  /// images [B, C, H, W] -> [B, (H / P) * (W / P), d_model], patches in row-major order. H and W
  /// must be multiples of P (an error says so otherwise).
  torch::Tensor forward(const torch::Tensor& images);

  PatchEmbeddingOptions options;
  torch::nn::Linear projection{nullptr};
};
TORCH_MODULE(PatchEmbedding);

/// [B, C, H, W] -> [B, (H / P) * (W / P), C * P * P]: each patch flattened as (channel, row, col).
torch::Tensor image_to_patches(const torch::Tensor& images, int64_t patch);

}  // namespace attnzoo
