#pragma once
// Local (sliding window) attention: query i sees the keys j with |i - j| <= window, as in the
// Long Range Arena's local attention and Longformer's sliding window. Cost grows with
// n * (2 * window + 1) instead of n^2.

#include "models/attention/sparse_attention.h"

namespace attnzoo {

struct LocalAttentionOptions {
  LocalAttentionOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  /// Query i sees keys i - window .. i + window: 2 * window + 1 keys (257 by default).
  TORCH_ARG(int64_t, window) = 128;
  /// The kernel's block size (0: about half the window); speed only, never the result.
  TORCH_ARG(int64_t, block_size) = 0;
  TORCH_ARG(Score, score) = Score::kDot;
  TORCH_ARG(Normalization, normalization) = Normalization::kSoftmax;
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(double, dropout) = 0.0;
};

class LocalAttentionImpl : public SparseAttentionImpl {
 public:
  explicit LocalAttentionImpl(const LocalAttentionOptions& options);
  SparsePattern pattern(int64_t n) const override;
  ScriptPattern script_pattern() const override;

  LocalAttentionOptions options;
};
TORCH_MODULE(LocalAttention);

}  // namespace attnzoo
