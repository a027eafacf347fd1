#pragma once
// The interface every sequence attention in the zoo implements, so that an encoder layer can hold
// any of them by name (see models/registry.h).

#include <string>

#include <torch/nn/module.h>
#include <torch/types.h>

namespace attnzoo {

/// What an attention layer returns.
struct AttentionOutput {
  torch::Tensor output;   ///< [B, n, d_model]
  torch::Tensor weights;  ///< [B, heads, n, n] when asked for and available, else undefined
};

/// Self-attention over a batch of sequences.
///
/// `x` is [B, n, d_model]. `mask` is a [B, n] bool tensor that is true at real tokens and false at
/// padding (an undefined tensor means every token is real). Padded keys are never attended to; a
/// query that may see no key gets a zero output, never NaN.
class AttentionLayerImpl : public torch::nn::Module {
 public:
  virtual AttentionOutput forward(const torch::Tensor& x, const torch::Tensor& mask = {},
                                  bool need_weights = false) = 0;

  /// A layer that writes its own TorchScript returns the source of forward(self, x, mask) and its
  /// helpers (models/torchscript/attention_script.h lists what the module holds); empty: the
  /// exporter knows the layer's form.
  virtual std::string script_source() const { return {}; }
};

}  // namespace attnzoo
