#pragma once
// Truncated attention, as used for speech: query i sees keys i - left .. i + right. right = 0 is
// streaming (no look-ahead); left = right is local attention.

#include "models/attention/sparse_attention.h"

namespace attnzoo {

struct TruncatedAttentionOptions {
  TruncatedAttentionOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  /// Keys before the query it sees (by default 255 + itself = 256 keys).
  TORCH_ARG(int64_t, left) = 255;
  /// Keys after the query it sees.
  TORCH_ARG(int64_t, right) = 0;
  /// The kernel's block size (0: about max(left, right)); speed only, never the result.
  TORCH_ARG(int64_t, block_size) = 0;
  TORCH_ARG(Score, score) = Score::kDot;
  TORCH_ARG(Normalization, normalization) = Normalization::kSoftmax;
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(double, dropout) = 0.0;
};

class TruncatedAttentionImpl : public SparseAttentionImpl {
 public:
  explicit TruncatedAttentionImpl(const TruncatedAttentionOptions& options);
  SparsePattern pattern(int64_t n) const override;
  ScriptPattern script_pattern() const override;

  TruncatedAttentionOptions options;
};
TORCH_MODULE(TruncatedAttention);

}  // namespace attnzoo
