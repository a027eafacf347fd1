#pragma once
// The recurrent baseline ("lstm"): in an encoder layer's place for attention, a bidirectional
// LSTM reads the sequence both ways (d_model / 2 units each) and each token gets both states, so
// that the zoo can set self-attention against an RNN on the same data. Sequences of a padded
// batch are read within their own length: the backward LSTM starts at each sequence's last real
// token (the sequence is reversed in place of packing), so padding never reaches a real token.

#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>

#include "models/attention/attention_layer.h"

namespace attnzoo {

struct BiLstmMixerOptions {
  BiLstmMixerOptions(int64_t d_model) : d_model_(d_model) {}
  /// Even: each direction has d_model / 2 units.
  TORCH_ARG(int64_t, d_model);
};

class BiLstmMixerImpl : public AttentionLayerImpl {
 public:
  explicit BiLstmMixerImpl(const BiLstmMixerOptions& options);

  /// x [B, n, d], mask [B, n] -> {[B, n, d], no weights}
  AttentionOutput forward(const torch::Tensor& x, const torch::Tensor& mask = {},
                          bool need_weights = false) override;

  BiLstmMixerOptions options;
  torch::nn::LSTM forward_lstm{nullptr};
  torch::nn::LSTM backward_lstm{nullptr};
};
TORCH_MODULE(BiLstmMixer);

/// [B, n] int64: for each sequence, position t < length reads position length - 1 - t, and
/// padding stays in place (applying it twice gives the identity).
torch::Tensor reverse_within_length(const torch::Tensor& mask, int64_t batch, int64_t n);

}  // namespace attnzoo
