#pragma once
// Global attention: global tokens attend to every key, and every query attends to the global
// tokens; nothing else. The global tokens are the first `globals` positions (e.g. a CLS token),
// and/or per example any positions given to forward_with_globals(). Alone it is a bottleneck
// through a few tokens; Longformer and BigBird add it to their windows.

#include "models/attention/sparse_attention.h"

namespace attnzoo {

struct GlobalAttentionOptions {
  GlobalAttentionOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  /// The first `globals` positions are global.
  TORCH_ARG(int64_t, globals) = 1;
  TORCH_ARG(Score, score) = Score::kDot;
  TORCH_ARG(Normalization, normalization) = Normalization::kSoftmax;
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(double, dropout) = 0.0;
};

class GlobalAttentionImpl : public SparseAttentionImpl {
 public:
  explicit GlobalAttentionImpl(const GlobalAttentionOptions& options);
  SparsePattern pattern(int64_t n) const override;
  ScriptPattern script_pattern() const override;

  GlobalAttentionOptions options;
};
TORCH_MODULE(GlobalAttention);

/// [n] bool: true at the first `count` positions.
torch::Tensor first_positions(int64_t n, int64_t count);

}  // namespace attnzoo
