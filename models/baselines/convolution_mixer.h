#pragma once
// The convolutional baseline ("cnn"): in an encoder layer's place for attention, each token is
// mixed with its neighbours by a convolution instead of by attention weights, so that the zoo
// can set self-attention against a CNN on the same data, as the textbook does. A sequence is
// convolved in 1-D (kernel_size neighbouring tokens); an image's patch tokens, which the image
// model lays out on their grid (grid_width > 0), in 2-D (kernel_size x kernel_size patches).
// Tokens before the grid ([CLS]) see only themselves, through the kernel's centre tap, so pool by
// the mean (--pooling mean) with this baseline, as with local attention, whose [CLS] token sees
// only its window. Padded tokens are zeroed first, so they never reach a real one. Cost:
// n * kernel * d^2, linear in n.

#include <torch/nn/pimpl.h>

#include "models/attention/attention_layer.h"

namespace attnzoo {

struct ConvolutionMixerOptions {
  ConvolutionMixerOptions(int64_t d_model) : d_model_(d_model) {}
  TORCH_ARG(int64_t, d_model);
  /// Odd: the token and kernel_size / 2 neighbours on each side (in each direction on a grid).
  TORCH_ARG(int64_t, kernel_size) = 3;
  /// Tokens are a grid this many columns wide in raster order (0: a 1-D sequence).
  TORCH_ARG(int64_t, grid_width) = 0;
  /// Tokens in front of the grid (a [CLS] token).
  TORCH_ARG(int64_t, grid_offset) = 0;
};

class ConvolutionMixerImpl : public AttentionLayerImpl {
 public:
  explicit ConvolutionMixerImpl(const ConvolutionMixerOptions& options);

  /// x [B, n, d], mask [B, n] -> {[B, n, d], no weights}
  AttentionOutput forward(const torch::Tensor& x, const torch::Tensor& mask = {},
                          bool need_weights = false) override;

  ConvolutionMixerOptions options;
  torch::Tensor weight;  ///< [d, d, k] (1-D) or [d, d, k, k] (grid)
  torch::Tensor bias;    ///< [d]
};
TORCH_MODULE(ConvolutionMixer);

}  // namespace attnzoo
