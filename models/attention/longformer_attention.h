#pragma once
// Longformer's attention (Beltagy et al., 2020): a sliding window, optionally dilated per head,
// plus global tokens.
//  - Window: head h of query i sees the keys j = i + k * dilation[h] for |k| <= window. With
//    dilation 1 that is |i - j| <= window (2 * window + 1 keys; the paper's "attention window"
//    is this 2 * window); a dilated head reaches dilation[h] times further with as many keys.
//  - Global tokens (the first `globals` positions, and/or per example the positions given to
//    forward_with_globals()) attend to every key, and every query attends to them, in the same
//    softmax as its window keys; a window key that is also global is counted once.
//  - As in the paper, the rows of global queries use their own projections Q_g, K_g, V_g
//    (query_global, key_global, value_global): a global token's output is
//    softmax(Q_g x_i . K_g x_j) V_g x_j over all keys j. Everything else uses Q, K, V.

#include <vector>

#include "models/attention/sparse_attention.h"

namespace attnzoo {

struct LongformerAttentionOptions {
  LongformerAttentionOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  /// One-sided window: 2 * window + 1 keys per query (257 by default, HF's attention_window 256).
  TORCH_ARG(int64_t, window) = 128;
  /// Dilation of each head's window: empty (1 everywhere), one value for every head, or one per
  /// head.
  TORCH_ARG(std::vector<int64_t>, dilation) = {};
  /// The first `globals` positions are global (1: a CLS token).
  TORCH_ARG(int64_t, globals) = 1;
  /// The kernel's block size (0: about window * dilation); speed only, never the result.
  TORCH_ARG(int64_t, block_size) = 0;
  TORCH_ARG(Score, score) = Score::kDot;
  TORCH_ARG(Normalization, normalization) = Normalization::kSoftmax;
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(double, dropout) = 0.0;
};

class LongformerAttentionImpl : public SparseAttentionImpl {
 public:
  explicit LongformerAttentionImpl(const LongformerAttentionOptions& options);
  SparsePattern pattern(int64_t n) const override;
  ScriptPattern script_pattern() const override;

  /// The dilation of each head (options.dilation() expanded to one value per head).
  std::vector<int64_t> head_dilations() const;

  LongformerAttentionOptions options;
  torch::nn::Linear query_global{nullptr};  ///< Q_g
  torch::nn::Linear key_global{nullptr};    ///< K_g
  torch::nn::Linear value_global{nullptr};  ///< V_g

 protected:
  std::array<torch::Tensor, 3> global_projections(const torch::Tensor& x) override;
};
TORCH_MODULE(LongformerAttention);

}  // namespace attnzoo
