#pragma once
// Strided attention, the Sparse Transformer's strided pattern (Child et al., 2019): query i sees
// every key j with (i - j) mod stride == 0, and, when window >= 0, also the keys with
// |i - j| <= window. With stride about sqrt(n) each query sees about sqrt(n) + 2 * window keys.
//
// The strided keys of a query are every stride-th position, spread over the whole sequence, so no
// small block table holds them; the kernel instead regroups the positions by i mod stride, where
// the strided part becomes a dense attention inside each group (see block_sparse/layout.h).

#include "models/attention/sparse_attention.h"

namespace attnzoo {

struct StrideAttentionOptions {
  StrideAttentionOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  TORCH_ARG(int64_t, stride) = 64;
  /// Local window |i - j| <= window in addition to the strided keys; -1: none.
  TORCH_ARG(int64_t, window) = 128;
  /// The kernel's block size for the window (0: about the window); speed only.
  TORCH_ARG(int64_t, block_size) = 0;
  TORCH_ARG(Score, score) = Score::kDot;
  TORCH_ARG(Normalization, normalization) = Normalization::kSoftmax;
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(double, dropout) = 0.0;
};

class StrideAttentionImpl : public SparseAttentionImpl {
 public:
  explicit StrideAttentionImpl(const StrideAttentionOptions& options);
  SparsePattern pattern(int64_t n) const override;
  ScriptPattern script_pattern() const override;

  StrideAttentionOptions options;
};
TORCH_MODULE(StrideAttention);

}  // namespace attnzoo
